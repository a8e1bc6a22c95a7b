# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""make demo: the reference design, end to end, against a local AWS endpoint.

1. starts a moto server on 127.0.0.1 (no AWS account, no credentials),
2. creates a few tagged instances in it,
3. runs `ansible-playbook awsops.ssm.site` with examples/reference-design,
4. runs it again and shows that nothing changed (recap and write calls),
5. runs `ansible-playbook awsops.ssm.report`,

and always stops the server. Exits non-zero when a step fails; the output
ends with the report.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from awsops_harness.moto_server import MotoServer  # noqa: E402 pylint: disable=wrong-import-position

EXAMPLE = os.path.join(ROOT, "examples", "reference-design", "inventory.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
# The example's instances: three that its schedule and Session Manager select (Service=test), one they leave alone.
INSTANCES = (("web-1", "test"), ("web-2", "test"), ("batch-1", "test"), ("db-1", "prod"))
# Where the demo's HTML report goes (kept after the demo; AWSOPS_DEMO_REPORT_HTML puts it elsewhere).
REPORT_HTML = os.path.abspath(os.environ.get("AWSOPS_DEMO_REPORT_HTML") or os.path.join(ROOT, "build", "demo", "report.html"))
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class DemoError(Exception):
    pass


def say(text):
    print("\n==> %s" % text, flush=True)


def environment(workdir):
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_URL", "AWS_SECURITY_TOKEN"):
        env.pop(name, None)
    env.update(CREDENTIALS)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "ansible-tmp"),
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_DISPLAY_SKIPPED_HOSTS="false",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def create_instances(server, region):
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=server.url, **{key.lower(): value for key, value in CREDENTIALS.items()})
    for name, service in INSTANCES:
        tags = [{"Key": "Name", "Value": name}, {"Key": "Service", "Value": service}]
        ec2.run_instances(
            ImageId="ami-1e749f67", InstanceType="t3.micro", MinCount=1, MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": tags}]
        )
        print("    %-8s Service=%s" % (name, service))


def write_inventory(server, workdir):
    """The reference-design example, pointed at the local endpoint."""
    with open(EXAMPLE, encoding="utf-8") as example:
        inventory = yaml.safe_load(example)
    for host in inventory["all"]["hosts"].values():
        host["aws_endpoint_url"] = server.url
    path = os.path.join(workdir, "inventory.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle, sort_keys=False)
    return path, inventory


def playbook(name, inventory, env, show=True, extra_vars=None):
    """Runs ansible-playbook awsops.ssm.NAME, streaming its output when show; returns the output."""
    command = [ANSIBLE_PLAYBOOK, "awsops.ssm.%s" % name, "-i", inventory]
    shown = ""
    for key, value in sorted((extra_vars or {}).items()):
        command += ["-e", "%s=%s" % (key, value)]
        shown += " -e %s=%s" % (key, os.path.relpath(value, ROOT) if os.path.isabs(value) else value)
    print("$ ansible-playbook awsops.ssm.%s -i %s%s  # + aws_endpoint_url: the local endpoint" % (name, os.path.relpath(EXAMPLE, ROOT), shown), flush=True)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # pylint: disable=consider-using-with
    lines = []
    for line in process.stdout:
        lines.append(line)
        if show:
            sys.stdout.write(line)
            sys.stdout.flush()
    output = "".join(lines)
    if process.wait() != 0:
        if not show:
            sys.stdout.write(output)
        raise DemoError("ansible-playbook awsops.ssm.%s failed (exit code %d)" % (name, process.returncode))
    return output


def recap(output):
    return dict((host, int(changed)) for host, changed, _unreachable, failed in RECAP.findall(output.split("PLAY RECAP", 1)[-1]))


def run(workdir):
    started = time.monotonic()
    say("Starting a local AWS endpoint (moto server, no AWS account needed)")
    server = MotoServer(workdir).start()
    try:
        print("    %s" % server.url)
        env = environment(workdir)
        inventory, content = write_inventory(server, workdir)
        region = next(iter(content["all"]["hosts"].values()))["aws_region"]

        say("Creating example instances in %s" % region)
        create_instances(server, region)

        say("Provisioning: Session Manager access and office hours (examples/reference-design)")
        first = recap(playbook("site", inventory, env))
        if not first or not all(first.values()):
            raise DemoError("the first run changed nothing on %s" % [host for host, changed in first.items() if not changed])

        say("Running site again: it must change nothing")
        server.reset_recording()
        output = playbook("site", inventory, env, show=False)
        writes = [str(call) for call in server.calls() if call.is_write]
        print(output[output.index("PLAY RECAP"):].rstrip())
        again = recap(output)
        if not again or any(again.values()) or writes:
            raise DemoError("the second run was not a no-op: changed=%s, write calls %s" % (again, writes))
        print("    second run: changed=0 on %d target(s), %d write calls" % (len(again), len(writes)))

        say("Reporting (%.0f s so far), also as one HTML file" % (time.monotonic() - started))
        os.makedirs(os.path.dirname(REPORT_HTML), exist_ok=True)
        if os.path.exists(REPORT_HTML):
            os.remove(REPORT_HTML)
        playbook("report", inventory, env, extra_vars={"awsops_ssm_report_html": REPORT_HTML})
        if not os.path.isfile(REPORT_HTML):
            raise DemoError("the report wrote no HTML file at %s" % REPORT_HTML)
        say("HTML report (self-contained, open it in a browser): %s" % REPORT_HTML)
    finally:
        server.stop()


def main():
    workdir = tempfile.mkdtemp(prefix="awsops-demo-")
    try:
        run(workdir)
    except (DemoError, RuntimeError, OSError) as error:
        print("\ndemo failed: %s" % error, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
