# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A structural checker of Automation runbooks (schemaVersion 0.3), for the step actions the collection uses.

No well-kept package publishes a schema of Automation documents (the
JSON schemas of cfn-lint cover the AWS::SSM::Document resource, not the
content), so this checks what AWS documents for the runbook format and
its actions (Systems Manager user guide: "Data elements and parameters",
"Automation actions reference", aws:executeAwsApi, aws:executeScript,
aws:branch, aws:changeInstanceState):

* top level: schemaVersion "0.3", mainSteps, and only the known elements;
* parameters: a known type each, defaults of that type, allowedValues of
  strings, allowedPattern a regular expression;
* steps: unique names, an action from USED_ACTIONS with its required
  inputs; nextStep, onFailure ``step:NAME``, branch NextStep and Default
  naming existing steps; every step reachable from the first;
* ``{{ NAME }}`` references: a parameter, or ``step.Output`` of a step
  that declares that output;
* outputs: Name, Type from OUTPUT_TYPES, and a Selector that is a JSONPath
  ``$.A.B[0].C``; for aws:executeAwsApi the path must exist in botocore's
  output shape of that operation, and the API inputs must be valid for its
  input shape (placeholders replaced by values of the parameter's type);
  for aws:executeScript it starts with ``$.Payload``, and the Script
  defines the Handler with (events, context).

check_runbook(content) returns the problems found (empty when none).
"""

import ast
import re
from functools import lru_cache

import botocore.session
from botocore import xform_name
from botocore.validate import ParamValidator

USED_ACTIONS = ("aws:executeAwsApi", "aws:executeScript", "aws:branch", "aws:changeInstanceState")
TOP_LEVEL = ("schemaVersion", "description", "assumeRole", "parameters", "outputs", "mainSteps", "files", "variables")
STEP_KEYS = ("name", "action", "inputs", "outputs", "nextStep", "isEnd", "isCritical", "onFailure", "onCancel", "maxAttempts", "timeoutSeconds",
             "description")
PARAMETER_TYPES = {"String": str, "StringList": list, "Integer": int, "Boolean": bool, "MapList": list, "StringMap": dict}
PARAMETER_KEYS = ("type", "description", "default", "allowedValues", "allowedPattern", "displayType", "minItems", "maxItems", "minChars", "maxChars")
OUTPUT_TYPES = ("String", "Integer", "Boolean", "StringList", "StringMap", "MapList")
SCRIPT_RUNTIMES = ("python3.8", "python3.9", "python3.10", "python3.11", "PowerShell 7.0", "PowerShell 7.2", "PowerShell 7.4")
BRANCH_OPERATORS = ("StringEquals", "EqualsIgnoreCase", "StartsWith", "EndsWith", "Contains", "NumericEquals", "NumericGreater",
                    "NumericLesser", "NumericGreaterOrEquals", "NumericLesserOrEquals", "BooleanEquals")
INSTANCE_STATES = ("running", "stopped", "terminated")
REQUIRED_INPUTS = {
    "aws:executeAwsApi": ("Service", "Api"),
    "aws:executeScript": ("Runtime", "Handler"),
    "aws:branch": ("Choices",),
    "aws:changeInstanceState": ("InstanceIds", "DesiredState"),
}
STEP_NAME = re.compile(r"[A-Za-z0-9_]{1,255}")
SELECTOR = re.compile(r"\$(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)+")
REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)\s*\}\}")
# A value of each type, to validate API inputs that hold a placeholder against botocore's model.
SAMPLES = {"String": "i-0123456789abcdef0", "StringList": ["sample"], "Integer": 1, "Boolean": True, "MapList": [], "StringMap": {}}


@lru_cache(maxsize=None)
def _session():
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _services():
    return frozenset(_session().get_available_services())


@lru_cache(maxsize=None)
def _service_model(service):
    return _session().get_service_model(service)


def references(value):
    """Every {{ name }} in a value (strings, lists and dicts, nested)."""
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, list):
        return [name for item in value for name in references(item)]
    if isinstance(value, dict):
        return [name for item in value.values() for name in references(item)]
    return []


def selector_parts(selector):
    """$.A.B[0].C -> ["A", "B", 0, "C"]."""
    parts = []
    for name, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?", selector):
        parts.append(name)
        if index:
            parts.append(int(index))
    return parts


def _shape_has_path(shape, parts):
    for part in parts:
        if isinstance(part, int):
            if shape.type_name != "list":
                return False
            shape = shape.member
        else:
            if shape.type_name != "structure" or part not in shape.members:
                return False
            shape = shape.members[part]
    return True


class RunbookChecker(object):
    def __init__(self, content):
        self.content = content
        self.problems = []
        self.parameters = content.get("parameters") or {}
        self.steps = content.get("mainSteps") or []
        self.names = [step.get("name") for step in self.steps if isinstance(step, dict)]
        self.outputs = dict((step.get("name"), [output.get("Name") for output in step.get("outputs") or []]) for step in self.steps if isinstance(step, dict))

    def problem(self, text):
        self.problems.append(text)

    def run(self):
        content = self.content
        if str(content.get("schemaVersion")) != "0.3":
            self.problem("schemaVersion must be 0.3 for an Automation runbook, not %r" % content.get("schemaVersion"))
        for key in sorted(set(content) - set(TOP_LEVEL)):
            self.problem("unknown top-level element %r" % key)
        if not self.steps:
            self.problem("mainSteps is empty")
        self.check_parameters()
        if len(set(self.names)) != len(self.names):
            self.problem("step names are not unique: %r" % self.names)
        for step in self.steps:
            self.check_step(step)
        for output in content.get("outputs") or []:
            step, _dot, name = str(output).partition(".")
            if name not in self.outputs.get(step, []):
                self.problem("runbook output %r names no declared step output" % output)
        self.check_references("assumeRole", content.get("assumeRole"))
        self.check_reachable()
        return self.problems

    def check_parameters(self):
        for name, spec in self.parameters.items():
            if not isinstance(spec, dict) or spec.get("type") not in PARAMETER_TYPES:
                self.problem("parameter %s: type must be one of %s" % (name, ", ".join(PARAMETER_TYPES)))
                continue
            for key in sorted(set(spec) - set(PARAMETER_KEYS)):
                self.problem("parameter %s: unknown key %r" % (name, key))
            python_type = PARAMETER_TYPES[spec["type"]]
            if "default" in spec and not (isinstance(spec["default"], python_type) and not (python_type is int and isinstance(spec["default"], bool))):
                self.problem("parameter %s: default %r is not a %s" % (name, spec["default"], spec["type"]))
            if "allowedValues" in spec and not all(isinstance(value, str) for value in spec["allowedValues"]):
                self.problem("parameter %s: allowedValues must be strings" % name)
            if "allowedPattern" in spec:
                try:
                    re.compile(spec["allowedPattern"])
                except re.error as error:
                    self.problem("parameter %s: allowedPattern does not compile: %s" % (name, error))

    def check_references(self, where, value, before=()):
        for reference in references(value):
            step, dot, output = reference.partition(".")
            if not dot:
                if reference not in self.parameters and reference not in ("automation:EXECUTION_ID", "global:REGION", "global:ACCOUNT_ID"):
                    self.problem("%s: {{ %s }} is not a parameter" % (where, reference))
            elif step not in before:
                self.problem("%s: {{ %s }} refers to step %s, which does not run before it" % (where, reference, step))
            elif output not in self.outputs.get(step, []):
                self.problem("%s: {{ %s }}: step %s declares no output %s" % (where, reference, step, output))

    def targets(self, step):
        """The steps a step may continue with."""
        index = self.names.index(step["name"])
        following = self.names[index + 1] if index + 1 < len(self.names) else None
        found = []
        if step.get("nextStep"):
            found.append(step["nextStep"])
        elif not step.get("isEnd") and following and step.get("action") != "aws:branch":
            found.append(following)
        on_failure = step.get("onFailure")
        if isinstance(on_failure, str) and on_failure.startswith("step:"):
            found.append(on_failure[len("step:"):])
        if step.get("action") == "aws:branch":
            inputs = step.get("inputs") or {}
            found.extend(choice.get("NextStep") for choice in inputs.get("Choices") or [])
            if inputs.get("Default"):
                found.append(inputs["Default"])
            elif not step.get("isEnd") and following:
                found.append(following)
        return found

    def check_reachable(self):
        if not self.steps:
            return
        seen, todo = set(), [self.names[0]]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.names:
                continue
            seen.add(name)
            todo.extend(self.targets(self.steps[self.names.index(name)]))
        for name in self.names:
            if name not in seen:
                self.problem("step %s is never reached" % name)

    def _before(self, name):
        """Steps that may have run before this one (every step on some path to it)."""
        preceding = {}
        for step in self.steps:
            for target in self.targets(step):
                preceding.setdefault(target, set()).add(step["name"])
        seen, todo = set(), list(preceding.get(name, ()))
        while todo:
            step = todo.pop()
            if step not in seen:
                seen.add(step)
                todo.extend(preceding.get(step, ()))
        return seen

    def check_step(self, step):
        if not isinstance(step, dict):
            self.problem("step %r is not a mapping" % (step,))
            return
        name = step.get("name")
        where = "step %s" % name
        if not isinstance(name, str) or not STEP_NAME.fullmatch(name):
            self.problem("%s: name must be 1-255 letters, digits or _" % where)
        for key in sorted(set(step) - set(STEP_KEYS)):
            self.problem("%s: unknown key %r" % (where, key))
        action = step.get("action")
        if action not in USED_ACTIONS:
            self.problem("%s: action %r is not one of %s" % (where, action, ", ".join(USED_ACTIONS)))
            return
        inputs = step.get("inputs") or {}
        for required in REQUIRED_INPUTS[action]:
            if required not in inputs:
                self.problem("%s: %s needs the input %s" % (where, action, required))
        for key in ("isEnd", "isCritical"):
            if key in step and not isinstance(step[key], bool):
                self.problem("%s: %s must be a boolean" % (where, key))
        for target in [step.get("nextStep")] + ([step["onFailure"][5:]] if str(step.get("onFailure", "")).startswith("step:") else []):
            if target is not None and target not in self.names:
                self.problem("%s: goes to %r, which is not a step" % (where, target))
        on_failure = step.get("onFailure")
        if on_failure is not None and on_failure not in ("Abort", "Continue") and not str(on_failure).startswith("step:"):
            self.problem("%s: onFailure must be Abort, Continue or step:NAME" % where)
        self.check_references(where, inputs, self._before(name))
        for output in step.get("outputs") or []:
            if output.get("Type") not in OUTPUT_TYPES or not output.get("Name"):
                self.problem("%s: output %r needs a Name and a Type from %s" % (where, output, ", ".join(OUTPUT_TYPES)))
            if not SELECTOR.fullmatch(str(output.get("Selector", ""))):
                self.problem("%s: output %s: selector %r is not a JSONPath like $.A.B[0].C" % (where, output.get("Name"), output.get("Selector")))
        getattr(self, "check_" + action.split(":")[1])(where, step, inputs)

    def check_executeAwsApi(self, where, step, inputs):
        service = inputs.get("Service")
        if service not in _services():
            self.problem("%s: Service %r is not a boto3 service" % (where, service))
            return
        model = _service_model(service)
        if inputs.get("Api") not in model.operation_names:
            self.problem("%s: Api %r is not an operation of %s" % (where, inputs.get("Api"), service))
            return
        operation = model.operation_model(inputs["Api"])
        params = self.sample(dict((key, value) for key, value in inputs.items() if key not in ("Service", "Api")))
        report = ParamValidator().validate(params, operation.input_shape)
        if report.has_errors():
            self.problem("%s: inputs are not valid for %s:%s: %s" % (where, service, inputs["Api"], report.generate_report()))
        for output in step.get("outputs") or []:
            if not _shape_has_path(operation.output_shape, selector_parts(str(output.get("Selector", "")))):
                self.problem("%s: output %s: %s is not in the response of %s:%s" % (where, output.get("Name"), output.get("Selector"), service, inputs["Api"]))
        xform_name(inputs["Api"])  # the boto3 method name exists for every operation name

    def check_executeScript(self, where, step, inputs):
        if inputs.get("Runtime") not in SCRIPT_RUNTIMES:
            self.problem("%s: Runtime %r is not one of %s" % (where, inputs.get("Runtime"), ", ".join(SCRIPT_RUNTIMES)))
        script = inputs.get("Script")
        if not isinstance(script, str):
            self.problem("%s: needs an inline Script" % where)
            return
        try:
            tree = ast.parse(script)
        except SyntaxError as error:
            self.problem("%s: Script does not parse: %s" % (where, error))
            return
        handlers = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == inputs.get("Handler")]
        if not handlers or [arg.arg for arg in handlers[0].args.args[:2]] != ["events", "context"]:
            self.problem("%s: Script defines no function %s(events, context)" % (where, inputs.get("Handler")))
        if not isinstance(inputs.get("InputPayload", {}), dict):
            self.problem("%s: InputPayload must be a mapping" % where)
        for output in step.get("outputs") or []:
            if not str(output.get("Selector", "")).startswith("$.Payload"):
                self.problem("%s: output %s: script outputs are selected from $.Payload" % (where, output.get("Name")))

    def check_branch(self, where, step, inputs):
        for choice in inputs.get("Choices") or []:
            operators = [key for key in choice if key in BRANCH_OPERATORS]
            if choice.get("NextStep") not in self.names:
                self.problem("%s: choice goes to %r, which is not a step" % (where, choice.get("NextStep")))
            if "Variable" not in choice or len(operators) != 1 or set(choice) - set(operators) - {"NextStep", "Variable"}:
                self.problem("%s: choice %r needs NextStep, Variable and one operator of %s" % (where, choice, ", ".join(BRANCH_OPERATORS)))
        if inputs.get("Default") is not None and inputs["Default"] not in self.names:
            self.problem("%s: Default %r is not a step" % (where, inputs["Default"]))

    def check_changeInstanceState(self, where, step, inputs):
        if inputs.get("DesiredState") not in INSTANCE_STATES:
            self.problem("%s: DesiredState must be one of %s" % (where, ", ".join(INSTANCE_STATES)))
        if not isinstance(inputs.get("InstanceIds"), (list, str)):
            self.problem("%s: InstanceIds must be a list (or a StringList parameter)" % where)

    def sample(self, value):
        """value with each whole {{ parameter }} replaced by a value of that parameter's type (outputs by a string)."""
        if isinstance(value, str):
            match = REFERENCE.fullmatch(value.strip())
            if match:
                spec = self.parameters.get(match.group(1))
                return SAMPLES[spec["type"]] if spec else "sample"
            return REFERENCE.sub("sample", value)
        if isinstance(value, list):
            return [self.sample(item) for item in value]
        if isinstance(value, dict):
            return dict((key, self.sample(item)) for key, item in value.items())
        return value


def check_runbook(content):
    return RunbookChecker(content).run()
