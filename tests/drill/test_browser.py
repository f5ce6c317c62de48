"""The HTML pack and the web app in a real headless Chromium: type answers, press check,
see the verdicts, the explanation and the filled ladder diagram."""

from __future__ import annotations

import io
import random

import pytest
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from quizgen.drill import check
from quizgen.drill.pack import pack_html
from quizgen.questions import find_entry, generate_question, load_banks
from tests.drill.conftest import question_of
from tests.drill.support import hostile_bank, typed

#: one entry of every part kind: number, bit, text (state), choice, truefalse, order
EVERY_KIND = ["hs-2-fill", "state-b-after-fin", "choice-synack", "tf-time-wait",
              "order-a-states", "ladder-teardown", "compute-u"]


def by(css):
    from selenium.webdriver.common.by import By
    return By.CSS_SELECTOR, css


def fill(section, q: dict, how: str, rng: random.Random) -> None:
    """Answer every part of ``q`` in its form, the way a student would ("garbage" leaves
    the buttons and lists alone: nothing chosen is their unreadable answer)."""
    from selenium.webdriver.support.ui import Select

    for part in q["parts"]:
        field = section.find_element(*by(f'.qg-field[data-part="{part["id"]}"]'))
        kind, text = part["kind"], typed(part, how, rng)
        if how == "garbage" and kind not in ("number", "bit", "text"):
            continue
        if kind in ("number", "bit", "text"):
            box = field.find_element(*by("input"))
            box.clear()
            box.send_keys(text)
        elif kind == "truefalse":
            value = "true" if check.parse(part, text, "en") else "false"
            field.find_element(*by(f'input[value="{value}"]')).click()
        elif kind == "choice":
            for i in check.parse(part, text, "en"):
                field.find_element(*by(f'input[value="{check.letter_of(part, i)}"]')).click()
        elif kind == "order":
            ids = check.parse(part, text, "en")
            for select, i in zip(field.find_elements(*by("select")), ids):
                Select(select).select_by_value(check.letter_of(part, i))


def marks(section, q) -> list[str]:
    return [section.find_element(*by(f'.qg-field[data-part="{p["id"]}"]')).get_attribute("class")
            for p in q["parts"]]


def non_white_share(png: bytes) -> float:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / (image.width * image.height)


def no_errors_logged(driver) -> list:
    """Script errors and CSP violations (a 4xx answer is logged as 'network': not an error)."""
    return [e for e in driver.get_log("browser")
            if e.get("level") == "SEVERE" and e.get("source") != "network"]


@pytest.fixture(scope="module")
def every_kind(entries):
    return [generate_question(find_entry(i, entries), 7, "en") for i in EVERY_KIND]


def test_pack_in_chromium(browser, every_kind, tmp_path):
    qs = every_kind
    path = tmp_path / "pack.html"
    path.write_text(pack_html(qs, lang="en", seed=7), encoding="utf-8")
    browser.get(path.as_uri())
    sections = browser.find_elements(*by("section.qg-problem"))
    assert len(sections) == len(qs)
    assert browser.find_element(*by("#qg-score")).text.startswith("Score: 0 / 7")
    notice = browser.find_element(*by(".qg-notice"))        # says plainly what the page is
    assert notice.is_displayed() and "not for exams" in notice.text
    assert notice.location["y"] < sections[0].location["y"]
    rng = random.Random(3)

    # every kind answered right, in forgiving spellings: all fields green, explanation shown
    for section, q in zip(sections, qs):
        fill(section, q, "right", rng)
        section.find_element(*by("button.qg-check")).click()
        assert all("qg-right" in c for c in marks(section, q)), (q["qid"], marks(section, q))
        assert "right" in section.find_element(*by(".qg-result")).text
        solution = section.find_element(*by(".qg-solution"))
        assert solution.is_displayed() and "Explanation" in solution.text
        assert solution.find_elements(*by("svg.qg-ladder"))
        assert not section.find_element(*by("button.qg-check")).is_enabled()   # once only
    assert browser.find_element(*by("#qg-right")).text == "7"
    assert no_errors_logged(browser) == []


def test_pack_wrong_and_garbage(browser, every_kind, tmp_path):
    qs = every_kind
    path = tmp_path / "pack.html"
    path.write_text(pack_html(qs, lang="en", seed=8), encoding="utf-8")
    browser.get(path.as_uri())
    sections = browser.find_elements(*by("section.qg-problem"))

    # unreadable input: hints, nothing graded, the form stays open
    first, q = sections[0], qs[0]
    fill(first, q, "garbage", random.Random(0))
    first.find_element(*by("button.qg-check")).click()
    hints = [h.text for h in first.find_elements(*by(".qg-hint")) if h.text]
    assert hints and "hex" in " ".join(hints)
    assert not any("qg-right" in c or "qg-wrong" in c for c in marks(first, q))
    assert not first.find_element(*by(".qg-solution")).is_displayed()
    assert first.find_element(*by("button.qg-check")).is_enabled()

    # then wrong answers: red fields with the right answer, explanation and filled diagram
    for section, q in zip(sections, qs):
        fill(section, q, "wrong", random.Random(0))
        section.find_element(*by("button.qg-check")).click()
        assert all("qg-wrong" in c for c in marks(section, q)), q["qid"]
        for part in q["parts"]:
            mark = section.find_element(*by(f'.qg-field[data-part="{part["id"]}"] .qg-mark'))
            assert mark.text == f"✗ answer: {check.expected(part, 'en')}"
        solution = section.find_element(*by(".qg-solution"))
        assert solution.is_displayed() and solution.find_elements(*by("svg.qg-ladder"))
    choice = sections[EVERY_KIND.index("choice-synack")]
    assert choice.find_elements(*by(".qg-fb"))                 # names the mistake
    assert browser.find_element(*by("#qg-right")).text == "0"
    png = browser.get_screenshot_as_png()
    assert non_white_share(png) > 0.03, "the page looks blank"
    assert no_errors_logged(browser) == []


def test_pack_on_a_phone_and_in_chinese(browser, entries, tmp_path):
    qs = [generate_question(find_entry(i, entries), 2, "zh") for i in EVERY_KIND[:3]]
    path = tmp_path / "zh.html"
    path.write_text(pack_html(qs, lang="zh", seed=2), encoding="utf-8")
    size = browser.get_window_size()
    browser.set_window_size(390, 844)
    try:
        browser.get(path.as_uri())
        width = browser.execute_script("return document.documentElement.scrollWidth")
        viewport = browser.execute_script("return window.innerWidth")
        assert width <= viewport + 1, "the page scrolls sideways on a phone"
        section = browser.find_element(*by("section.qg-problem"))
        state_q = qs[1]
        fill(browser.find_elements(*by("section.qg-problem"))[1], state_q, "right",
             random.Random(0))
        browser.find_elements(*by("button.qg-check"))[1].click()
        assert "正确" in browser.find_elements(*by(".qg-result"))[1].text
        assert "检查" in section.text
        assert non_white_share(browser.get_screenshot_as_png()) > 0.03
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_state_spellings_in_the_browser(browser, entries, tmp_path):
    """The page's script reads state names as check.py does."""
    entry = find_entry("state-b-after-fin", entries)
    spellings = ["CLOSE-WAIT", "close_wait", "Close Wait", "关闭等待", "ＣＬＯＳＥ＿ＷＡＩＴ",
                 "CLOSE_WAIT ", "FIN-WAIT-2", "closewait2"]
    qs = [generate_question(entry, n, "en") for n in range(len(spellings))]
    path = tmp_path / "states.html"
    path.write_text(pack_html(qs, lang="en", seed=1), encoding="utf-8")
    browser.get(path.as_uri())
    for section, q, text in zip(browser.find_elements(*by("section.qg-problem")), qs, spellings):
        part = q["parts"][0]
        section.find_element(*by("input")).send_keys(text)
        section.find_element(*by("button.qg-check")).click()
        cls = marks(section, q)[0]
        try:
            expected = "qg-right" if check.check(part, text, "en").correct else "qg-wrong"
        except check.AnswerError:
            expected = "qg-invalid"
        assert expected in cls, (text, cls)


def test_hostile_pack_runs_nothing(browser, tmp_path):
    entry = load_banks([hostile_bank(tmp_path)])[0]
    q = generate_question(entry, 1, "en")
    path = tmp_path / "hostile.html"
    path.write_text(pack_html([q], lang="en", seed=1), encoding="utf-8")
    browser.get(path.as_uri())
    assert browser.title == "TCP drill"
    heading = browser.find_element(*by("section.qg-problem h2")).text
    assert "</title><script>" in heading                         # shown as text
    section = browser.find_element(*by("section.qg-problem"))
    section.find_element(*by("input")).send_keys("close-wait")
    section.find_element(*by("button.qg-check")).click()
    assert "right" in section.find_element(*by(".qg-result")).text
    assert browser.title == "TCP drill"
    assert browser.find_element(*by("body")).is_displayed()
    assert len(browser.find_elements(*by("form"))) == 1 and not browser.find_elements(*by("iframe"))


def test_web_app_in_chromium(browser, server, entries):
    def current() -> dict:
        token = browser.find_element(*by('input[name="token"]')).get_attribute("value")
        return question_of(token, entries)

    def navigate(element) -> None:
        """Click what loads a new page, and wait until the old page is gone (else a lookup
        right after the click can still find the old page's elements)."""
        old = browser.find_element(*by("main"))
        element.click()
        WebDriverWait(browser, 10).until(staleness_of(old))

    browser.get(server)
    q = current()
    section = browser.find_element(*by("section.qg-problem"))
    fill(section, q, "right", random.Random(4))
    navigate(section.find_element(*by("button.qg-check")))
    page = browser.find_element(*by("main"))
    assert "✓ right" in page.text and "score 1/1" in page.text
    assert all("qg-right" in c for c in marks(browser.find_element(*by("section.qg-problem")), q))
    assert browser.find_element(*by(".qg-solution svg.qg-ladder"))
    assert non_white_share(browser.get_screenshot_as_png()) > 0.03

    navigate(browser.find_element(*by("a.qg-next")))            # a fresh problem
    q2 = current()
    section = browser.find_element(*by("section.qg-problem"))
    fill(section, q2, "garbage", random.Random(0))
    navigate(section.find_element(*by("button.qg-check")))
    assert "could not be read" in browser.find_element(*by("main")).text   # asked again
    section = browser.find_element(*by("section.qg-problem"))
    fill(section, q2, "wrong", random.Random(0))
    navigate(section.find_element(*by("button.qg-check")))
    text = browser.find_element(*by("main")).text
    assert "✗ wrong" in text and "score 1/2" in text and "Explanation" in text
    assert no_errors_logged(browser) == []
