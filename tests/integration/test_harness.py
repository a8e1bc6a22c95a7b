# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The harness itself: the write-call assertion must be able to fail."""

from awsops_harness.aws_calls import AwsCall


def test_a_run_that_creates_is_reported_as_writing(ansible):
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": "HarnessProbeRole"})
    assert result.changed
    writes = [str(call) for call in run.writes]
    assert "iam:CreateRole" in writes and "iam:CreateInstanceProfile" in writes
    assert all(call.region == "us-east-1" for call in run.calls)


def test_a_check_run_is_reported_as_read_only(ansible):
    result, run = ansible.run_module("awsops.ssm.ssm_session_role", {"name": "HarnessProbeRole"}, check=True)
    assert result.changed
    assert run.calls and run.writes == []


def test_reads_and_writes_are_told_apart():
    assert not AwsCall("iam", "GetRole", "us-east-1").is_write
    assert not AwsCall("scheduler", "ListSchedules", "us-east-1").is_write
    assert AwsCall("iam", "TagRole", "us-east-1").is_write
    assert AwsCall("ssm", "UpdateDocumentDefaultVersion", "us-east-1").is_write


def test_boto3_requests_of_every_protocol_are_named(aws, moto):
    """json (ssm), query (iam), ec2, rest-json (lambda, scheduler) and rest-xml (s3)."""
    moto.reset_recording()
    aws("ssm").list_documents(MaxResults=1)
    aws("iam").list_roles()
    aws("ec2").describe_instances()
    aws("lambda").list_functions()
    aws("scheduler").list_schedule_groups()
    aws("s3").create_bucket(Bucket="harness-probe")
    names = [str(call) for call in moto.calls()]
    assert names == [
        "ssm:ListDocuments",
        "iam:ListRoles",
        "ec2:DescribeInstances",
        "lambda:ListFunctions",
        "scheduler:ListScheduleGroups",
        "s3:CreateBucket",
    ]
