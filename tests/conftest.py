import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# CI gets a longer, derandomized run; local runs stay quick.
settings.register_profile("ci", max_examples=300, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config):
    """A compiled module (scripts/bootstrap builds the simulator and the question types with
    mypyc) that is older than its source would test the old code: refuse, and say how to
    rebuild."""
    package = Path(__file__).resolve().parents[1] / "quizgen"
    for so in package.rglob("*.so"):
        source = so.parent / (so.name.split(".")[0] + ".py")
        if source.exists() and source.stat().st_mtime > so.stat().st_mtime:
            raise SystemExit(f"{so.relative_to(package.parent)} is older than {source.name}: run "
                             "'bash scripts/bootstrap' to compile it again (or delete "
                             "quizgen/*/*.so)")
