# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_change_calendar against the local endpoint.

moto 5.2.5 refuses DocumentFormat TEXT, the format of every Change
Calendar; the session's moto server runs through
awsops_harness/moto_launcher.py, which allows it (a patch of moto's format
check in the test harness only). moto has no GetCalendarState: the
calendar's state is computed from its content in
tests/integration/runbook/test_runbook_interpreter.py.
"""

import datetime

import holidays

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar as cc

MODULE = "awsops.ssm.ssm_change_calendar"
NAME = "instance-scheduler"
THIS_YEAR = datetime.date.today().year
RANGES = ["%d-12-24..%d-12-31" % (THIS_YEAR, THIS_YEAR), "%d-08-03..%d-08-07" % (THIS_YEAR + 1, THIS_YEAR + 1)]
CONSOLE_EVENT = (
    "BEGIN:VEVENT\r\nUID:5e1f7a52-0f7c-4c1e-a9a4-6b8d2e3f4a5b\r\nSEQUENCE:0\r\nSUMMARY:Datacenter maintenance\r\n"
    "DTSTART;TZID=Asia/Seoul:%d1203T090000\r\nDTEND;TZID=Asia/Seoul:%d1203T180000\r\nX-EVENT-TYPE:STANDARD\r\nEND:VEVENT\r\n" % (THIS_YEAR, THIS_YEAR)
)


def stored_calendar(ssm):
    answer = ssm.get_document(Name=NAME, DocumentFormat="TEXT")
    return answer["DocumentVersion"], cc.parse_calendar(answer["Content"])


def range_dates(text):
    first, last = (datetime.date.fromisoformat(part) for part in text.split(".."))
    return set(first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1))


def korean_holidays():
    return set(holidays.country_holidays("KR", years=[THIS_YEAR, THIS_YEAR + 1], language="ko"))


def tags(ssm):
    return dict((tag["Key"], tag["Value"]) for tag in ssm.list_tags_for_resource(ResourceType="Document", ResourceId=NAME)["TagList"])


def test_integration_sequence(ansible, aws):
    ssm = aws("ssm")
    create = {"name": NAME, "timezone": "Asia/Seoul", "holidays": {"country": "KR"}, "closed_days": RANGES}
    modify = dict(create, closed_days=RANGES[:1], tags={"team": "ops"})

    def check_state(step, result):
        if step.name == "create":
            version, calendar = stored_calendar(ssm)
            assert version == "1" and cc.calendar_type(calendar) == "DEFAULT_OPEN"
            assert ssm.describe_document(Name=NAME)["Document"]["DocumentType"] == "ChangeCalendar"
            closed = set(cc.covered_dates(cc.collection_events(calendar).values()))
            assert closed == korean_holidays() | range_dates(RANGES[0]) | range_dates(RANGES[1])
            assert tags(ssm) == {"awsops:ssm:managed-by": "awsops.ssm"}
            assert result.result["holiday_years"] == [THIS_YEAR, THIS_YEAR + 1]
            assert sorted(result.result["dates_added"]) == sorted(date.isoformat() for date in closed)
        if step.name == "modify":
            version, calendar = stored_calendar(ssm)
            assert version == "2" and ssm.describe_document(Name=NAME)["Document"]["DefaultVersion"] == "2"
            closed = set(cc.covered_dates(cc.collection_events(calendar).values()))
            assert closed == korean_holidays() | range_dates(RANGES[0])
            assert result.result["dates_removed"] == sorted(date.isoformat() for date in range_dates(RANGES[1]) - korean_holidays())
            assert "%s Closed days" % RANGES[1] in result.result["diff"]["before"]["closed_days"]
            assert "%s Closed days" % RANGES[1] not in result.result["diff"]["after"]["closed_days"]
            assert tags(ssm) == {"awsops:ssm:managed-by": "awsops.ssm", "team": "ops"}
        if step.name == "delete":
            assert NAME not in [document["Name"] for document in ssm.list_documents()["DocumentIdentifiers"]]
            assert result.result["document"] == {} and result.result["closed_days"] == []

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, {"name": NAME, "state": "absent"}), after_step=check_state)
    # The check-mode prediction is what the real run then did.
    predicted, made = results["create (check)"][0].result, results["create"][0].result
    assert predicted["closed_days"] == made["closed_days"] and predicted["dates_added"] == made["dates_added"]
    assert results["create again"][1].calls and all(not call.is_write for call in results["create again"][1].calls)
    assert sorted(str(call) for call in results["create again"][1].calls) == ["ssm:GetDocument", "ssm:ListTagsForResource"]


def test_events_added_in_the_console_stay(ansible, aws):
    ssm = aws("ssm")
    args = {"name": NAME, "timezone": "Asia/Seoul", "closed_days": RANGES}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    # Someone closes a day in the console: a new version with their event.
    content = ssm.get_document(Name=NAME, DocumentFormat="TEXT")["Content"].replace("END:VCALENDAR", CONSOLE_EVENT + "END:VCALENDAR")
    ssm.update_document(Name=NAME, Content=content, DocumentVersion="$LATEST", DocumentFormat="TEXT")
    ssm.update_document_default_version(Name=NAME, DocumentVersion="2")

    again, run = ansible.run_module(MODULE, args)
    assert not again.changed and run.writes == [], run.summary()
    assert [event["summary"] for event in again.result["other_events"]] == ["Datacenter maintenance"]

    fewer, run = ansible.run_module(MODULE, dict(args, closed_days=RANGES[1:]))
    assert fewer.changed, run.summary()
    _version, calendar = stored_calendar(ssm)
    (kept,) = cc.foreign_events(calendar)
    assert (kept.uid, kept.summary) == ("5e1f7a52-0f7c-4c1e-a9a4-6b8d2e3f4a5b", "Datacenter maintenance")
    assert kept.start.isoformat() == "%d-12-03T09:00:00+09:00" % THIS_YEAR
    assert set(cc.covered_dates(cc.collection_events(calendar).values())) == range_dates(RANGES[1])


def test_a_calendar_the_collection_did_not_create_is_left_alone(ansible, aws):
    ssm = aws("ssm")
    content = cc.serialize(cc.new_calendar("Team calendar"))
    ssm.create_document(Name=NAME, Content=content, DocumentType="ChangeCalendar", DocumentFormat="TEXT")
    result, run = ansible.run_module(MODULE, {"name": NAME, "closed_days": RANGES})
    assert result.failed and "was not created by awsops.ssm" in result.result["msg"] and run.writes == []
    result, run = ansible.run_module(MODULE, {"name": NAME, "state": "absent"})
    assert not result.changed and "it is kept" in result.result["kept"] and run.writes == []
    assert ssm.get_document(Name=NAME, DocumentFormat="TEXT")["Content"] == content


def test_bad_input_fails_before_any_call(ansible):
    result, run = ansible.run_module(MODULE, {
        "name": "aws-calendar",
        "timezone": "Asia/Sesoul",
        "holidays": {"country": "XX"},
        "closed_days": ["2026-02-30", "2026-12-31..2026-12-24"],
    })
    assert result.failed and run.calls == []
    message = result.result["msg"]
    for expected in ('name: "aws-calendar" is not usable as an SSM document name', 'timezone: "Asia/Sesoul" is not an IANA time zone',
                     'closed_days[0]: "2026-02-30" is not a closed day', 'closed_days[1]: "2026-12-31..2026-12-24" ends before it starts',
                     'holidays.country: "XX" is not a country the holidays library knows'):
        assert expected in message, message
