# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""awsops.ssm.ssm_preflight: every input of a run checked on the controller, then the target connected.

One task at the top of the site, teardown and report playbooks (and of each
role run alone, for its own component):

1. reads the variables of each component it is given (by prefix; a variable
   the play does not define has the role's default, from the role's
   defaults/main.yml), the playbook's extra variables and the host's
   connection variables, and checks them all with input_rules.check_input:
   with a problem it fails listing every one, before any AWS call;
2. builds the connection options of every later task (aws_target.connection_options)
   and, with aws_assume_role_arn, assumes that role first;
3. reads what would stop the run half-way (preflight_reads: a session log
   bucket of another region or account, schedules of the other backend, a
   VPC of session_manager_vpc_endpoints that does not exist, subnets or
   security groups of another VPC, DNS attributes off) and refuses it before
   the first write.

It returns the connection options (``connection``) for the plays' and the
roles' module_defaults, the components to run, and the values it checked.
The result is hidden (no_log) when it holds credentials.
"""

import os

try:
    import botocore.exceptions
except ImportError:
    pass  # the reads report a missing botocore

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import settings_from_environment
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import assume_role
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import boto3_client
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import connection_options
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import effective_region
from ansible_collections.awsops.ssm.plugins.module_utils.aws_target import partition_of
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import COMPONENTS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import CONNECTION_FIELDS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import PLAYBOOK_FIELDS
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import check_input
from ansible_collections.awsops.ssm.plugins.module_utils.input_rules import show
from ansible_collections.awsops.ssm.plugins.module_utils.preflight_reads import bucket_region
from ansible_collections.awsops.ssm.plugins.module_utils.preflight_reads import schedules_in_use
from ansible_collections.awsops.ssm.plugins.module_utils.schedule_backends import BACKENDS
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import DEFAULT_GROUP_NAME
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import read_state
from ansible_collections.awsops.ssm.plugins.module_utils.session_endpoints import state_problems
from ansible_collections.awsops.ssm.plugins.module_utils.session_log_bucket import other_region_problem
from ansible_collections.awsops.ssm.plugins.plugin_utils import botocore_data

# botocore's endpoint and service data parsed here, in ansible-playbook before it forks the worker of each
# target, not in each target's check (its region and partition rules read endpoints.json).
botocore_data.share(botocore_data.PREFLIGHT_SERVICES)

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_DEFAULTS = {
    "components": list(COMPONENTS), "hosts": "all", "report_count": 3,
    # the report's last runs: the last 5 of each schedule within a week; no HTML file unless a path is given
    "report_executions": 5, "report_executions_window_hours": 168, "report_html": "",
}
HEADER = "awsops.ssm: nothing was changed in this target; fix these inputs:"
ARGUMENT_SPEC = dict(
    components=dict(type="dict", required=True),
    state=dict(type="str", choices=["present", "absent", "read"]),
    playbook_prefix=dict(type="str"),
    connection_prefix=dict(type="str", default="aws_"),
)


class Refused(Exception):
    """The run cannot go on: problems, each naming an input and what it should be."""

    def __init__(self, *problems):
        super(Refused, self).__init__("\n".join(problems))
        self.problems = list(problems)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _valid, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        unknown = sorted(set(args["components"]) - set(COMPONENTS))
        if unknown:
            return dict(result, failed=True, msg="components: %s are not components; expected %s" % (", ".join(unknown), ", ".join(COMPONENTS)))
        try:
            result.update(self._preflight(args, task_vars))
        except Refused as refusal:
            result.update(failed=True, msg="\n".join([HEADER] + refusal.problems), problems=refusal.problems)
        return result

    # ---- 1. the input

    def _variable(self, task_vars, name, default=None):
        if name not in task_vars:
            return default
        try:
            return self._templar.template(task_vars[name])
        except AnsibleError as error:
            raise Refused("%s: %s cannot be read: %s" % (name, show(task_vars[name]), error.message))

    def _role_defaults(self, component):
        path = os.path.join(COLLECTION_ROOT, "roles", component, "defaults", "main.yml")
        return self._loader.load_from_file(path) or {}

    def _component_values(self, task_vars, component, prefix, state):
        defaults = self._role_defaults(component)

        def value(field):
            return self._variable(task_vars, prefix + field, defaults.get(prefix + field))

        state = state or value("state")
        fields = COMPONENTS[component].get(state if state in ("present", "absent", "read") else None, ("state",))
        values = dict((field, value(field)) for field in fields)
        if "state" in values:
            values["state"] = state
        return state, values

    @staticmethod
    def _plain(given, parsed):
        """The values as a rule read them where that is a number or a boolean, else as given (schedules stay as written)."""
        return dict((field, parsed[field] if isinstance(parsed.get(field), (bool, int)) else given[field]) for field in given)

    def _preflight(self, args, task_vars):
        connection = dict((field, self._variable(task_vars, args["connection_prefix"] + field)) for field in CONNECTION_FIELDS)
        connection["region"] = effective_region(connection["region"])
        checks, states, values = [], {}, {}
        components = list(args["components"])
        if args["playbook_prefix"] is not None:
            fields = PLAYBOOK_FIELDS[args["state"] or "present"]
            playbook = dict((field, self._variable(task_vars, args["playbook_prefix"] + field, PLAYBOOK_DEFAULTS[field])) for field in fields)
            checked = check_input(playbook, args["playbook_prefix"])
            checks.append(checked)
            values["playbook"] = checked.parsed
            if not checked.problems:
                components = [name for name in checked.parsed["components"] if name in args["components"]]
        checked_connection = check_input(connection, args["connection_prefix"])
        checks.append(checked_connection)
        region = None if "region" in checked_connection.bad else connection["region"]
        for component in components:
            states[component], component_values = self._component_values(task_vars, component, args["components"][component], args["state"])
            checked = check_input(component_values, args["components"][component], region=region)
            checks.append(checked)
            values[component] = self._plain(component_values, checked.parsed)
        problems = [problem for checked in checks for problem in checked.problems]
        # The retry bound of every AWS call of the run (environment variables, read by each client; aws_retries).
        problems.extend(settings_from_environment()[1])
        if problems:
            raise Refused(*problems)

        # ---- 2. the connection
        options = connection_options(connection["region"], connection["profile"], connection["endpoint_url"])
        if connection["assume_role_arn"]:
            options = connection_options(connection["region"], endpoint_url=connection["endpoint_url"],
                                         credentials=self._assumed(options, connection["assume_role_arn"], args["connection_prefix"]))

        # ---- 3. what would stop the run half-way
        self._reads_before_writes(args, task_vars, options, states, values)
        result = {"changed": False, "connection": options, "components": components, "region": connection["region"], "inputs": values}
        if "session_token" in options:
            result["_ansible_no_log"] = True
        return result

    # ---- 2. the connection

    def _assumed(self, options, role_arn, prefix):
        try:
            return assume_role(options, role_arn)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise Refused("%sassume_role_arn: %s could not be assumed with the credentials this run started with: %s" % (prefix, show(role_arn), error))

    # ---- 3. reads before the first write

    def _reads_before_writes(self, args, task_vars, options, states, values):
        clients = {}

        def client(service):
            if service not in clients:
                clients[service] = boto3_client(service, options)
            return clients[service]

        try:
            if states.get("session_manager") == "present" and values["session_manager"].get("s3_bucket"):
                self._bucket_of_this_region(client, args["components"]["session_manager"], values["session_manager"], options["region"])
            if states.get("session_manager") == "present" and values["session_manager"].get("vpc_endpoints"):
                self._endpoint_vpcs_as_given(client, args["components"]["session_manager"], values["session_manager"])
            if states.get("instance_scheduler") == "present":
                self._no_schedules_of_the_other_backend(client, args, task_vars, values["instance_scheduler"], options["region"])
        except AnsibleAWSError as error:
            raise Refused("the target could not be read before the first write: %s: %s" % (error.message, error.exception))

    def _bucket_of_this_region(self, client, prefix, values, region):
        bucket = values["s3_bucket"]
        where, unreadable = bucket_region(client("s3"), bucket)
        if unreadable:
            raise Refused("%ss3_bucket: the bucket %s cannot be read (%s): it belongs to another AWS account (bucket names are global), or these "
                          "credentials may not read it; name another bucket" % (prefix, show(bucket), unreadable))
        if where and where != region:
            raise Refused(other_region_problem(prefix + "s3_bucket", bucket, where, region, prefix + "kms_key"))

    @staticmethod
    def _endpoint_vpcs_as_given(client, prefix, values):
        """The reads ssm_session_endpoints makes before its first write, with the role variable's name in the messages."""
        vpcs = read_state(client("ec2"), values["vpc_endpoints"], "present", DEFAULT_GROUP_NAME, bool(values.get("s3_bucket")),
                          vpcs_option=prefix + "vpc_endpoints")
        problems = state_problems(vpcs, DEFAULT_GROUP_NAME, group_option=None)
        if problems:
            raise Refused(*problems)

    def _no_schedules_of_the_other_backend(self, client, args, task_vars, values, region):
        prefix = args["components"]["instance_scheduler"]
        wanted = values["backend"]
        for other in BACKENDS:
            if other == wanted:
                continue
            found = schedules_in_use(other, client, values["group"], partition_of(region))
            if not found:
                continue
            if args["playbook_prefix"] is not None:
                how = "ansible-playbook awsops.ssm.teardown -i INVENTORY --limit %s -e %sbackend=%s -e %scomponents=instance_scheduler" % (
                    task_vars.get("inventory_hostname", "HOST"), prefix, other, args["playbook_prefix"])
            else:
                how = "this role with %sstate: absent and %sbackend: %s" % (prefix, prefix, other)
            raise Refused(
                "%sbackend: this target has office-hours schedules of the %s backend (%s), and %sbackend is %s: a second set of schedules "
                "would start and stop the same instances. Switch safely: first remove the %s backend's schedules with" % (
                    prefix, other, found, prefix, wanted, other),
                "    " + how,
                "then run this again with %sbackend: %s." % (prefix, wanted),
            )
