# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report's model and page (the page in a real browser: tests/integration/test_report_html_browser.py)."""

from html.parser import HTMLParser

import pytest
from ansible.errors import AnsibleFilterError

from awsops_harness.report_samples import NOW
from awsops_harness.report_samples import targets

from ansible_collections.awsops.ssm.plugins.filter.report_html import report_html
from ansible_collections.awsops.ssm.plugins.plugin_utils import report_html as rh

LOADING_TAGS = ("script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "base", "form")
LOADING_ATTRIBUTES = ("src", "href", "srcset", "action", "poster", "data", "background")


class Loads(HTMLParser):
    """What in a page a browser would fetch: tags that load, attributes that point somewhere, CSS url() and @import."""

    def __init__(self):
        super(Loads, self).__init__()
        self.found = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        if tag in LOADING_TAGS:
            self.found.append("<%s>" % tag)
        for name, value in attrs:
            if name in LOADING_ATTRIBUTES or (name == "style" and "url(" in (value or "")):
                self.found.append("%s=%r" % (name, value))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style and ("url(" in data or "@import" in data):
            self.found.append("style: %s" % data.strip()[:80])


def loads(page):
    parser = Loads()
    parser.feed(page)
    return parser.found


def test_the_grid_text_parses_to_seven_days_of_24_hours():
    grid = rh.parse_week_grid(targets()[0]["schedules"]["schedules"][1]["week_grid"])
    assert sorted(grid) == sorted(rh.GRID_DAYS)
    assert [index for index, running in enumerate(grid["MON"]) if running] == list(range(9, 18))
    assert not any(grid["SAT"])
    assert rh.parse_week_grid(None) is None and rh.parse_week_grid(["x", "y", "MON  ###"]) is None


def test_a_closed_day_keeps_only_what_runs_on_from_the_day_before():
    office = [hour in range(9, 18) for hour in range(24)]
    overnight = [hour < 6 or hour >= 22 for hour in range(24)]
    assert not any(rh.closed_day_hours(office))
    assert rh.closed_day_hours(overnight) == [hour < 6 for hour in range(24)]


def test_the_model_marks_closed_days_in_each_schedules_zone():
    model = rh.target_model(targets()[0], NOW)
    office = [schedule for schedule in model["schedules"] if schedule["name"] == "office-hours"][0]
    assert [day["date"] for day in office["days"]] == ["2026-12-%d" % day for day in range(21, 28)]  # Monday to Sunday in Seoul
    christmas = office["days"][4]
    assert (christmas["day"], christmas["closed"], christmas["running_hours"]) == ("FRI", "Christmas Day", 0)
    assert [day["running_hours"] for day in office["days"]] == [9, 9, 9, 9, 0, 0, 0]
    assert office["saved_percent"] == 73 and model["failed_runs"] == 1


def test_a_schedules_own_closed_days_replace_the_targets():
    target = targets()[0]
    target["schedules"]["schedules"][0]["closed_days_ahead"] = [{"date": "2026-12-22", "reason": "paused until 2026-12-23"}]
    model = rh.target_model(target, NOW)
    batch = [schedule for schedule in model["schedules"] if schedule["name"] == "batch"][0]
    assert [(day["date"], day["closed"]) for day in batch["days"] if day["closed"]] == [("2026-12-22", "paused until 2026-12-23")]
    assert batch["next_starts"][1]["closed"] == "paused until 2026-12-23"  # 22:00 on the 22nd is skipped


def test_the_page_is_self_contained_and_escapes_what_it_shows():
    sample = targets()
    sample[1]["session_manager"]["instances"][0]["name"] = '<img src="https://example.com/x.png">'
    page = rh.render(sample, NOW)
    assert loads(page) == []
    assert loads('<p style="background: url(x.png)"><img src="a.png"></p>') == ["style='background: url(x.png)'", "<img>", "src='a.png'"]
    assert "&lt;img src=&#34;https://example.com/x.png&#34;&gt;" in page
    assert page.count('class="cell ') == 2 * 7 * 24


def test_the_filter_checks_its_input():
    assert report_html(targets(), generated="2026-12-21T01:00:00+00:00").startswith("<!DOCTYPE html>")
    for bad, message in (({"name": "x"}, "a list of targets"), ([{"region": "x"}], "a list of targets")):
        with pytest.raises(AnsibleFilterError, match=message):
            report_html(bad)
    with pytest.raises(AnsibleFilterError, match="needs a UTC offset"):
        report_html(targets(), generated="2026-12-21T01:00:00")
