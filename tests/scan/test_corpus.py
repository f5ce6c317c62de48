"""The synthetic scan corpus (tests/scan/corpus.py): real sheets, filled in with clear and
ambiguous marks, scanned at 150/200/300 dpi, turned up to 5 degrees either way, scaled,
blurred, JPEG-compressed, upside down, photocopied once or twice before the scan (darker
mid-tones, a grey haze, toner specks and streaks), and photographed in perspective under
uneven light.

Here 200 sheets (about 400 pages: two thirds of them are pages of three-page sheets); the full
2,000 are benchmarks/bench_scan.py's (its figures are in docs/grading.md)."""

import numpy as np

from quizgen.scan.image import to_grey
from quizgen.scan.run import read_one
from tests.scan import corpus, synth

SHEETS = 200


def test_corpus_every_code_read_bubbles_right_and_every_ambiguous_mark_flagged(sheet_templates):
    stats = corpus.run(sheet_templates, SHEETS, seed=20261201)
    print(stats.line())
    assert stats.sheets == SHEETS and stats.pages > SHEETS
    assert stats.codes_read == stats.pages, stats.failures[:5]
    assert stats.bubble_accuracy() >= 0.999, stats.line()
    assert stats.clear_wrong == 0, stats.failures[:5]           # no silent misread
    assert stats.ambiguous_silent_wrong == 0, stats.failures[:5]
    two = stats.ambiguous["two"]
    assert two[0] > 10 and two[1] == two[0]                    # two marks: always flagged
    for kind in ("light", "tick", "erased", "erased-remarked"):
        n, flagged, right = stats.ambiguous[kind]
        assert n > 5 and flagged + right == n, (kind, stats.line())
    assert stats.clear_flagged <= 0.01 * stats.clear_fields, stats.line()


def test_a_clear_sheet_reads_exactly_what_was_drawn_in_every_distortion(sheet_templates):
    """One sheet, every distortion of the corpus one by one: the same reading each time."""
    template = sheet_templates[0]
    rng = np.random.default_rng(7)
    marks, truth = corpus.fill_in(template.layout, rng, ambiguous_share=0.0)
    page = synth.fill(template.pages, template.layout, marks, rng)[0]
    cases = {
        "150 dpi": synth.scan_like(page, rng, dpi=150, angle=0.0),
        "300 dpi +5 deg": synth.scan_like(page, rng, dpi=300, angle=5.0),
        "200 dpi -5 deg upside down": synth.scan_like(page, rng, dpi=200, angle=-5.0,
                                                       upside_down=True),
        "scaled 94 % blurred": synth.scan_like(page, rng, dpi=200, angle=1.0, scale=0.94,
                                                blur=1.2),
        "JPEG quality 40": synth.scan_like(page, rng, dpi=200, angle=-2.0, jpeg=40),
        "photocopy": synth.scan_like(synth.photocopy_like(page, rng), rng, dpi=200, angle=1.5),
        "copy of a copy of a copy": synth.scan_like(synth.photocopy_like(page, rng,
                                                                         generations=3),
                                                    rng, dpi=150, angle=-2.5, jpeg=85),
        "photo": synth.photo_like(page, rng),
        "photo upside down": synth.photo_like(np.ascontiguousarray(page[::-1, ::-1]), rng),
        "on its side": synth.scan_like(np.ascontiguousarray(np.rot90(page)), rng, dpi=200,
                                       angle=2.0),
        "on its other side": synth.scan_like(np.ascontiguousarray(np.rot90(page, 3)), rng,
                                             dpi=150, angle=-3.0),
    }
    for how, image in cases.items():
        result = read_one(how, to_grey(image), template.exam, {}, keep_images=False)
        assert result.status == "read" and result.page == 1, (how, result.note)
        got = {fr.field.key: fr.value for fr in result.readings}
        want = {k.split(":", 1)[1]: t.value for k, t in truth.items() if k.startswith("1:")}
        assert got == want, how
        assert not result.flagged, (how, list(result.flagged))
