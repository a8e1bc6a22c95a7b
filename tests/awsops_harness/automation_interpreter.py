# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A test-only interpreter of the Automation step actions the collection's runbook uses.

moto stores SSM documents but never runs an Automation, and has no
GetCalendarState. This runs a runbook's content the way SSM Automation
documents it, for exactly the actions in runbook_checks.USED_ACTIONS:

* aws:executeAwsApi: the boto3 client of the service, on the local
  endpoint, called with the step's inputs (each request checked against
  botocore's model first); outputs by their selector (``$.A.B[0].C``). A
  selector that selects nothing fails the step (the runbook only uses
  selectors that AWS always answers).
* aws:executeScript: the Script's handler, called in this process with
  the InputPayload; boto3 inside it reaches the local endpoint too.
* aws:branch: the first true choice (StringEquals, BooleanEquals), else
  Default, else the next step, or the end with isEnd.
* aws:changeInstanceState: StartInstances / StopInstances, then waits for
  the state, as the AWS runbooks do.
* nextStep, isEnd, onFailure (Abort, Continue, step:NAME) and isCritical.

What is emulated, not run: ``ssm:GetCalendarState`` is answered from the
calendars' content in moto, read with the icalendar library
(change_calendar.events_at): a DEFAULT_OPEN calendar is CLOSED during its
events, a DEFAULT_CLOSED one OPEN during them; CLOSED when any calendar is.
Recurring events are not expanded (the tests use none). EC2 refuses
StopInstances with Hibernate=true for an instance not configured for
hibernation, which moto accepts: the ec2 client raises that refusal here
(UnsupportedHibernationConfiguration) from the instance's HibernationOptions.

``run_request`` plays the parent automation of a StartAutomationExecution
with tag targets: it checks the request against botocore's model, resolves
``tag:KEY`` targets to the instances (not terminated) and runs one child per
instance with ``TargetParameterName`` set to its id, stopping new children
once more than MaxErrors have failed.
"""

import contextlib
import datetime
import os
import re

import boto3
import botocore.exceptions
from botocore import xform_name

from ansible_collections.awsops.ssm.plugins.module_utils import change_calendar

from .botocore_models import assert_valid
from .runbook_checks import REFERENCE
from .runbook_checks import selector_parts

UTC = datetime.timezone.utc


class StepFailed(Exception):
    pass


class _Response(object):
    status_code = 200
    headers = {}


class StepRun(object):
    def __init__(self, name, action, status, outputs=None, error=None):
        self.name = name
        self.action = action
        self.status = status
        self.outputs = outputs or {}
        self.error = error

    def __repr__(self):
        return "StepRun(%s %s %s)" % (self.name, self.status, self.error or self.outputs)


class Execution(object):
    def __init__(self, parameters):
        self.parameters = parameters
        self.steps = []
        self.status = "InProgress"
        self.outputs = {}

    def step(self, name):
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError("step %s did not run: %r" % (name, self.steps))

    @property
    def ran(self):
        return [step.name for step in self.steps]

    def __repr__(self):
        return "Execution(%s %s %s)" % (self.status, self.ran, self.outputs)


def calendar_state(ssm, names, at_time):
    """GetCalendarState's answer for names at at_time (ISO 8601), computed from their content with icalendar."""
    at = datetime.datetime.fromisoformat(at_time.replace("Z", "+00:00"))
    closed = False
    for name in names:
        content = ssm.get_document(Name=name, DocumentFormat="TEXT")["Content"]
        calendar = change_calendar.parse_calendar(content)
        if change_calendar.recurring_events(calendar):
            raise NotImplementedError("the GetCalendarState emulation does not expand recurring events (%s)" % name)
        covered = bool(change_calendar.events_at(calendar, at))
        default_open = change_calendar.calendar_type(calendar) != "DEFAULT_CLOSED"
        closed = closed or (covered if default_open else not covered)
    return {"CalendarNames": list(names), "State": "CLOSED" if closed else "OPEN", "AtTime": at_time}


class AutomationInterpreter(object):
    """Runs a runbook (its content as a dict) against the local endpoint."""

    def __init__(self, content, endpoint_url, region="us-east-1"):
        self.content = content
        self.endpoint_url = endpoint_url
        self.region = region
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            client = boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                  aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token="testing")
            # before-call handlers see the serialized request: keep the call's own parameters in its context for them.
            client.meta.events.register("before-parameter-build", self._keep_parameters)
            if service == "ssm":
                client.meta.events.register("before-call.ssm.GetCalendarState", self._get_calendar_state)
            if service == "ec2":
                client.meta.events.register("before-call.ec2.StopInstances", self._refuse_unsupported_hibernation)
            self._clients[service] = client
        return self._clients[service]

    @staticmethod
    def _keep_parameters(params, context, **kwargs):
        context["api_params"] = dict(params)

    def _get_calendar_state(self, context, **kwargs):
        params = context["api_params"]
        return _Response(), calendar_state(self.client("ssm"), params["CalendarNames"], params["AtTime"])

    def _refuse_unsupported_hibernation(self, context, **kwargs):
        params = context["api_params"]
        if not params.get("Hibernate"):
            return None
        reservations = self.client("ec2").describe_instances(InstanceIds=params["InstanceIds"])["Reservations"]
        for instance in [instance for reservation in reservations for instance in reservation["Instances"]]:
            if not (instance.get("HibernationOptions") or {}).get("Configured"):
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "UnsupportedHibernationConfiguration", "Message": "%s is not enabled for hibernation" % instance["InstanceId"]}},
                    "StopInstances")
        return None

    # ---------------------------------------------------------------- parameters and variables

    def parameters(self, given):
        """Typed values of the runbook's parameters from StartAutomationExecution's {name: [values]}."""
        values = {}
        for name, spec in (self.content.get("parameters") or {}).items():
            if name in given:
                raw = given[name]
                value = raw if spec["type"] in ("StringList", "MapList") else raw[0]
                if spec["type"] == "Boolean":
                    value = str(value).lower() == "true"
            elif "default" in spec:
                value = spec["default"]
            else:
                raise ValueError("parameter %s is required" % name)
            if "allowedValues" in spec and value not in spec["allowedValues"]:
                raise ValueError("parameter %s: %r is not one of %s" % (name, value, spec["allowedValues"]))
            if "allowedPattern" in spec and not re.search(spec["allowedPattern"], str(value)):
                raise ValueError("parameter %s: %r does not match %s" % (name, value, spec["allowedPattern"]))
            values[name] = value
        unknown = set(given) - set(values)
        if unknown:
            raise ValueError("unknown parameters %s" % sorted(unknown))
        return values

    def resolve(self, value, variables):
        if isinstance(value, str):
            whole = REFERENCE.fullmatch(value.strip())
            if whole:
                return variables[whole.group(1)]
            return REFERENCE.sub(lambda match: str(variables[match.group(1)]), value)
        if isinstance(value, list):
            return [self.resolve(item, variables) for item in value]
        if isinstance(value, dict):
            return dict((key, self.resolve(item, variables)) for key, item in value.items())
        return value

    @staticmethod
    def select(response, selector):
        value = response
        for part in selector_parts(selector):
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                raise StepFailed("selector %s selects nothing in %r" % (selector, response))
        return value

    # ---------------------------------------------------------------- actions

    def executeAwsApi(self, inputs):
        params = dict((key, value) for key, value in inputs.items() if key not in ("Service", "Api"))
        assert_valid(inputs["Service"], inputs["Api"], params)
        client = self.client(inputs["Service"])
        try:
            response = getattr(client, xform_name(inputs["Api"]))(**params)
        except botocore.exceptions.ClientError as error:
            raise StepFailed(str(error))
        response.pop("ResponseMetadata", None)
        return response

    def executeScript(self, inputs):
        namespace = {"__name__": "automation_script"}
        exec(compile(inputs["Script"], "<runbook script>", "exec"), namespace)  # pylint: disable=exec-used
        with self.script_environment():
            try:
                payload = namespace[inputs["Handler"]](inputs.get("InputPayload", {}), None)
            except Exception as error:  # the step fails with the script's exception, as aws:executeScript reports it
                raise StepFailed("%s: %s" % (error.__class__.__name__, error))
        return {"Payload": payload}

    @contextlib.contextmanager
    def script_environment(self):
        """boto3 in the script reaches the local endpoint, as the automation role's session reaches AWS."""
        settings = {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_DEFAULT_REGION": self.region, "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
        saved = dict((key, os.environ.get(key)) for key in settings)
        os.environ.update(settings)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def changeInstanceState(self, inputs):
        ec2 = self.client("ec2")
        ids = inputs["InstanceIds"]
        state = inputs["DesiredState"]
        try:
            if state == "running":
                ec2.start_instances(InstanceIds=ids)
            elif state == "stopped":
                ec2.stop_instances(InstanceIds=ids, Force=bool(inputs.get("Force")))
            else:
                raise StepFailed("DesiredState %s is not interpreted" % state)
            for _attempt in range(10):
                statuses = ec2.describe_instance_status(InstanceIds=ids, IncludeAllInstances=True)["InstanceStatuses"]
                states = [status["InstanceState"]["Name"] for status in statuses]
                if states and all(found == state for found in states):
                    return {}
        except botocore.exceptions.ClientError as error:
            raise StepFailed(str(error))
        raise StepFailed("the instances did not reach %s" % state)

    @staticmethod
    def branch(inputs):
        for choice in inputs.get("Choices") or []:
            value = choice["Variable"]
            if "StringEquals" in choice and str(value) == choice["StringEquals"]:
                return choice["NextStep"]
            if "BooleanEquals" in choice and str(value).lower() == str(choice["BooleanEquals"]).lower():
                return choice["NextStep"]
            if set(choice) - {"NextStep", "Variable", "StringEquals", "BooleanEquals"}:
                raise NotImplementedError("operator of %r" % choice)
        return inputs.get("Default")

    # ---------------------------------------------------------------- the run

    def run(self, given):
        execution = Execution(given)
        variables = dict(self.parameters(given))
        steps = self.content["mainSteps"]
        names = [step["name"] for step in steps]
        index = 0
        while index is not None and index < len(steps):
            step = steps[index]
            inputs = self.resolve(step.get("inputs") or {}, variables)
            action = step["action"]
            following = index + 1
            try:
                if action == "aws:branch":
                    target = self.branch(inputs)
                    execution.steps.append(StepRun(step["name"], action, "Success", {"NextStep": target}))
                    if target is None and step.get("isEnd"):
                        break
                    index = names.index(target) if target else following
                    continue
                response = getattr(self, action.split(":")[1])(inputs)
                outputs = dict((output["Name"], self.select(response, output["Selector"])) for output in step.get("outputs") or [])
            except StepFailed as error:
                execution.steps.append(StepRun(step["name"], action, "Failed", error=str(error)))
                on_failure = step.get("onFailure", "Abort")
                if step.get("isCritical", True) and not str(on_failure).startswith("step:") and on_failure != "Continue":
                    execution.status = "Failed"
                    return execution
                if str(on_failure).startswith("step:"):
                    index = names.index(on_failure[len("step:"):])
                else:
                    index = following
                continue
            execution.steps.append(StepRun(step["name"], action, "Success", outputs))
            for name, value in outputs.items():
                variables["%s.%s" % (step["name"], name)] = value
            if step.get("isEnd"):
                break
            index = names.index(step["nextStep"]) if step.get("nextStep") else following
        execution.status = "Success"
        execution.outputs = dict((output, variables.get(output)) for output in self.content.get("outputs") or [])
        return execution

    def run_request(self, request, document_name):
        """The children a StartAutomationExecution request with tag targets runs: {instance id: Execution}."""
        assert_valid("ssm", "StartAutomationExecution", request)
        if request["DocumentName"] != document_name:
            raise ValueError("the request runs %s, not %s" % (request["DocumentName"], document_name))
        filters = [{"Name": target["Key"], "Values": target["Values"]} for target in request["Targets"]]
        ec2 = self.client("ec2")
        reservations = ec2.describe_instances(Filters=filters + [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
        instance_ids = sorted(instance["InstanceId"] for reservation in reservations["Reservations"] for instance in reservation["Instances"])
        max_errors = request.get("MaxErrors", "0")
        allowed = len(instance_ids) * int(max_errors[:-1]) / 100.0 if max_errors.endswith("%") else int(max_errors)
        children, failed = {}, 0
        for instance_id in instance_ids:
            if failed > allowed:
                break
            parameters = dict(request.get("Parameters") or {})
            parameters[request["TargetParameterName"]] = [instance_id]
            children[instance_id] = self.run(parameters)
            failed += children[instance_id].status == "Failed"
        return children
