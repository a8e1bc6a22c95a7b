# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report in a real browser: headless Chromium (Debian's chromium) opens the written file.

First the file that ``report`` writes at the end of the demo (tools/demo.py,
what ``make demo`` runs: the reference design on the local endpoint): its
target, schedule grid and attached instances, nothing fetched, and the
screenshot the README shows (build/report-html/demo.png, committed as
docs/images/report.png; the sample's, build/report-html/report.png, as
docs/images/report-failures.png). Then a sample that the local endpoint cannot
produce, tests/awsops_harness/report_samples.py (two targets, a closed
Christmas, a start that failed on one of three instances). Chromium dumps
the DOM it built and takes a screenshot (build/report-html/report.png);
the test reads the DOM for the table rows and grid cells. Nothing may be
fetched: every host name resolves to nothing (--host-resolver-rules), and
Chromium's own network log lists each request with the origin it was made
for. The browser itself asks a few Google hosts (time, update, accounts)
whatever the flags; those carry no page origin and fail to resolve. A
request for the page carries the file:// origin: a control page with an
image and a stylesheet shows that the log sees them, and the report's log
must hold none.
"""

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from awsops_harness.ansible_run import REPO_ROOT
from awsops_harness.report_samples import NOW
from awsops_harness.report_samples import targets

from ansible_collections.awsops.ssm.plugins.plugin_utils.report_html import render

OUTPUT = os.path.join(REPO_ROOT, "build", "report-html")
INSTALL = os.path.join(REPO_ROOT, "tools", "install_chromium.sh")
# Where tools/install_chromium.sh unpacks chromium on a machine where it may not install it.
UNPACKED = os.path.join(REPO_ROOT, "build", "chromium", "bin", "chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium: installed, or unpacked without root by tools/install_chromium.sh (which make setup runs)."""
    if shutil.which("chromium") is None and not os.access(UNPACKED, os.X_OK):
        subprocess.run(["bash", INSTALL], check=True)
    return shutil.which("chromium") or UNPACKED


def browse(chromium, page, workdir, *extra):
    """(stdout, the network log's requests) of one headless Chromium run with a fresh profile."""
    profile = os.path.join(workdir, "profile-%d" % len(os.listdir(workdir)))
    net_log = profile + "-net.json"
    command = [chromium] + FLAGS + ["--user-data-dir=" + profile, "--log-net-log=" + net_log] + list(extra) + ["file://" + page]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open(net_log, encoding="utf-8") as handle:
        log = json.load(handle)
    names = dict((number, name) for name, number in log["constants"]["logEventTypes"].items())
    requests = [event["params"] for event in log["events"]
                if names[event["type"]] == "URL_REQUEST_START_JOB" and "url" in (event.get("params") or {})]
    return completed.stdout, requests


def page_requests(requests):
    """The requests made for the page (its file:// origin), not by the browser for itself."""
    return [request["url"] for request in requests
            if "file://" in request.get("network_isolation_key", "") or request.get("initiator") not in ("not an origin", None)]


class Dom(HTMLParser):
    """Elements by class, with their attributes and text, from Chromium's dumped DOM."""

    def __init__(self):
        super(Dom, self).__init__()
        self.elements = []
        self._open = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "classes": set((dict(attrs).get("class") or "").split()), "text": ""}
        self.elements.append(element)
        if tag not in ("br", "meta", "img", "input", "link"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def find(self, tag=None, cls=None, **attrs):
        return [e for e in self.elements if (tag is None or e["tag"] == tag) and (cls is None or cls in e["classes"])
                and all(e["attrs"].get(key.replace("_", "-")) == value for key, value in attrs.items())]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The HTML file the demo's report run wrote (the demo run as make demo runs it, its file put in a temporary directory)."""
    path = str(tmp_path_factory.mktemp("demo") / "report.html")
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith(("AWS_", "ANSIBLE_")))
    env["AWSOPS_DEMO_REPORT_HTML"] = path
    completed = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "demo.py")], env=env, cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=900, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert output.rstrip().splitlines()[-1] == "==> HTML report (self-contained, open it in a browser): %s" % path, output[-3000:]
    return path, str(tmp_path_factory.mktemp("chromium-demo"))


def test_the_demos_report_in_the_browser(chromium, demo_report):
    path, workdir = demo_report
    dom_text, requests = browse(chromium, path, workdir, "--dump-dom")
    dom = Dom()
    dom.feed(dom_text)
    assert [e["attrs"]["id"] for e in dom.find("section", "target")] == ["target-seoul"]
    assert "account 123456789012, region ap-northeast-2" in dom.find("section", "target")[0]["text"]
    # the reference schedule: 09:00-18:00 Seoul, Monday to Friday; seven days from today, 24 cells each
    [grid] = dom.find("table", "grid")
    assert grid["attrs"]["data-schedule"] == "office-hours"
    days = dom.find("tr", "day")
    assert len(days) == 7 and len(dom.find("td", "cell")) == 7 * 24
    assert len(dom.find("td", "on")) == 5 * 9
    weekdays = [day for day in days if day["text"].split()[0] in ("MON", "TUE", "WED", "THU", "FRI")]
    assert len(weekdays) == 5 and all(day["text"].split()[-2:] == ["9", "h"] for day in weekdays)
    # no automation ran on the local endpoint: no run in the window; the three Service=test instances have the profile
    assert "no run in the window" in dom.find("table", "runs")[0]["text"]
    assert len(dom.find("tr", "instance")) == 3
    assert "3 instances attached" in dom.find("h3")[-1]["text"]
    assert page_requests(requests) == []

    screenshot = os.path.join(OUTPUT, "demo.png")
    os.makedirs(OUTPUT, exist_ok=True)
    if os.path.exists(screenshot):
        os.remove(screenshot)
    _out, requests = browse(chromium, path, workdir, "--screenshot=" + screenshot, "--window-size=1280,1100", "--hide-scrollbars")
    with open(screenshot, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(screenshot) > 30000  # a page with content, not a blank one
    assert page_requests(requests) == []


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, "report.html")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render(targets(), NOW))
    return path, str(tmp_path_factory.mktemp("chromium"))


def test_the_browser_shows_the_grids_runs_and_instances(chromium, written):
    path, workdir = written
    dom_text, requests = browse(chromium, path, workdir, "--dump-dom")
    dom = Dom()
    dom.feed(dom_text)
    assert [e["attrs"]["id"] for e in dom.find("section", "target")] == ["target-seoul", "target-frankfurt"]
    grids = dom.find("table", "grid")
    assert [grid["attrs"]["data-schedule"] for grid in grids] == ["batch", "office-hours"]
    days = dom.find("tr", "day")
    assert len(days) == 14 and len(dom.find("td", "cell")) == 14 * 24
    # office hours: 09-17 running Monday to Thursday, Christmas (Friday) closed, the weekend stopped
    office_days = days[7:]
    assert [day["attrs"]["data-date"] for day in office_days] == ["2026-12-%d" % day for day in range(21, 28)]
    christmas = [day for day in days if day["attrs"]["data-date"] == "2026-12-25"]
    assert all("closed" in day["classes"] and "closed: Christmas Day" in day["text"] for day in christmas)
    assert len(dom.find("td", "on")) == (2 + 8 * 3 + 6) + 9 * 4  # batch: Mon 22-23, Tue-Thu 00-05 & 22-23, Fri 00-05; office: 4 days x 9
    runs = dom.find("tr", "run")
    failed = [run for run in runs if "failed" in run["classes"]]
    assert len(runs) == 2 and len(failed) == 1
    assert failed[0]["attrs"]["data-execution"] == "aaaaaaaa-0000-4000-8000-000000000001"
    failed_lines = [e["text"] for e in dom.find("div", "instance-failed")]
    assert len(failed_lines) == 1 and failed_lines[0].startswith("i-0bbb2222bbbb2222b: Failed: ") and "kms:CreateGrant" in failed_lines[0]
    assert [e["attrs"]["data-instance"] for e in dom.find("tr", "instance")] == [
        "i-0aaa1111aaaa1111a", "i-0bbb2222bbbb2222b", "i-0ddd4444dddd4444d"]
    assert "1 not: i-0bbb2222bbbb2222b" in dom.find("p", "right-now")[0]["text"]
    assert page_requests(requests) == []


def test_the_page_fetches_nothing_while_a_page_that_does_is_seen(chromium, written, tmp_path):
    path, workdir = written
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><link rel="stylesheet" href="http://styles.example.invalid/a.css">'
                       '<img src="https://images.example.invalid/x.png">', encoding="utf-8")
    _dom, control_requests = browse(chromium, str(control), workdir, "--dump-dom")
    assert sorted(page_requests(control_requests)) == ["http://styles.example.invalid/a.css", "https://images.example.invalid/x.png"]
    _dom, report_requests = browse(chromium, path, workdir, "--dump-dom")
    assert page_requests(report_requests) == []


def test_a_screenshot_of_the_report(chromium, written):
    path, workdir = written
    screenshot = os.path.join(OUTPUT, "report.png")
    if os.path.exists(screenshot):
        os.remove(screenshot)
    _out, requests = browse(chromium, path, workdir, "--screenshot=" + screenshot, "--window-size=1280,1800", "--hide-scrollbars")
    with open(screenshot, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(screenshot) > 50000  # a page with content, not a blank one
    assert page_requests(requests) == []
