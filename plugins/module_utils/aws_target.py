# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS target: its partition and account, and the connection options every task of a play uses.

connection_options() is the one place that turns a target's host variables
(region, profile, endpoint) and an assumed role's credentials into the
options of ``group/awsops.ssm.aws`` (module_defaults of the playbooks and of
the roles run alone; see plugins/action/ssm_preflight.py).
"""

import os

try:
    import botocore.session
    from botocore.exceptions import UnknownRegionError
except ImportError:
    UnknownRegionError = None  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ASSUMED_SESSION_NAME = "awsops-ssm"
ASSUMED_DURATION_SECONDS = 3600


def partition_of(region):
    """aws, aws-cn, aws-us-gov, ... as botocore's endpoint data knows it (no API call)."""
    return botocore.session.get_session().get_partition_for_region(region) if region else "aws"


def known_region(region):
    """Whether botocore places the region in a partition (no API call)."""
    try:
        partition_of(region)
    except UnknownRegionError:
        return False
    return True


def configured_profiles():
    """The named profiles of this machine's AWS configuration files (no API call)."""
    return list(botocore.session.Session().available_profiles)


def effective_region(region, environ=None):
    """The target's region: its host variable, else the environment's (as botocore reads it)."""
    environ = os.environ if environ is None else environ
    return region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or ""


def connection_options(region, profile=None, endpoint_url=None, credentials=None, environ=None):
    """The module options of every AWS task of one target.

    credentials: an assumed role's {access_key, secret_key, session_token}, which replace the profile.
    Without them the modules take the standard AWS environment variables; AWX's AWS credential injects
    the session token as AWS_SECURITY_TOKEN, which amazon.aws does not read, so it is passed on as
    session_token when AWS_SESSION_TOKEN is not set.
    """
    environ = os.environ if environ is None else environ
    options = {"region": region}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if credentials:
        options.update((key, credentials[key]) for key in ("access_key", "secret_key", "session_token"))
    else:
        if profile:
            options["profile"] = profile
        if environ.get("AWS_SECURITY_TOKEN") and not environ.get("AWS_SESSION_TOKEN"):
            options["session_token"] = environ["AWS_SECURITY_TOKEN"]
    return options


def boto3_client(service, options):
    """A boto3 client from connection_options() (for the controller-side reads of the pre-flight)."""
    import boto3

    # botocore reads AWS_SECURITY_TOKEN itself: only an assumed role's credentials are given explicitly.
    credentials = {}
    if options.get("access_key"):
        credentials = dict(aws_access_key_id=options["access_key"], aws_secret_access_key=options["secret_key"], aws_session_token=options["session_token"])
    session = boto3.session.Session(profile_name=options.get("profile"), region_name=options["region"], **credentials)
    return session.client(service, endpoint_url=options.get("endpoint_url"))


def assume_role(options, role_arn, session_name=ASSUMED_SESSION_NAME, duration=ASSUMED_DURATION_SECONDS):
    """The temporary credentials of role_arn, asked with the target's own options (STS of its region)."""
    answer = boto3_client("sts", options).assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=duration)
    credentials = answer["Credentials"]
    return {"access_key": credentials["AccessKeyId"], "secret_key": credentials["SecretAccessKey"], "session_token": credentials["SessionToken"]}


def account_id_from_arn(arn):
    return arn.split(":")[4]


def caller_account_id(module):
    """The account the credentials act in: one sts:GetCallerIdentity read."""
    sts = module.client("sts", retry_decorator=AWSRetry.jittered_backoff())
    try:
        return sts.get_caller_identity()["Account"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="Failed to read the account id (sts:GetCallerIdentity)")
