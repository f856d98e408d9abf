"""`textfile browse` as a paralegal meets it: the real command serving the demo archive, driven in
headless Chromium (Debian's chromium and chromium-driver, scripts/system-deps.sh; Selenium, a test
extra) to the unfiled conversations, a matter's timeline, a facet and a search, reading what the page
shows; a request without the token refused, and a message holding a <script> shown as its text.
Ctrl-C ends it cleanly. Each page is kept as a screenshot in the test's folder (BROWSE_SHOTS=DIR: there
too) for a person to look at."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("datasette", reason="textfile browse needs the browse extra: pip install 'textfile[browse]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is a test extra: pip install -e '.[test]'")
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Chromium and its WebDriver are not installed here (Debian: apt-get install chromium chromium-driver;"
    " scripts/system-deps.sh installs them where it can)",
)
BIN = Path(sys.executable).parent
SCRIPT = "<script>window.pwned = 1; document.title = 'pwned'</script> & <b>bold</b>"
# One more backup of Sam's phone: a message whose text is markup
XML = f"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="1">
  <sms protocol="0" address="+12025550143" date="1711000000000" type="1" subject="null"
       body="{SCRIPT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")}"
       read="1" status="-1" locked="0" date_sent="0" readable_date="" contact_name="Sam Client" />
</smses>
"""


@pytest.fixture(scope="module")
def served(demo_run, tmp_path_factory):
    """The demo archive (a copy, with the markup message imported) served by `textfile browse --port 0`."""
    folder, returncode, log = demo_run
    assert returncode == 0, log[-2000:]
    here = tmp_path_factory.mktemp("browse")
    shutil.copy(folder / "demo" / "archive.db", here / "archive.db")
    (here / "sms-markup.xml").write_text(XML)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "TEXTFILE_ARCHIVE": str(here / "archive.db"),
        "TEXTFILE_KEY": str(folder / "demo" / "key"),
        "XDG_CONFIG_HOME": str(here / "config"),
        "TMPDIR": str(here),
    }
    imported = subprocess.run(
        ["textfile", "import", str(here / "sms-markup.xml")], env=env, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    unfiled = json.loads(
        subprocess.run(
            ["textfile", "conversations", "--unfiled", "--json"], env=env, capture_output=True, text=True
        ).stdout
    )
    server = subprocess.Popen(
        ["textfile", "browse", "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines = [server.stdout.readline() for _ in range(3)]
    url = lines[1].removeprefix("Open: ").strip()
    assert url.startswith("http://127.0.0.1:"), lines
    yield {"url": url, "base": url.split("/-/")[0], "unfiled": unfiled, "server": server, "tmp": here}
    if server.poll() is None:
        server.kill()


@pytest.fixture(scope="module")
def browser(served):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    yield driver
    driver.quit()


def shot(browser, served, name: str) -> None:
    browser.save_screenshot(str(served["tmp"] / f"{name}.png"))
    if os.environ.get("BROWSE_SHOTS"):
        Path(os.environ["BROWSE_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(served["tmp"] / f"{name}.png", Path(os.environ["BROWSE_SHOTS"]) / f"{name}.png")


def cells(browser, column: str) -> list[str]:
    """The text of each row's cell of a column, as the page shows it."""
    return [c.text for c in browser.find_elements(By.CSS_SELECTOR, f"table.rows-and-columns td.col-{column}")]


def test_1_without_the_token_the_page_is_refused(browser, served):
    browser.get(served["base"] + "/archive/message_list")
    shot(browser, served, "1-refused")
    assert browser.find_element(By.TAG_NAME, "body").text == (
        "This is a textfile browse session: open the link `textfile browse` printed (it holds the session's token)."
    )


def test_2_the_link_opens_the_archive(browser, served):
    browser.get(served["url"])
    shot(browser, served, "2-archive")
    assert browser.current_url == served["base"] + "/archive"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Alex Owner's textfile archive"
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "A read-only copy of the archive taken" in body
    for query in ("Unfiled conversations", "A matter's timeline", "Messages in no transcript"):
        assert query.lower() in body.lower()


def test_3_the_unfiled_conversations_are_those_textfile_lists(browser, served):
    browser.get(served["base"] + "/archive/unfiled_conversations")
    shot(browser, served, "3-unfiled")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == len(served["unfiled"]) > 0
    page = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
    for conversation in served["unfiled"]:
        for p in conversation["participants"]:
            assert p["handle"] in page


def test_4_a_matters_timeline_is_one_chronological_list_with_names_and_numbers(browser, served):
    browser.get(served["base"] + "/archive/matter_timeline?matter=2026-014")
    shot(browser, served, "4-timeline")
    headers = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns th")]
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) > 10
    text = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
    assert "Sam Client" in text and "+12025550143" in text and "Alex Owner" in text
    sent = [r.find_elements(By.TAG_NAME, "td")[headers.index("Sent (UTC)")].text for r in rows]
    assert sent == sorted(sent)


def test_5_a_facet_filters_the_messages(browser, served):
    browser.get(served["base"] + "/archive/message_list")
    total = int(browser.find_element(By.CSS_SELECTOR, "h3").text.split()[0].replace(",", ""))
    facet = browser.find_element(By.CSS_SELECTOR, 'div.facet-info[data-column="matter"]')
    link = next(a for a in facet.find_elements(By.TAG_NAME, "a") if a.text == "2026-014")
    link.click()
    shot(browser, served, "5-facet")
    filtered = int(browser.find_element(By.CSS_SELECTOR, "h3").text.split()[0].replace(",", ""))
    assert 0 < filtered < total
    assert 'where matter contains "2026-014"' in browser.find_element(By.CSS_SELECTOR, "h3").text
    assert set(cells(browser, "matter")) == {"2026-014"}


def test_6_a_search_finds_the_messages_that_say_it(browser, served):
    browser.get(served["base"] + "/archive/message_list")
    box = browser.find_element(By.ID, "_search")
    box.send_keys("lease")
    box.submit()
    shot(browser, served, "6-search")
    found = cells(browser, "body")
    assert found and all("lease" in text.lower() for text in found)
    assert 'search matches "lease"' in browser.find_element(By.CSS_SELECTOR, "h3").text


def test_7_a_message_holding_a_script_is_shown_as_its_text(browser, served):
    browser.get(served["base"] + "/archive/message_list?_search=pwned")
    shot(browser, served, "7-script")
    assert cells(browser, "body") == [SCRIPT]
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.title != "pwned"
    assert browser.find_elements(By.CSS_SELECTOR, "td.col-body b") == []


def test_8_ctrl_c_stops_it_and_removes_the_copy(served):
    server = served["server"]
    server.send_signal(signal.SIGINT)
    out, err = server.communicate(timeout=30)
    assert (server.returncode, out, err) == (0, "Stopped; the copy was removed.\n", "")
    deadline = time.monotonic() + 5
    while any(served["tmp"].glob("textfile-*/run-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(served["tmp"].glob("textfile-*/run-*")) == []
