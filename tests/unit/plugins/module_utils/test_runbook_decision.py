# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The runbook's decision step (its aws:executeScript handler), called directly.

The naming of a closure reads calendars through an ssm client; here a
botocore Stubber answers GetDocument with content the collection built
(change_calendar), so the script's own small iCalendar reader is checked
against what icalendar writes. The whole runbook runs against moto in
tests/integration/runbook/test_runbook_interpreter.py.
"""

import datetime
import re

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc
from ansible_collections.awsops.ssm.plugins.module_utils import closed_days as cd
from ansible_collections.awsops.ssm.plugins.module_utils import runbook_decision as rd
from ansible_collections.awsops.ssm.plugins.modules import ssm_automation_runbook

UTC = datetime.timezone.utc
AT = "2026-12-25T00:00:00Z"  # 09:00 in Seoul


def tags(**values):
    names = {"pause": rd.PAUSE_TAG, "until": rd.PAUSE_UNTIL_TAG}
    return [{"Key": names[key], "Value": value, "ResourceId": "i-0123456789abcdef0", "ResourceType": "instance"} for key, value in values.items()]


def event(**overrides):
    values = {"Action": "start", "AtTime": AT, "CalendarState": "OPEN", "CalendarNames": ["instance-scheduler"], "OnClosedDays": "skip_start",
              "Hibernate": False, "Tags": []}
    values.update(overrides)
    return values


@pytest.mark.parametrize("text, expected", [
    ("2026-12-03T18:00+09:00", datetime.datetime(2026, 12, 3, 9, tzinfo=UTC)),
    ("2026-12-03T09:00:00Z", datetime.datetime(2026, 12, 3, 9, tzinfo=UTC)),
    ("2026-12-03T18:00:30.5+0900", datetime.datetime(2026, 12, 3, 9, 0, 30, 500000, tzinfo=UTC)),
    ("2026-12-03T04:00-05:00", datetime.datetime(2026, 12, 3, 9, tzinfo=UTC)),
])
def test_pause_until_times(text, expected):
    assert rd.parse_time(text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2026-12-03", "2026-12-03T18:00", "2026-12-03 18:00+09:00", "2026-13-03T18:00Z", ""])
def test_times_without_offset_or_not_iso_are_refused(text):
    with pytest.raises(ValueError):
        rd.parse_time(text)


def test_every_pause_until_example_in_the_documentation_parses():
    """The examples the module documentation gives for pause-until must be times the runbook accepts."""
    examples = re.findall(r"C\((\d{4}-\d{2}-\d{2}T[^)]*)\)", ssm_automation_runbook.DOCUMENTATION) + re.findall(r"e\.g\. (\S+)", rd.PAUSE_UNTIL_FORM)
    assert len(examples) >= 3
    for example in examples:
        rd.parse_time(example)


def test_open_calendar_starts_and_stops():
    assert rd.decide(event()) == {"decision": "start", "reason": "start: calendar open at 2026-12-25T00:00:00Z"}
    assert rd.decide(event(Action="stop"))["decision"] == "stop"
    assert rd.decide(event(Action="stop", Hibernate=True))["decision"] == "hibernate"
    assert rd.decide(event(Action="stop", Hibernate="true"))["decision"] == "hibernate"  # Automation may hand a Boolean over as text


def test_pause_tag():
    assert rd.decide(event(Tags=tags(pause="True"))) == {"decision": "skip", "reason": "paused (tag awsops:scheduler:pause=true)"}
    assert rd.decide(event(Action="stop", Tags=tags(pause="true")))["decision"] == "skip"
    assert rd.decide(event(Tags=tags(pause="false")))["decision"] == "start"


def test_pause_until():
    assert rd.decide(event(Tags=tags(until="2026-12-25T18:00+09:00"))) == {"decision": "skip", "reason": "paused until 2026-12-25T18:00+09:00"}
    assert rd.decide(event(Tags=tags(until="2026-12-25T09:00+09:00")))["decision"] == "start"  # the pause ended at AtTime
    assert rd.decide(event(Tags=tags(pause="false", until="2026-12-24T00:00Z")))["decision"] == "start"


@pytest.mark.parametrize("values, name", [
    ({"until": "tomorrow"}, rd.PAUSE_UNTIL_TAG), ({"until": "2026-12-26"}, rd.PAUSE_UNTIL_TAG), ({"pause": "yes"}, rd.PAUSE_TAG)])
def test_an_unreadable_pause_tag_fails_the_step(values, name):
    with pytest.raises(rd.TagError, match="tag %s=.* the instance is left alone until the tag is fixed or removed" % re.escape(name)):
        rd.decide(event(Tags=tags(**values)))


def seoul_calendar():
    days = cd.ClosedDays.from_options(["2026-12-24..2026-12-31"], {"country": "KR", "language": "en_US"}, today=datetime.date(2026, 6, 1))
    return cc.merge(None, cc.desired_events("instance-scheduler", days, "Asia/Seoul")).text()


def stubbed_ssm(contents):
    ssm = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stubber = Stubber(ssm)
    for name, content in contents:
        if isinstance(content, Exception):
            stubber.add_client_error("get_document", "AccessDeniedException", expected_params={"Name": name, "DocumentFormat": "TEXT"})
        else:
            stubber.add_response("get_document", {"Name": name, "Content": content, "DocumentFormat": "TEXT"}, {"Name": name, "DocumentFormat": "TEXT"})
    stubber.activate()
    return ssm, stubber


def test_a_closed_start_is_skipped_and_named():
    ssm, stubber = stubbed_ssm([("instance-scheduler", seoul_calendar())])
    result = rd.decide(event(CalendarState="CLOSED"), ssm=ssm)
    assert result == {"decision": "skip", "reason": "closed: 2026-12-25 Closed days; 2026-12-25 Christmas Day"}
    stubber.assert_no_pending_responses()


def test_a_stop_on_a_closed_day_happens_unless_skip_both():
    ssm, _stubber = stubbed_ssm([("instance-scheduler", seoul_calendar())] * 2)
    at = "2026-12-28T09:00:00Z"  # 18:00 in Seoul, within the year-end range
    stop = rd.decide(event(Action="stop", AtTime=at, CalendarState="CLOSED"), ssm=ssm)
    assert stop == {"decision": "stop", "reason": "stop on a closed day (on_closed_days skip_start): closed: 2026-12-28 Closed days"}
    assert rd.decide(event(Action="stop", AtTime=at, CalendarState="CLOSED", OnClosedDays="skip_both"), ssm=ssm)["decision"] == "skip"


def test_an_unreadable_calendar_still_skips_with_a_plain_reason():
    ssm, _stubber = stubbed_ssm([("instance-scheduler", RuntimeError())])
    assert rd.decide(event(CalendarState="CLOSED"), ssm=ssm)["reason"] == (
        "closed: calendar instance-scheduler is closed at 2026-12-25T00:00:00Z; could not read instance-scheduler (AccessDeniedException)")


def test_the_reader_places_console_events_utc_and_dates():
    text = (
        "BEGIN:VCALENDAR\r\nPRODID:-//AWS//Change Calendar 1.0//EN\r\nVERSION:2.0\r\nX-CALENDAR-TYPE:DEFAULT_OPEN\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Maintenance\\, rack 4\r\nDTSTART;TZID=America/New_York:20261224T190000\r\n"
        "DTEND;TZID=America/New_York:20261224T2\r\n 30000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Freeze\r\nDTSTART:20261224T000000Z\r\nDTEND:20261225T120000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:All day\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261226\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:d\r\nSUMMARY:Weekly\r\nDTSTART:20261201T000000Z\r\nDTEND:20261231T000000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    at = datetime.datetime(2026, 12, 25, 1, tzinfo=UTC)  # 2026-12-24 20:00 in New York
    assert rd.covering_events(text, at) == [(datetime.date(2026, 12, 24), "Maintenance, rack 4"), (datetime.date(2026, 12, 25), "Freeze"),
                                            (datetime.date(2026, 12, 25), "All day")]


def test_bad_inputs():
    with pytest.raises(ValueError):
        rd.decide(event(Action="restart"))
    with pytest.raises(ValueError):
        rd.decide(event(OnClosedDays="never"))
