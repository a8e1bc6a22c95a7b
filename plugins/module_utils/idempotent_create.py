# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A create that survives its own retry: on "already exists", read it back and go on.

When the answer to a create is lost on its way back (a dropped connection, a
read timeout), the retry layer sends the request again and AWS answers that
the thing already exists: ``AlreadyExistsException`` (kms:CreateAlias),
``ResourceAlreadyExistsException`` (logs:CreateLogGroup),
``DocumentAlreadyExists`` (ssm:CreateDocument), ``IncorrectState``
(ec2:AssociateIamInstanceProfile), ``ConflictException``
(scheduler:CreateSchedule, CreateScheduleGroup),
``ResourceConflictException`` (lambda:CreateFunction, AddPermission). The
same answer comes when another run of this collection created it a moment
earlier (two regions of an account, a rerun after a kill).

``create_or_adopt`` sends the create and, on such an answer, reads the thing
back: when it is ours (``is_ours``: what this create would have made, or what
our marker says this collection made) the caller goes on as if the create had
returned, and reconciles what differs from the desired state; when it is not
ours (someone else made it between our read and our create) the original
error is raised, with its AWS code and message. The same holds for a write
whose retry finds its work done (a deletion scheduled, an alias deleted):
``confirm`` reads the state back.
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.awsops.ssm.plugins.module_utils.aws_retries import retry_attempts


class Outcome:
    """What a create_or_adopt returned: the create's response, or the existing thing it adopted."""

    def __init__(self, response=None, existing=None, retried=0):
        self.response = response
        self.existing = existing
        self.retried = retried

    @property
    def adopted(self):
        return self.existing is not None

    def __repr__(self):
        return "Outcome(adopted=%s, retried=%s)" % (self.adopted, self.retried)


def create_or_adopt(create, conflict, read_back, is_ours=None):
    """Outcome(response) of create(), or Outcome(existing) when AWS says it exists and it is ours.

    conflict(error): whether the error says "it already exists" (see aws_retries.has_code);
    read_back(error): the thing as it is now, or None; is_ours(thing): whether it is what this
    create makes (default: any thing read back).
    """
    try:
        return Outcome(response=create())
    except (AnsibleAWSError, botocore.exceptions.ClientError) as error:
        if not conflict(error):
            raise
        existing = read_back(error)
        if existing is None or (is_ours is not None and not is_ours(existing)):
            raise
        return Outcome(existing=existing, retried=retry_attempts(error))


def confirm(write, conflict, done):
    """write(), or, when AWS answers conflict(error), nothing more if done() says the write's work is done."""
    try:
        return write()
    except (AnsibleAWSError, botocore.exceptions.ClientError) as error:
        if not conflict(error) or not done():
            raise
        return None
