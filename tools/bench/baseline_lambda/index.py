# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Handler of the benchmark baseline's Lambda function (tools/bench/baseline.yml).

An EventBridge rule calls it with {"action": "start"|"stop", "tag_key": ..., "tag_value": ...};
it starts the SSM Automation runbook that starts or stops the instances carrying that tag.
The benchmark only deploys it (the local endpoint does not run Lambda code).
"""

import boto3

RUNBOOKS = {"start": "AWS-StartEC2Instance", "stop": "AWS-StopEC2Instance"}


def handler(event, _context):
    response = boto3.client("ssm").start_automation_execution(
        DocumentName=RUNBOOKS[event["action"]],
        TargetParameterName="InstanceId",
        Targets=[{"Key": "tag:" + event["tag_key"], "Values": [event["tag_value"]]}],
        MaxConcurrency="10",
        MaxErrors="25%",
    )
    return response["AutomationExecutionId"]
