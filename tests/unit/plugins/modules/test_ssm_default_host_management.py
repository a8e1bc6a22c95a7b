# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_default_host_management with botocore's Stubber.

The local endpoint (moto) implements none of the SSM service settings
(GetServiceSetting, UpdateServiceSetting, ResetServiceSetting), so the module
runs here on real botocore IAM, SSM and STS clients answered by Stubber with
botocore-shaped responses; every request is checked against botocore's
model, patterns included (awsops_harness.stubs), and against the exact
parameters each test expects. Each test lists every call the module sends,
in order: a rerun that lists only reads proves that it writes nothing.
"""

import json
from urllib.parse import quote

import pytest

from awsops_harness.policy_lint import as_resource_policy
from awsops_harness.policy_lint import assert_no_findings
from awsops_harness.stubs import stubbed
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.awsops.ssm.plugins.module_utils import default_host_management as dhmc
from ansible_collections.awsops.ssm.plugins.modules import ssm_default_host_management as module

ACCOUNT = "123456789012"
NAME = dhmc.ROLE_NAME
ARN = "arn:aws:iam::%s:role/service-role/%s" % (ACCOUNT, NAME)
POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"
VALUE = "service-role/" + NAME
DESCRIPTION = "Default Host Management Configuration: lets Systems Manager manage this account's EC2 instances (awsops.ssm)"
SETTING = {"SettingId": dhmc.SETTING_ID}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ],
}


class Failed(Exception):
    pass


class FakeModule:
    """What the module code uses of AnsibleAWSModule."""

    def __init__(self, clients, region="eu-west-1", check_mode=False, **params):
        self.params = dict(role_name=NAME, path="/service-role/", description=DESCRIPTION, state="present", tags=None, purge_tags=True)
        self.params.update(log_group_name=None, s3_bucket=None, s3_key_prefix="", kms_key_arn=None)
        self.params.update(params)
        self.region = region
        self.check_mode = check_mode
        self._diff = True
        self.clients = clients

    def client(self, service, retry_decorator=None, config=None):
        return self.clients[service]

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])

    def fail_json_aws(self, error, msg):
        raise Failed("%s: %s" % (msg, error))


@pytest.fixture
def aws():
    with stubbed("iam") as iam, stubbed("ssm", "eu-west-1") as ssm, stubbed("sts") as sts:
        yield {"iam": iam, "ssm": ssm, "sts": sts}


def clients(aws):
    return dict((service, pair[0]) for service, pair in aws.items())


def setting(value="$None", status="Default"):
    return {"ServiceSetting": {"SettingId": dhmc.SETTING_ID, "SettingValue": value, "Status": status}}


def role(tags, path="/service-role/", trust=None, name=NAME, description=DESCRIPTION):
    document = quote(json.dumps(TRUST if trust is None else trust))
    arn = "arn:aws:iam::%s:role%s%s" % (ACCOUNT, path, name)
    tag_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    return {
        "Role": {
            "Path": path,
            "RoleName": name,
            "RoleId": "AROAEXAMPLEEXAMPLE01",
            "Arn": arn,
            "CreateDate": "2026-01-01",
            "AssumeRolePolicyDocument": document,
            "Description": description,
            "Tags": tag_list,
        }
    }


def ours(*regions, **records):
    """Tags of our role used by regions that keep no logging policy (and the values they recorded)."""
    tags = {"awsops:ssm:managed-by": "awsops.ssm"}
    for region in regions:
        tags["awsops:ssm:region:" + region] = "in-use-without-policy"
    for region, value in records.items():
        tags[dhmc.previous_tag(region.replace("_", "-"))] = value
    return tags


def attached(*arns):
    return {"AttachedPolicies": [{"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in arns]}


def expect_reads(aws, current, existing, read_policies=True):
    aws["ssm"][1].add_response("get_service_setting", current, SETTING)
    if existing is None:
        aws["iam"][1].add_client_error("get_role", "NoSuchEntity", "no role", http_status_code=404, expected_params={"RoleName": NAME})
    else:
        aws["iam"][1].add_response("get_role", existing, {"RoleName": NAME})
        if read_policies:
            aws["iam"][1].add_response("list_attached_role_policies", attached(POLICY_ARN), {"RoleName": NAME})


def expect_no_logging_policy(aws, region="eu-west-1"):
    """A region that has no tag on the role yet: SharedRole reads whether it keeps a policy (it does not)."""
    aws["iam"][1].add_client_error(
        "get_role_policy",
        "NoSuchEntity",
        "none",
        http_status_code=404,
        expected_params={"RoleName": NAME, "PolicyName": "awsops-ssm-session-logging-" + region},
    )


def expect_create(aws, record=":default"):
    iam = aws["iam"][1]
    aws["sts"][1].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/admin" % ACCOUNT, "UserId": "AIDAEXAMPLE"})
    create = {
        "RoleName": NAME,
        "Path": "/service-role/",
        "AssumeRolePolicyDocument": json.dumps(TRUST),
        "Description": DESCRIPTION,
        "Tags": [{"Key": "awsops:ssm:managed-by", "Value": "awsops.ssm"}, {"Key": "awsops:ssm:region:eu-west-1", "Value": "in-use-without-policy"}],
    }
    iam.add_response("create_role", role(ours("eu-west-1")), create)
    iam.add_response("attach_role_policy", {}, {"RoleName": NAME, "PolicyArn": POLICY_ARN})
    iam.add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:dhmc-previous-setting:eu-west-1", "Value": record}]})


def test_set_on_an_empty_account_records_the_default_then_points_the_setting_at_the_role(aws):
    expect_reads(aws, setting(), None)
    expect_create(aws)
    aws["ssm"][1].add_response("update_service_setting", {}, {"SettingId": dhmc.SETTING_ID, "SettingValue": VALUE})
    result = module.run(FakeModule(clients(aws)), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True
    assert result["setting_value"] == VALUE and result["previous_setting_value"] == ":default"
    assert result["role_arn"] == ARN and result["role_owned"] is True and result["regions"] == ["eu-west-1"]
    assert result["diff"]["before"]["setting"] == {"value": "$None", "status": "Default"}
    assert result["diff"]["after"]["setting"] == {"value": VALUE, "status": "Customized"}
    assert result["diff"]["after"]["role"]["trust_policy"] == TRUST


def test_check_mode_reads_only_and_predicts_the_same(aws):
    expect_reads(aws, setting(), None)
    aws["sts"][1].add_response("get_caller_identity", {"Account": ACCOUNT})
    result = module.run(FakeModule(clients(aws), check_mode=True), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True
    assert result["setting_value"] == VALUE and result["previous_setting_value"] == ":default" and result["role_arn"] == ARN
    assert result["diff"]["after"]["role"]["managed_policy_arns"] == [POLICY_ARN]


def test_a_rerun_reads_three_times_and_writes_nothing(aws):
    expect_reads(aws, setting(VALUE, "Customized"), role(ours("eu-west-1", eu_west_1=":default")))
    for check_mode in (True, False):
        if not check_mode:
            expect_reads(aws, setting(VALUE, "Customized"), role(ours("eu-west-1", eu_west_1=":default")))
        result = module.run(FakeModule(clients(aws), check_mode=check_mode), clients(aws)["iam"], clients(aws)["ssm"])
        assert result["changed"] is False and result["previous_setting_value"] == ":default"
        assert result["diff"]["before"] == result["diff"]["after"]


def test_teardown_of_the_last_region_resets_the_default_and_deletes_the_role(aws):
    iam = aws["iam"][1]
    expect_reads(aws, setting(VALUE, "Customized"), role(ours("eu-west-1", eu_west_1=":default")), read_policies=False)
    aws["ssm"][1].add_response("reset_service_setting", setting(), SETTING)
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:dhmc-previous-setting:eu-west-1"]})
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:region:eu-west-1"]})
    iam.add_response("get_role", role(ours()), {"RoleName": NAME})
    iam.add_response("list_attached_role_policies", attached(POLICY_ARN), {"RoleName": NAME})
    iam.add_response("detach_role_policy", {}, {"RoleName": NAME, "PolicyArn": POLICY_ARN})
    iam.add_response("list_role_policies", {"PolicyNames": []}, {"RoleName": NAME})
    iam.add_response("delete_role", {}, {"RoleName": NAME})
    result = module.run(FakeModule(clients(aws), state="absent"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True and result["previous_setting_value"] == ":default"
    assert result["setting_value"] == "$None" and result["role_arn"] is None and result["regions"] == []
    assert "kept" not in result


def test_a_previous_role_is_recorded_and_put_back_while_another_region_keeps_the_role(aws):
    """eu-west-1 already uses the role; us-east-1 had the setting on a team's role of its own."""
    iam = aws["iam"][1]
    team = "service-role/TeamManagedInstanceRole"
    expect_reads(aws, setting(team, "Customized"), role(ours("eu-west-1", eu_west_1=":default")))
    expect_no_logging_policy(aws, "us-east-1")
    iam.add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:region:us-east-1", "Value": "in-use-without-policy"}]})
    iam.add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:dhmc-previous-setting:us-east-1", "Value": team}]})
    aws["ssm"][1].add_response("update_service_setting", {}, {"SettingId": dhmc.SETTING_ID, "SettingValue": VALUE})
    result = module.run(FakeModule(clients(aws), region="us-east-1"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] and result["previous_setting_value"] == team and result["regions"] == ["eu-west-1", "us-east-1"]

    both = role(ours("eu-west-1", "us-east-1", eu_west_1=":default", us_east_1=team))
    expect_reads(aws, setting(VALUE, "Customized"), both, read_policies=False)
    aws["ssm"][1].add_response("update_service_setting", {}, {"SettingId": dhmc.SETTING_ID, "SettingValue": team})
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:dhmc-previous-setting:us-east-1"]})
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:region:us-east-1"]})
    iam.add_response("get_role", role(ours("eu-west-1", eu_west_1=":default")), {"RoleName": NAME})
    result = module.run(FakeModule(clients(aws), region="us-east-1", state="absent"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["setting_value"] == team and result["previous_setting_value"] == team
    assert result["role_arn"] == ARN and result["regions"] == ["eu-west-1"], "the role must stay for eu-west-1"


def test_a_setting_changed_since_is_left_and_said(aws):
    iam = aws["iam"][1]
    expect_reads(aws, setting("OtherRole", "Customized"), role(ours("eu-west-1", eu_west_1=":default")), read_policies=False)
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:dhmc-previous-setting:eu-west-1"]})
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:region:eu-west-1"]})
    iam.add_response("get_role", role(ours("us-east-1")), {"RoleName": NAME})
    result = module.run(FakeModule(clients(aws), state="absent"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["kept"] == "the setting names OtherRole, not %s: it was changed after awsops.ssm set it, and is left as it is" % VALUE
    assert result["setting_value"] == "OtherRole" and result["previous_setting_value"] is None


def test_teardown_check_mode_and_teardown_again_write_nothing(aws):
    expect_reads(aws, setting(VALUE, "Customized"), role(ours("eu-west-1", eu_west_1=":default")), read_policies=False)
    result = module.run(FakeModule(clients(aws), state="absent", check_mode=True), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True and result["setting_value"] == "$None" and result["role_arn"] is None
    expect_reads(aws, setting(), None)
    result = module.run(FakeModule(clients(aws), state="absent"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is False and "kept" not in result


def test_a_role_someone_else_made_is_used_as_it_is(aws):
    """The console makes the role with the same name; awsops.ssm adds only its region tag."""
    console_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "", "Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    expect_reads(aws, setting(), role({}, trust=console_trust))
    expect_no_logging_policy(aws)
    aws["iam"][1].add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:region:eu-west-1", "Value": "in-use-without-policy"}]})
    aws["iam"][1].add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:dhmc-previous-setting:eu-west-1", "Value": ":default"}]})
    aws["ssm"][1].add_response("update_service_setting", {}, {"SettingId": dhmc.SETTING_ID, "SettingValue": VALUE})
    result = module.run(FakeModule(clients(aws), tags={"team": "x"}), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["role_owned"] is False and result["changed"] is True


def test_a_role_someone_else_made_that_cannot_serve_is_refused_before_any_write(aws):
    aws["ssm"][1].add_response("get_service_setting", setting(), SETTING)
    aws["iam"][1].add_response("get_role", role({}, trust={"Version": "2012-10-17", "Statement": []}), {"RoleName": NAME})
    aws["iam"][1].add_response("list_attached_role_policies", attached(), {"RoleName": NAME})
    expect_no_logging_policy(aws)
    with pytest.raises(
        Failed, match="role_name: the role %s exists, was not created by awsops.ssm and does not trust ssm.amazonaws.com and lacks the managed policy" % NAME
    ):
        module.run(FakeModule(clients(aws)), clients(aws)["iam"], clients(aws)["ssm"])


def test_a_previous_value_iam_cannot_hold_is_refused_before_any_write(aws):
    expect_reads(aws, setting("Team,Role", "Customized"), None)
    with pytest.raises(Failed, match="holds 'Team,Role', which cannot be recorded for teardown in an IAM tag value"):
        module.run(FakeModule(clients(aws)), clients(aws)["iam"], clients(aws)["ssm"])


def test_the_role_trust_and_policy_are_least_privilege():
    """parliament finds nothing of MEDIUM or higher in the trust and logging policies; their structure is exactly this."""
    trust = dhmc.dhmc_trust_policy(ACCOUNT)
    logging = module.logging_policy(
        dict(FakeModule({}).params, log_group_name="/aws/ssm/sessions", s3_bucket="session-logs", s3_key_prefix="sessions/", kms_key_arn=KEY),
        "aws",
        "eu-west-1",
        ACCOUNT,
    )
    assert_no_findings({"trust": as_resource_policy(trust, ARN), "session logging": logging})
    assert trust == TRUST
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "ssm.amazonaws.com"} and statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    spec = module.role_spec(FakeModule({}).params, "aws", "eu-west-1")
    assert spec["managed_policy_arns"] == [POLICY_ARN] and spec["purge_managed_policies"] is False
    assert spec["inline_policies"] == {"awsops-ssm-session-logging-eu-west-1": None}
    assert spec["path"] == "/service-role/" and spec["instance_profile"] is False
    assert dhmc.trusts_service(trust) and not dhmc.trusts_service({"Statement": [dict(statement, Effect="Deny")]})


def test_setting_values_and_records():
    assert dhmc.setting_value_for("/service-role/", NAME) == VALUE
    assert dhmc.setting_value_for("/", "Mine") == "Mine"
    assert dhmc.setting_value_for("/a/b/", "Mine") == "a/b/Mine"
    assert dhmc.record_of({"SettingValue": "$None", "Status": "Default"}) == ":default"
    assert dhmc.record_of({"SettingValue": "/service-role/X", "Status": "Customized"}) == "service-role/X"
    assert dhmc.record_problem("service-role/X") is None and dhmc.record_problem(":default") is None
    assert dhmc.record_problem("x" * 257)


def test_input_problems_name_the_option():
    params = FakeModule({}).params
    assert module.input_problems(params) == []
    assert module.input_problems(dict(params, role_name="bad name", tags={"awsops:ssm:x": "1"})) == [
        'role_name: "bad name" is not an IAM role name; expected 1-64 letters, digits and + = , . @ _ -',
        'tags: "awsops:ssm:x" starts with awsops:ssm:, which awsops.ssm keeps for its own tags; choose another key',
    ]
    assert module.input_problems(dict(params, path="no-slashes")) == [
        'path: "no-slashes" is not an IAM path; expected / or /NAME/.../ (letters, digits and + = , . @ _ -, at most 512 characters)'
    ]
    # the key must be of the target's region (the session logs it encrypts are regional)
    assert module.input_problems(dict(params, kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc"), "eu-west-1")[0].startswith(
        'kms_key_arn: "arn:aws:kms:us-east-1:123456789012:key/abc" is a key of region us-east-1, not of this target\'s region eu-west-1')


def test_an_error_says_what_failed(aws):
    aws["ssm"][1].add_client_error("get_service_setting", "AccessDeniedException", "not allowed", http_status_code=400)
    with pytest.raises(AnsibleAWSError, match="Failed to read the service setting /ssm/managed-instance/default-ec2-instance-management-role") as raised:
        module.run(FakeModule(clients(aws)), clients(aws)["iam"], clients(aws)["ssm"])
    assert raised.value.exception.response["Error"]["Code"] == "AccessDeniedException"


LOG_POLICY = "awsops-ssm-session-logging-eu-west-1"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def test_session_logging_gets_the_regional_policy_and_a_rerun_reads_it_once(aws):
    """Without a profile the agent writes session logs with the DHMC role: it gets exactly the logging grants."""
    iam = aws["iam"][1]
    expect_reads(aws, setting(VALUE, "Customized"), role(ours("eu-west-1", eu_west_1=":default")))
    expect_no_logging_policy(aws)
    wanted = module.logging_policy(dict(FakeModule({}).params, log_group_name="/aws/ssm/sessions", kms_key_arn=KEY), "aws", "eu-west-1", ACCOUNT)
    assert [statement["Sid"] for statement in wanted["Statement"]] == ["WriteSessionLogStreams", "FindSessionLogGroup", "UseSessionKey"]
    iam.add_response("put_role_policy", {}, {"RoleName": NAME, "PolicyName": LOG_POLICY, "PolicyDocument": json.dumps(wanted)})
    iam.add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "awsops:ssm:region:eu-west-1", "Value": "in-use"}]})
    logging = dict(log_group_name="/aws/ssm/sessions", kms_key_arn=KEY)
    result = module.run(FakeModule(clients(aws), **logging), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True and result["diff"]["after"]["role"]["inline_policies"] == {LOG_POLICY: wanted}

    tags = dict(ours(eu_west_1=":default"), **{"awsops:ssm:region:eu-west-1": "in-use"})
    expect_reads(aws, setting(VALUE, "Customized"), role(tags))
    iam.add_response("get_role_policy", {"RoleName": NAME, "PolicyName": LOG_POLICY, "PolicyDocument": quote(json.dumps(wanted))})
    result = module.run(FakeModule(clients(aws), **logging), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is False

    # teardown removes the region's policy with its tag (the role stays: us-east-1 still uses it)
    tags["awsops:ssm:region:us-east-1"] = "in-use-without-policy"
    expect_reads(aws, setting(VALUE, "Customized"), role(tags), read_policies=False)
    iam.add_response("get_role_policy", {"RoleName": NAME, "PolicyName": LOG_POLICY, "PolicyDocument": quote(json.dumps(wanted))})
    aws["ssm"][1].add_response("reset_service_setting", setting(), SETTING)
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:dhmc-previous-setting:eu-west-1"]})
    iam.add_response("delete_role_policy", {}, {"RoleName": NAME, "PolicyName": LOG_POLICY})
    iam.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["awsops:ssm:region:eu-west-1"]})
    iam.add_response("get_role", role(ours("us-east-1")), {"RoleName": NAME})
    result = module.run(FakeModule(clients(aws), state="absent"), clients(aws)["iam"], clients(aws)["ssm"])
    assert result["changed"] is True and result["regions"] == ["us-east-1"]
