"""The exam in a real headless Chromium (Debian's, the drill's Selenium set-up) against a real
``quizgen exam serve``: a student signs in, answers (each change autosaved by the page's
script), reloads, answers more, submits, and sees the marked paper after the release; the
teacher watches the progress page update itself, grants extra time and downloads the grades.
No script error or CSP violation in the console."""

from __future__ import annotations

import json
import random
import re
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from quizgen.exam.marking import field_name
from quizgen.exam.store import Store
from quizgen.paper import BankSource, load_spec, paper_for_code
from tests.drill.conftest import browser  # noqa: F401  (the fixture)
from tests.drill.test_browser import by, no_errors_logged
from tests.exam.conftest import (PASSWORD, fresh_database, make_exam, start_exam_server,
                                 stop_exam_server)
from tests.exam.support import form_value


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"browser-{request.param}")
    db = fresh_database(request.param, folder, request)
    made = make_exam(folder, db, 3, "--release", "manual")
    proc, url = start_exam_server(db)
    try:
        yield made, url
    finally:
        stop_exam_server(proc)


def questions_of(made, sid: str) -> list[dict]:
    paper = paper_for_code(load_spec(made.spec), made.papers[sid], BankSource())
    return [q for s in paper["sections"] for q in s["questions"]]


def answer(driver, number: int, part: dict, values: list[str]) -> None:
    """Answer one part on the page as a student would."""
    name = field_name(number, part["id"])
    kind = part["kind"]
    if kind in ("number", "bit", "text"):
        box = driver.find_element(*by(f'input[name="{name}"]'))
        box.clear()
        box.send_keys(values[0])
    elif kind in ("choice", "truefalse"):
        for v in values:
            driver.find_element(*by(f'input[name="{name}"][value="{v}"]')).click()
    elif kind == "order":
        for select, v in zip(driver.find_elements(*by(f'select[name="{name}"]')), values):
            Select(select).select_by_value(v)


def saved(driver) -> None:
    WebDriverWait(driver, 15).until(
        lambda d: "qg-ok" in d.find_element(*by("#qg-state")).get_attribute("class"))


def attempt_id(driver) -> str:
    return driver.find_element(*by("#qg-paper")).get_attribute("data-attempt")


def shown_value(driver, number: int, part: dict) -> list[str]:
    name = field_name(number, part["id"])
    if part["kind"] in ("number", "bit", "text"):
        return [driver.find_element(*by(f'input[name="{name}"]')).get_attribute("value")]
    if part["kind"] == "order":
        return [Select(s).first_selected_option.get_attribute("value")
                for s in driver.find_elements(*by(f'select[name="{name}"]'))]
    return [e.get_attribute("value") for e in driver.find_elements(*by(f'input[name="{name}"]'))
            if e.is_selected()]


def test_student_sits_the_exam_in_chromium(browser, served):  # noqa: F811
    made, url = served
    sid = "S0001"
    driver = browser
    driver.delete_all_cookies()
    driver.get(url)
    driver.find_element(*by('input[name="student_id"]')).send_keys(sid)
    driver.find_element(*by('input[name="code"]')).send_keys(made.codes[sid].lower())
    driver.find_element(*by(".qg-signin button")).click()
    # the click only starts the form's submission: wait for the page it leads to
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(*by("#qg-start")))
    driver.find_element(*by("#qg-start")).click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(*by("#qg-paper")))
    questions = questions_of(made, sid)
    rng = random.Random(11)
    parts = [(n, p) for n, q in enumerate(questions, start=1) for p in q["parts"]]
    typed = {(n, p["id"]): form_value(p, "right", rng) for n, p in parts}
    first, rest = parts[: len(parts) // 2], parts[len(parts) // 2:]
    for n, p in first:
        answer(driver, n, p, typed[(n, p["id"])])
    saved(driver)
    driver.refresh()                                   # a reload loses nothing
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(*by("#qg-paper")))
    for n, p in first:
        assert shown_value(driver, n, p) == typed[(n, p["id"])], (n, p["id"])
    # the connection drops: the page says the answer is not saved, and saves it once back
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, **conditions})
    try:
        n, p = rest[0]
        answer(driver, n, p, typed[(n, p["id"])])
        WebDriverWait(driver, 15).until(
            lambda d: "qg-bad" in d.find_element(*by("#qg-state")).get_attribute("class"))
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": False, **conditions})
    saved(driver)
    state = json.loads(driver.execute_script(
        f"return fetch('/api/attempt/{attempt_id(driver)}').then(r => r.text())"))
    assert state["answers"][field_name(n, p["id"])] == typed[(n, p["id"])]
    # on a phone's width the page fits: nothing wider than the screen but scrolling boxes
    driver.set_window_size(390, 900)
    try:
        width = driver.execute_script("return document.documentElement.scrollWidth")
        inner = driver.execute_script("return window.innerWidth")
        assert width <= inner, (width, inner)
    finally:
        driver.set_window_size(1000, 1400)
    for n, p in rest:
        answer(driver, n, p, typed[(n, p["id"])])
    saved(driver)
    clock = driver.find_element(*by("#qg-clock")).text
    assert re.fullmatch(r"4[0-4]:\d\d", clock), clock            # counting down from 45:00
    driver.find_element(*by("#qg-submit")).click()
    driver.switch_to.alert.accept()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(*by("#qg-submitted")))
    assert "qg-solution" not in driver.find_element(*by("main")).get_attribute("innerHTML")
    store = Store(made.db)
    try:
        store.release(store.exam().id, time.time() - 1)
    finally:
        store.close()
    time.sleep(1.1)                                   # the server rereads the exam each second
    driver.refresh()
    full = sum(q["points"] for q in questions)
    assert driver.find_element(*by("#qg-score")).text == f"Score: {full:g} of {full:g}"
    assert len(driver.find_elements(*by(".qg-solution"))) == len(questions)
    assert len(driver.find_elements(*by(".qg-field.qg-right"))) == len(parts)
    assert no_errors_logged(driver) == []
    store = Store(made.db)
    try:
        store.release(store.exam().id, None)
    finally:
        store.close()


class Client:
    """A student outside the browser (urllib with cookies)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.url + path) as r:
            return r.read().decode()

    def post(self, path: str, data: dict, headers: dict | None = None, json_body=None) -> str:
        body = (json.dumps(json_body).encode() if json_body is not None
                else urllib.parse.urlencode(data).encode())
        req = urllib.request.Request(self.url + path, data=body, headers={
            "Content-Type": "application/json" if json_body is not None
            else "application/x-www-form-urlencoded", **(headers or {})})
        with self.opener.open(req) as r:
            return r.read().decode()


def test_teacher_watches_grants_and_exports_in_chromium(browser, served, tmp_path):  # noqa: F811
    made, url = served
    driver = browser
    driver.get(url + "teacher")
    driver.find_element(*by('input[name="password"]')).send_keys(PASSWORD)
    driver.find_element(*by(".qg-signin button")).click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(*by("#qg-progress")))
    row = 'tr[data-student="S0002"] .qg-status'
    assert driver.find_element(*by(row)).text == "not started"
    before = int(driver.find_element(*by("#qg-summary")).text.split()[0])
    # a student starts and answers meanwhile; the page shows it without our reloading it
    student = Client(url)
    page = student.get("")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    page = student.post("signin", {"csrf": csrf, "student_id": "S0002",
                                   "code": made.codes["S0002"]})
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    page = student.post("start", {"csrf": csrf})
    attempt = re.search(r'data-attempt="(\d+)"', page).group(1)
    q1 = questions_of(made, "S0002")[0]
    reply = student.post(f"api/attempt/{attempt}/answer", {}, {"X-CSRF-Token": csrf},
                         {"name": field_name(1, q1["parts"][0]["id"]), "value": ["1"]})
    assert json.loads(reply)["saved"] is True
    # (the page reloads itself every 10 s: an element may go stale while it is read)
    refreshing = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,
                                                               NoSuchElementException))
    refreshing.until(lambda d: d.find_element(*by(row)).text == "in progress")
    refreshing.until(lambda d: d.find_element(*by("#qg-summary")).text.startswith(
        f"{before + 1} started"))
    # extra time for that student
    href = refreshing.until(
        lambda d: d.find_element(*by('tr[data-student="S0002"] a')).get_attribute("href"))
    driver.get(href)
    box = driver.find_element(*by('#qg-extra input[name="minutes"]'))
    box.clear()
    box.send_keys("15")
    driver.find_element(*by("#qg-extra button")).click()
    # the old page's box says 15 already (we typed it): wait for the page the form returns
    refreshing.until(staleness_of(box))
    refreshing.until(
        lambda d: d.find_element(*by('#qg-extra input[name="minutes"]')).get_attribute("value")
        == "15")
    remaining = json.loads(student.get(f"api/attempt/{attempt}"))["remaining"]
    assert 59 * 60 < remaining <= 60 * 60            # 45 minutes and the 15 granted
    # the grades as a download
    folder = tmp_path / "downloads"
    folder.mkdir()
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                        "downloadPath": str(folder)})
    driver.find_element(*by("#qg-csv")).click()
    WebDriverWait(driver, 20).until(lambda d: list(folder.glob("*-grades.csv")))
    data = next(folder.glob("*-grades.csv")).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("student_id,name,paper_code,score") and len(lines) == 4
    assert any(line.startswith(f"S0002,Student 2,{made.papers['S0002']},,") for line in lines)
    assert no_errors_logged(driver) == []
