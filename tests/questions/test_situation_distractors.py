"""The mistake a question is about is always among its options: a choice about the answer to
an old segment offers "taken as data" and "reset"; one about a reset answering a segment that
carries ACK offers the reset with ACK (and, for an old SYN's SYN,ACK, the handshake
completed). Other distractors are drawn; these are not left to the draw."""

import pytest

from quizgen.questions import generate_question, load_banks

ENTRIES = {e.id: e for e in load_banks()}


@pytest.mark.parametrize("entry,wanted", [
    ("oldseg-choice", {"stale_data_taken", "stale_gets_rst"}),
    ("old-syn-choice", {"rst_acks_it", "old_synack_accepted"}),
    ("no-tw-choice", {"rst_acks_it"}),
])
def test_the_situations_own_mistakes_are_always_offered(entry, wanted):
    for seed in range(40):
        for lang in ("zh", "en"):
            q = generate_question(ENTRIES[entry], seed, lang)
            part = next(p for p in q["parts"] if p["kind"] == "choice")
            offered = {c.get("misconception") for c in part["choices"]}
            assert wanted <= offered, (seed, lang, offered)
            assert len(part["choices"]) == len({c["text"] for c in part["choices"]})
