# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ssm_profile_attachment against the local endpoint.

The fleet: two running dev instances, a stopped dev instance, a dev instance
that already has another profile, a terminated dev instance, and a prod
instance that already has our profile (which no dev run may touch).

Known gap of the emulator: moto's ReplaceIamInstanceProfileAssociation
updates the association but not the instance, so DescribeInstances keeps
showing the replaced profile. The module takes the association as the
truth whenever it reads it, which is why "modify again" (replace: true)
costs two reads here where real EC2 costs one.
"""

import json

import pytest

from awsops_harness.sequence import run_sequence
from awsops_harness.sequence import standard_steps

MODULE = "awsops.ssm.ssm_profile_attachment"
PROFILE = "SSMSessionInstanceRole"
OTHER = "LegacyAppProfile"
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)
REASON_OTHER = "has another instance profile (replace is false)"
# One of moto's built-in Amazon AMIs (listing them all takes seconds).
IMAGE_ID = "ami-12c6146b"


def make_profile(iam, name, path="/"):
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    arn = iam.create_instance_profile(InstanceProfileName=name, Path=path)["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return arn


def launch(ec2, image_id, env, profile=None):
    args = dict(
        ImageId=image_id,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Env", "Value": env}]}],
    )
    if profile:
        args["IamInstanceProfile"] = {"Name": profile}
    return ec2.run_instances(**args)["Instances"][0]["InstanceId"]


@pytest.fixture
def fleet(aws):
    """The instances and profiles of the scenario, by role in the test."""
    iam, ec2 = aws("iam"), aws("ec2")
    profile_arn = make_profile(iam, PROFILE)
    make_profile(iam, OTHER, path="/legacy/")
    image_id = ec2.describe_images(ImageIds=[IMAGE_ID])["Images"][0]["ImageId"]
    ids = dict(
        dev1=launch(ec2, image_id, "dev"),
        dev2=launch(ec2, image_id, "dev"),
        dev_stopped=launch(ec2, image_id, "dev"),
        dev_other=launch(ec2, image_id, "dev", profile=OTHER),
        dev_terminated=launch(ec2, image_id, "dev"),
        prod=launch(ec2, image_id, "prod", profile=PROFILE),
    )
    ec2.stop_instances(InstanceIds=[ids["dev_stopped"]])
    ec2.terminate_instances(InstanceIds=[ids["dev_terminated"]])
    ids["profile_arn"] = profile_arn
    return ids


def associations(ec2):
    """{instance id: (association id, profile name)} of the active associations."""
    found = ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    return dict(
        (a["InstanceId"], (a["AssociationId"], a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1]))
        for a in found
        if a["State"] in ("associating", "associated")
    )


def profiles(ec2):
    return dict((instance_id, association[1]) for instance_id, association in associations(ec2).items())


def test_integration_sequence(ansible, aws, fleet):
    ec2 = aws("ec2")
    dev = sorted([fleet["dev1"], fleet["dev2"], fleet["dev_stopped"]])
    prod_association = associations(ec2)[fleet["prod"]]
    initial = profiles(ec2)
    assert initial == {fleet["prod"]: PROFILE, fleet["dev_other"]: OTHER}

    create = {"instance_profile": PROFILE, "target_tags": {"Env": "dev"}}
    modify = dict(create, replace=True)
    delete = dict(create, state="absent")

    def check_state(step, result):
        out = result.result
        selected = sorted(instance["instance_id"] for instance in out["instances"])
        # The terminated and the prod instance are never selected.
        assert selected == sorted(dev + [fleet["dev_other"]]), step.name
        # The prod instance keeps its own association whatever happens to dev.
        assert associations(ec2)[fleet["prod"]] == prod_association, step.name
        assert fleet["dev_terminated"] not in associations(ec2), step.name
        current = profiles(ec2)
        if step.name == "create (check)":
            assert out["attached"] == dev
            assert out["skipped_instances"] == [{"instance_id": fleet["dev_other"], "reason": REASON_OTHER, "current_profile": OTHER}]
            assert current == initial
            assert out["diff"]["before"] == dict([(i, None) for i in dev] + [(fleet["dev_other"], OTHER)])
            assert out["diff"]["after"] == dict([(i, PROFILE) for i in dev] + [(fleet["dev_other"], OTHER)])
        if step.name == "create":
            assert out["attached"] == dev and out["already_attached"] == []
            assert out["skipped_instances"] == [{"instance_id": fleet["dev_other"], "reason": REASON_OTHER, "current_profile": OTHER}]
            assert current == dict([(i, PROFILE) for i in dev] + [(fleet["prod"], PROFILE), (fleet["dev_other"], OTHER)])
        if step.name in ("create again (check)", "create again"):
            assert out["attached"] == [] and out["already_attached"] == dev
            assert [item["instance_id"] for item in out["skipped_instances"]] == [fleet["dev_other"]]
        if step.name == "modify":
            assert out["replaced"] == [fleet["dev_other"]] and out["attached"] == [] and out["skipped_instances"] == []
            assert current[fleet["dev_other"]] == PROFILE
        if step.name == "modify again":
            assert out["replaced"] == [] and out["already_attached"] == sorted(dev + [fleet["dev_other"]])
        if step.name == "delete (check)":
            assert out["detached"] == sorted(dev + [fleet["dev_other"]])
            assert current == dict([(i, PROFILE) for i in dev] + [(fleet["prod"], PROFILE), (fleet["dev_other"], PROFILE)])
        if step.name == "delete":
            assert out["detached"] == sorted(dev + [fleet["dev_other"]])
            assert current == {fleet["prod"]: PROFILE}
        if step.name == "delete again":
            assert out["detached"] == []
            assert current == {fleet["prod"]: PROFILE}
        # The stopped instance is selected and reported with its state.
        states = dict((instance["instance_id"], instance["state"]) for instance in out["instances"])
        assert states[fleet["dev_stopped"]] == "stopped"

    results = run_sequence(ansible, MODULE, standard_steps(create, modify, delete), after_step=check_state)
    # The check-mode predictions are what the real runs then did.
    for name in ("create", "delete"):
        predicted, made = results[name + " (check)"][0].result, results[name][0].result
        assert predicted["instances"] == made["instances"] and predicted["diff"] == made["diff"], name
    # Writes: one association per attached instance, one replace, one disassociation each.
    assert sorted(str(call) for call in results["create"][1].writes) == ["ec2:AssociateIamInstanceProfile"] * 3
    assert [str(call) for call in results["modify"][1].writes] == ["ec2:ReplaceIamInstanceProfileAssociation"]
    assert [str(call) for call in results["delete"][1].writes] == ["ec2:DisassociateIamInstanceProfile"] * 4


def test_no_op_reads_one_call(ansible, fleet):
    """An attached fleet costs one DescribeInstances and nothing else (no IAM, no association read)."""
    args = {"instance_profile": PROFILE, "target_tags": {"Env": "dev"}}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    result, run = ansible.run_module(MODULE, args)
    assert not result.changed
    assert [str(call) for call in run.calls] == ["ec2:DescribeInstances"]


def test_absent_never_touches_another_profile(ansible, aws, fleet):
    ec2 = aws("ec2")
    args = {"instance_profile": PROFILE, "target_tags": {"Env": ["dev", "prod"]}}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    assert result.result["already_attached"] == [fleet["prod"]]
    result, run = ansible.run_module(MODULE, dict(args, state="absent"))
    assert result.changed, run.summary()
    assert fleet["dev_other"] not in result.result["detached"]
    assert profiles(ec2) == {fleet["dev_other"]: OTHER}
    # Nothing of ours left: one read, no association read, no write.
    result, run = ansible.run_module(MODULE, dict(args, state="absent"))
    assert not result.changed and [str(call) for call in run.calls] == ["ec2:DescribeInstances"]


@pytest.mark.parametrize("args", [{}, {"target_tags": {}}, {"target_tags": {}, "instance_ids": []}])
def test_empty_selection_sends_no_request(ansible, args):
    for state in ("present", "absent"):
        result, run = ansible.run_module(MODULE, dict(args, instance_profile=PROFILE, state=state))
        assert not result.failed and not result.changed, run.summary()
        assert run.calls == []
        assert result.result["instances"] == [] and result.result["attached"] == []


def test_instance_ids_with_and_without_tags(ansible, aws, fleet):
    ec2 = aws("ec2")
    missing = "i-0123456789abcdef0"
    # With tags, an id must also match them: prod does not, the other does not exist.
    args = {"instance_profile": PROFILE, "target_tags": {"Env": "dev"}, "instance_ids": [fleet["dev1"], fleet["prod"], missing]}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    assert result.result["attached"] == [fleet["dev1"]]
    assert sorted(item["instance_id"] for item in result.result["skipped_instances"]) == sorted([fleet["prod"], missing])
    assert all("matches target_tags" in item["reason"] for item in result.result["skipped_instances"])
    assert profiles(ec2).get(fleet["dev2"]) is None

    # Ids alone; the terminated instance is not considered.
    args = {"instance_profile": PROFILE, "instance_ids": [fleet["dev2"], fleet["dev_terminated"]]}
    result, run = ansible.run_module(MODULE, args)
    assert result.changed, run.summary()
    assert result.result["attached"] == [fleet["dev2"]]
    assert result.result["skipped_instances"][0]["instance_id"] == fleet["dev_terminated"]
    assert profiles(ec2).get(fleet["dev_terminated"]) is None


def test_profile_given_by_arn_is_compared_by_name(ansible, aws, fleet):
    ec2 = aws("ec2")
    result, run = ansible.run_module(MODULE, {"instance_profile": fleet["profile_arn"], "target_tags": {"Env": "prod"}})
    assert not result.changed and result.result["already_attached"] == [fleet["prod"]], run.summary()
    result, run = ansible.run_module(MODULE, {"instance_profile": fleet["profile_arn"], "instance_ids": [fleet["dev1"]]})
    assert result.changed, run.summary()
    assert [str(call) for call in run.writes] == ["ec2:AssociateIamInstanceProfile"]
    assert profiles(ec2)[fleet["dev1"]] == PROFILE


def test_wildcard_tag_value(ansible, fleet):
    result, run = ansible.run_module(MODULE, {"instance_profile": PROFILE, "target_tags": {"Env": "*"}}, check=True)
    assert result.changed and run.writes == [], run.summary()
    selected = sorted(instance["instance_id"] for instance in result.result["instances"])
    assert selected == sorted(fleet[name] for name in ("dev1", "dev2", "dev_stopped", "dev_other", "prod"))


def test_missing_profile_fails_naming_the_instance(ansible, fleet):
    result, run = ansible.run_module(MODULE, {"instance_profile": "NoSuchProfile", "instance_ids": [fleet["dev1"]]})
    assert result.failed
    assert fleet["dev1"] in result.result["msg"] and "NoSuchProfile" in result.result["msg"]
    assert result.result["attached"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        ({"instance_profile": "bad name!", "target_tags": {"Env": "dev"}}, 'instance_profile: "bad name!" is neither an instance profile name'),
        (
            {"instance_profile": "arn:aws:iam::123456789012:role/SSMSessionInstanceRole", "target_tags": {"Env": "dev"}},
            "nor an instance profile ARN (arn:aws:iam::ACCOUNT:instance-profile/NAME)",
        ),
        ({"instance_profile": PROFILE, "target_tags": {"Env": 1}}, 'target_tags: the value 1 of the tag "Env" is not a text; expected a text or a list'),
        ({"instance_profile": PROFILE, "target_tags": {"Env": []}}, 'target_tags: the tag "Env" has an empty list of values'),
        ({"instance_profile": PROFILE, "target_tags": {"Env": ["dev", True]}}, 'target_tags: the value true of the tag "Env" is not a text'),
        ({"instance_profile": PROFILE, "instance_ids": ["i-xyz"]}, 'instance_ids: "i-xyz" is not an instance id; expected i- followed by 8-17 hexadecimal'),
    ],
)
def test_bad_input_fails_before_any_call(ansible, args, message):
    result, run = ansible.run_module(MODULE, args)
    assert result.failed
    assert message in result.result["msg"]
    assert run.calls == []
