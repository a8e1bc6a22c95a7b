#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ssm_session_log_bucket
version_added: 0.1.0
short_description: The S3 bucket that holds Session Manager session logs
description:
  - Manages one S3 bucket for session logs, in this region - default encryption (SSE-KMS with O(kms_key_arn) and an S3 Bucket Key, or
    SSE-S3 without a key), all four public access blocks, object ownership C(BucketOwnerEnforced) (no ACLs), a bucket policy that
    denies requests without TLS, and tags - and records that this collection created it with the tag C(awsops:ssm:managed-by=awsops.ssm).
  - A bucket of that name that exists without the tag was not created by this collection. It is used as it is - its settings are not
    changed, O(state=absent) never deletes it - and the result says so in RV(kept); with O(adopt=true) its settings are managed (it is
    still never deleted).
  - A bucket serves the region it is in. A bucket of another region is refused before any write (S3 SSE-KMS encrypts only with a key of
    the bucket's region; two regions setting their own keys on one bucket would overwrite each other on every run); give each region a
    bucket of its own.
  - A rerun reads six times (C(GetBucketLocation), C(GetBucketTagging), C(GetBucketEncryption), C(GetPublicAccessBlock),
    C(GetBucketOwnershipControls), C(GetBucketPolicy)) and writes nothing when nothing differs. Unlike M(amazon.aws.s3_bucket) it has
    an exact check mode and never reconfigures a bucket it did not create.
  - A retried C(CreateBucket) whose first attempt made the bucket (C(BucketAlreadyOwnedByYou)) is read back, and what still differs is sent.
author:
  - awsops.ssm maintainers (@awsops)
options:
  name:
    description:
      - Name of the bucket (3 to 63 lowercase letters, digits, dots and hyphens; bucket names are global).
    type: str
    required: true
    aliases: [bucket]
  state:
    description:
      - C(present) creates the bucket in this region, or brings a bucket this collection created (or adopts) to what the options say.
      - C(absent) deletes every object version in the bucket and then the bucket, if this collection created it and it is in this region.
    type: str
    choices: [present, absent]
    default: present
  kms_key_arn:
    description:
      - ARN of the KMS key (of this region) that encrypts new objects (SSE-KMS with an S3 Bucket Key); C("") encrypts with SSE-S3.
    type: str
    default: ""
  tags:
    description:
      - Tags of the bucket. C(awsops:ssm:*) and C(aws:*) keys are reserved. Not given, the tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags of the bucket that are not in O(tags) (never C(awsops:ssm:managed-by)).
    type: bool
    default: true
  adopt:
    description:
      - Manage the settings of a bucket of this region that this collection did not create. It is not tagged as created by this
        collection, so O(state=absent) still leaves it.
    type: bool
    default: false
notes:
  - Check mode sends no write call and reports the changes a real run would make; C(--diff) shows the bucket before and after.
  - Objects already in the bucket keep the encryption they were written with.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Session log bucket, encrypted with the session key
  awsops.ssm.ssm_session_log_bucket:
    name: example-ssm-session-logs-eu-west-1
    kms_key_arn: "{{ session_key.key_arn }}"
    tags:
      Team: platform

- name: Remove the bucket and every session log in it (only if awsops.ssm created it)
  awsops.ssm.ssm_session_log_bucket:
    name: example-ssm-session-logs-eu-west-1
    state: absent
"""

RETURN = r"""
bucket:
  description: The bucket after the run (in check mode, as it would be); empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the bucket.
      type: str
    region:
      description: Region of the bucket.
      type: str
      sample: eu-west-1
    encryption:
      description: The default encryption, as C(algorithm), C(kms_key_arn) and C(bucket_key); not returned for a bucket that is kept.
      type: dict
      sample: {"algorithm": "aws:kms", "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9", "bucket_key": true}
    public_access_block:
      description: The public access block configuration.
      type: dict
    object_ownership:
      description: The object ownership setting.
      type: str
      sample: BucketOwnerEnforced
    policy:
      description: The bucket policy.
      type: dict
    tags:
      description: Tags of the bucket.
      type: dict
ours:
  description: Whether this collection created the bucket (it carries C(awsops:ssm:managed-by)).
  returned: always
  type: bool
adopted:
  description: Whether the bucket was managed although this collection did not create it (O(adopt)).
  returned: always
  type: bool
kept:
  description: Why the bucket was left as it is, when it was.
  returned: when a bucket exists that this collection does not manage or delete
  type: str
actions:
  description: The operations this run sent, or would send in check mode, in order (C(empty_bucket) deletes every object version).
  returned: always
  type: list
  elements: str
  sample: [create_bucket, put_bucket_tagging, put_public_access_block, put_bucket_encryption, put_bucket_policy]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import options_of
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import OtherRegion
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import Wanted
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import after_view
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import apply_steps
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import kept_reason
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import other_region_problem
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import plan_absent
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import plan_present
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import read_bucket

# input_rules field -> this module's option
OPTIONS = {"s3_bucket_name": "name", "kms_key_arn": "kms_key_arn", "tags": "tags"}


def run(module, client, params):
    region = module.region
    wanted = Wanted(params["name"], region, partition_of(region), params["kms_key_arn"], params["tags"], params["purge_tags"], params["adopt"])
    present = params["state"] == "present"
    state = read_bucket(client, wanted.name, region, adopt=wanted.adopt and present)
    if present:
        try:
            steps = plan_present(state, wanted)
        except OtherRegion as other:
            module.fail_json(msg=other_region_problem("name", wanted.name, other.region, region, "kms_key_arn"), bucket_region=other.region)
        kept = kept_reason(state, wanted)
    else:
        steps, kept = plan_absent(state, wanted)
    after = after_view(state, steps, wanted)
    if steps and not module.check_mode:
        steps = apply_steps(client, steps, wanted)
    result = {
        "changed": bool(steps),
        "bucket": after,
        "ours": state.ours or (present and not state.exists),
        "adopted": bool(present and state.exists and not state.ours and wanted.adopt),
        "actions": [operation for operation, _request in steps],
    }
    if kept:
        result["kept"] = kept + ("; its settings are not changed (adopt: true manages them)" if present else "; it is not deleted, nor its objects")
    if module._diff:
        result["diff"] = {"before": state.view(), "after": after}
    return result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        kms_key_arn=dict(type="str", default="", no_log=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        adopt=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["tags"] is not None:
        params["tags"] = dict((str(key), str(value)) for key, value in params["tags"].items())
    problems = check_input(options_of(params, OPTIONS), OPTIONS, region=module.region).problems
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    client = module.client("s3")
    try:
        result = run(module, client, params)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
