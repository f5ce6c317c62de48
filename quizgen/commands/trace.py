"""``quizgen trace``: run a preset or a script, or read a capture, and print its trace."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError
from quizgen.tcp.script import PRESETS, load_script, preset_script
from quizgen.tcp.simulator import simulate
from quizgen.tcp.trace import Trace, format_table


@click.command(name="trace")
@click.argument("preset", required=False, default=None)
@click.option("--script", "script_path", type=click.Path(dir_okay=False), help="A scenario script (YAML).")
@click.option("--seed", type=int, default=None, help="Seed for the random parameters (default 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
@click.option("--list", "list_presets", is_flag=True, help="List the presets.")
@click.option("--pcap", "pcap_path", type=click.Path(dir_okay=False),
              help="Read a TCP connection from a pcap or pcapng capture instead of simulating.")
@click.option("--stream", type=int, default=None,
              help="With --pcap: the connection to read (as numbered by --list-streams; "
                   "needed when the capture holds several).")
@click.option("--relative", is_flag=True,
              help="With --pcap: seq and ack relative to each side's ISN, as Wireshark shows them.")
@click.option("--list-streams", "list_streams", is_flag=True,
              help="With --pcap: list the capture's TCP connections and stop.")
def trace(preset: str | None, script_path: str | None, seed: int | None, as_json: bool,
          list_presets: bool, pcap_path: str | None, stream: int | None, relative: bool,
          list_streams: bool) -> None:
    """Simulate a connection and print every segment and state change.

    PRESET is one of the built-in scenarios (default: normal); --script runs a YAML script;
    --pcap reads a real connection from a capture, its states inferred by the same model.
    """
    if list_presets:
        click.echo("\n".join(sorted(PRESETS)))
        return
    if pcap_path is not None:
        if preset or script_path or seed is not None:
            raise QuizgenError("--pcap reads a capture: give no PRESET, --script or --seed with it",
                               field="trace")
        _trace_pcap(pcap_path, stream, relative, list_streams, as_json)
        return
    if stream is not None or relative or list_streams:
        raise QuizgenError("--stream, --relative and --list-streams go with --pcap", field="trace")
    if preset and script_path:
        raise QuizgenError("give a PRESET or --script, not both", field="trace")
    if script_path:
        script = load_script(script_path, seed=seed)
    else:
        script = preset_script(preset or "normal", seed=1 if seed is None else seed)
    result = simulate(script)
    click.echo(result.to_json() if as_json else format_table(result))


def _trace_pcap(path: str, stream: int | None, relative: bool, list_only: bool,
                as_json: bool) -> None:
    # imported here: only --pcap needs the capture reader (and dpkt)
    import json

    from quizgen.capture import format_streams, list_streams, trace_from_pcap

    if list_only:
        rows = list_streams(path)
        click.echo(json.dumps(rows, indent=2) if as_json else format_streams(rows))
        return
    if stream is None:
        rows = list_streams(path)
        if len(rows) > 1:
            # Several connections and none chosen: show them and ask, rather than guess one.
            click.echo(format_streams(rows))
            raise QuizgenError(f"the capture holds {len(rows)} TCP connections; choose one with "
                               f"--stream N", file=path, field="stream")
    data = trace_from_pcap(path, stream=stream, relative=relative)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    values = data["values"]
    if data.get("relative"):
        # both sides count from 0: naming numbers x, y, u... would be ambiguous
        values = dict.fromkeys(values)
    t = Trace(scenario=data["scenario"], seed=None, options=data["options"], isn=data["isn"],
              steps=data["steps"], values=values, segments=data["segments"],
              events=data["events"])
    lines = format_table(t).split("\n")
    if data.get("relative"):
        v = data["values"]
        lines[0] = lines[0].rstrip()
        lines.insert(1, "relative sequence numbers (seq - ISN, as Wireshark shows them): "
                     + "  ".join(f"{k}={v[k]}" for k in ("x", "y", "u", "v", "w", "closer")
                                 if v[k] is not None))
    for note in data["notes"]:
        lines.append(f"note: {note}")
    click.echo("\n".join(lines))
