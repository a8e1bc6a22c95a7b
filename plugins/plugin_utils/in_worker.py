# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run this collection's modules in a fork of Ansible's worker instead of a new Python, when that changes nothing.

Every module task normally costs a new Python process that imports
ansible's module_utils, boto3 and botocore before the module's first AWS
call (about 0.5 s on a 2-core machine, more than the calls of a no-op run).
The playbooks of this collection run every task on the controller
(connection local, the Python that runs Ansible), so that process can be a
fork of the worker Ansible already started for the task, which has boto3
and botocore imported.

The action is ansible-core's own ``normal`` action: ansible-core builds the
module's arguments (module_defaults, check mode, diff, no_log...), its
AnsiballZ payload and its command, and parses what the module printed, as
for any module. One step differs: when the command is the one that runs the
payload with the Python running Ansible on the local connection
(``/bin/sh -c '[VAR=value ...] PYTHON [AnsiballZ_x.py] && sleep 0'``), it
runs in a forked child that first becomes what that new Python would be:
the command's environment variables and working directory, stdin at end of
file, stdout and stderr captured, default signal handlers, locale, warning
filters and exit handlers, and none of Ansible's own modules or import
hooks (the payload imports ansible's module_utils and the collections' code
afresh from its own zip, as in a process). Only libraries outside Ansible
(boto3, botocore, the standard library) stay imported. The child exits
with the module, so nothing a module run leaves behind (module globals, log
handlers) reaches the next loop item or task.

Anything else runs as usual: another connection, become, async (its
wrapper command), an interpreter other than the one running Ansible, a
command or payload of another shape. If this Python cannot fork or
ansible-core's payload is not the AnsiballZ wrapper this code knows, the
modules run as processes and the run warns once. AWSOPS_SSM_IN_WORKER=false
turns it off.
"""

import atexit
import builtins
import functools
import gc
import io
import locale
import os
import shlex
import signal
import sys
import tempfile
import traceback
import types
import warnings

from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

from ansible_collections.awsops.ssm.plugins.plugin_utils import botocore_data
from ansible_collections.awsops.ssm.plugins.plugin_utils import code_cache
from ansible_collections.awsops.ssm.plugins.plugin_utils import module_cache
from ansible_collections.awsops.ssm.plugins.plugin_utils import payload_cache

try:
    # Imported here, these are imported once: ansible-playbook loads an action plugin before it forks
    # the worker of each task, and the module runs forked from that worker find them imported.
    import boto3  # noqa: F401 pylint: disable=unused-import
    import botocore.session  # noqa: F401 pylint: disable=unused-import
except ImportError:
    pass  # the module reports it, as in a process

# Libraries outside Ansible that some modules import (requirements.txt): imported with their action plugin, once.
MODULE_LIBRARIES = dict.fromkeys(
    ("ssm_automation_schedule", "ssm_automation_schedule_info", "ssm_automation_schedules", "ssm_change_calendar"), ("holidays", "icalendar"))

SWITCH = "AWSOPS_SSM_IN_WORKER"
# The line ansible-core's AnsiballZ wrapper starts with, in 2.19 to 2.21 (ansible/_internal/_ansiballz/_wrapper.py).
PAYLOAD_MARK = b"\n_ANSIBALLZ_WRAPPER = True\n"
SHELL_TAIL = " && sleep 0"  # what _low_level_execute_command appends to every command on the default shell
# The packages the payload brings in its own zip: the child forgets the worker's copies of them.
PAYLOAD_PACKAGES = ("ansible", "ansible_collections")
# CPython's warning filters at startup when no -W option or PYTHONWARNINGS is given.
DEFAULT_WARNING_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, None),
    ("ignore", PendingDeprecationWarning, None),
    ("ignore", ImportWarning, None),
    ("ignore", ResourceWarning, None),
)

display = Display()
# The modules a forked child takes out of sys.modules, kept referenced: freeing them would only cost the child
# time and copies of the worker's memory pages, and the child ends with the module anyway.
_SET_ASIDE = []


def same_python(interpreter):
    """Whether interpreter is the Python running Ansible: the same file in the same directory (a venv's bin)."""
    if not interpreter:
        return False
    interpreter = os.path.abspath(os.path.expanduser(str(interpreter)))
    running = os.path.abspath(sys.executable)
    try:
        return os.path.dirname(interpreter) == os.path.dirname(running) and os.path.samefile(interpreter, running)
    except OSError:
        return False


class ModuleCommand:
    """A module run the worker can fork for: environment, script (path or text), as the shell would run it."""

    def __init__(self, environment, interpreter, script_path, script):
        self.environment = environment
        self.interpreter = interpreter
        self.script_path = script_path
        self.script = script


def _shell_words(text, assignments=False):
    """The words of a command line of plain and quoted words, or None when the shell would see more in it.

    assignments: the line may start with VAR=value words (the environment of the command).
    """
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    # Rebuilt as ansible-core writes commands (shlex.quote, VAR=quoted-value): equal only when no
    # operator, expansion or substitution is left unquoted in the text.
    rebuilt = []
    for word in words:
        name, equals, value = word.partition("=")
        if assignments and equals and name.isidentifier():
            rebuilt.append("%s=%s" % (name, shlex.quote(value)))
        else:
            assignments = False
            rebuilt.append(shlex.quote(word))
    return words if " ".join(rebuilt) == text else None


def parse_module_command(cmd, in_data):
    """The ModuleCommand of cmd when it runs a module payload with this Python; else None (run it as usual)."""
    outer = _shell_words(cmd) if isinstance(cmd, str) else None
    if not outer or len(outer) != 3 or outer[1] != "-c":
        return None
    inner = outer[2]
    if inner.endswith(SHELL_TAIL):
        inner = inner[: -len(SHELL_TAIL)]
    words = _shell_words(inner, assignments=True)
    if not words:
        return None
    environment = {}
    while words and "=" in words[0] and words[0].partition("=")[0].isidentifier():
        name, _equals, value = words.pop(0).partition("=")
        environment[name] = value
    if not words or not same_python(words[0]):
        return None
    if len(words) == 1 and isinstance(in_data, bytes):  # pipelining: the payload on stdin
        return ModuleCommand(environment, words[0], None, in_data)
    if len(words) == 2 and in_data is None and os.path.isfile(words[1]):
        with open(words[1], "rb") as payload:
            return ModuleCommand(environment, words[0], words[1], payload.read())
    return None


def _from_ansible(hook):
    """Whether an import hook belongs to Ansible (its collection loader, its vendored six)."""
    module = getattr(hook, "__module__", None) or type(hook).__module__
    return str(module).split(".", 1)[0] in PAYLOAD_PACKAGES


def _become_a_new_python(command, cwd, stdout_fd, stderr_fd):
    """In the forked child: the state `PYTHON script` would start in, as far as a module can tell."""
    # What the child inherits stays out of its garbage collections: they would write to (and so copy) every page
    # of the worker's objects. The module's own objects are collected as usual.
    gc.freeze()
    read_end, write_end = os.pipe()
    os.close(write_end)
    os.dup2(read_end, 0)
    os.close(read_end)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    encoding = "utf-8" if sys.flags.utf8_mode else locale.getpreferredencoding(False)
    sys.stdin = sys.__stdin__ = io.open(0, "r", encoding=encoding, closefd=False)
    sys.stdout = sys.__stdout__ = io.open(1, "w", encoding=encoding, closefd=False)
    sys.stderr = sys.__stderr__ = io.open(2, "w", encoding=encoding, errors="backslashreplace", closefd=False, buffering=1)
    os.environ.update(command.environment)
    sys.executable = os.path.abspath(command.interpreter)  # the path it was started by, as Python reports it
    if cwd:
        os.chdir(cwd)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGALRM, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        locale.setlocale(locale.LC_ALL, "C")
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    if not sys.warnoptions:
        warnings.resetwarnings()
        for action, category, module in reversed(DEFAULT_WARNING_FILTERS):
            warnings.filterwarnings(action, category=category, module=module or "")
    atexit._clear()  # pylint: disable=protected-access
    for name in [name for name in sys.modules if name.split(".", 1)[0] in PAYLOAD_PACKAGES]:
        _SET_ASIDE.append(sys.modules.pop(name))
    sys.meta_path[:] = [finder for finder in sys.meta_path if not _from_ansible(finder)]
    sys.path_hooks[:] = [hook for hook in sys.path_hooks if not _from_ansible(hook)]
    sys.path_importer_cache.clear()
    if command.script_path:
        sys.argv = [command.script_path]
        first_path = os.path.dirname(os.path.realpath(command.script_path))
    else:
        sys.argv = [""]
        first_path = ""
    if sys.path and not getattr(sys.flags, "safe_path", False):
        sys.path[0] = first_path
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    if command.script_path:
        main.__file__ = command.script_path
    sys.modules["__main__"] = main
    return main


def _exit_code(exit_request):
    """The exit status Python gives for a SystemExit."""
    code = exit_request.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _run_child(command, cwd, stdout_fd, stderr_fd, started_fd, code_directory):
    """The forked child: becomes a new Python, tells the worker so, runs the payload as __main__, and exits."""
    main = _become_a_new_python(command, cwd, stdout_fd, stderr_fd)
    code_cache.install(code_directory)  # each source of the payloads compiled once, kept between runs (code_cache.py)
    code = compile(command.script, command.script_path or "<stdin>", "exec")
    os.write(started_fd, b"1")
    os.close(started_fd)
    try:
        exec(code, main.__dict__)  # pylint: disable=exec-used
        status = 0
    except SystemExit as exit_request:
        status = _exit_code(exit_request)
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()  # as Python reports an uncaught exception, with status 1
        status = 1
    atexit._run_exitfuncs()  # pylint: disable=protected-access
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return status


def run_forked(command, cwd, code_directory=None):
    """(rc, stdout, stderr) of the module run in a forked child, as the local connection returns them; None if it never started.

    code_directory: where the child finds and keeps the compiled sources of payloads (code_cache.py); None compiles them.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started_read, started_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered in the worker is written again by the child
        with warnings.catch_warnings():
            # Python 3.12+ warns when a process with threads forks (the worker has the queue feeder thread
            # that sends results to ansible-playbook): the child runs only the module's code, in its one thread.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, which never returns
            status = 1
            try:
                os.close(started_read)
                status = _run_child(command, cwd, stdout.fileno(), stderr.fileno(), started_write, code_directory)
            finally:
                os._exit(status)  # pylint: disable=protected-access
        os.close(started_write)
        try:
            with os.fdopen(started_read, "rb") as started:
                began = started.read(1) == b"1"
            _pid, wait_status = os.waitpid(pid, 0)
        except BaseException:  # a task timeout or an interrupt in the worker: the module stops with it
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        if not began:
            return None
        rc = os.waitstatus_to_exitcode(wait_status)
        if rc < 0:
            rc = 128 - rc  # how /bin/sh reports a command killed by a signal
        stdout.seek(0)
        stderr.seek(0)
        return rc, stdout.read(), stderr.read()


def worker_can_fork():
    """None when modules can run in a fork of this worker, else why not."""
    if not hasattr(os, "fork") or not hasattr(os, "waitstatus_to_exitcode"):
        return "this Python cannot fork (os.fork)"
    return None


class InWorkerAction(NormalAction):
    """ansible-core's normal action, whose module runs in a fork of the worker when that changes nothing."""

    _forking = False

    def __init_subclass__(cls, **kwargs):
        # The action plugin of a module is loaded by ansible-playbook before it forks the worker of its first task:
        # what the module's runs would read and import each time is read and imported here, once.
        super().__init_subclass__(**kwargs)
        module_name = cls.__module__.rpartition(".")[2]
        botocore_data.share(botocore_data.MODULE_SERVICES.get(module_name, ()))
        for library in MODULE_LIBRARIES.get(module_name, ()):
            try:
                __import__(library)
            except ImportError:
                pass  # the module reports it, as in a process

    @functools.cached_property
    def _module_cache_root(self):
        # The user's cache between runs (module_cache.py), looked up once per task.
        return module_cache.root(C.DEFAULT_LOCAL_TMP)

    def _configure_module(self, module_name, module_args, task_vars):
        # ansible-core's payload of this module, built by an earlier run, is put where ansible-core looks for it
        # if its sources are unchanged (payload_cache.py); a payload this run builds is kept for the next one.
        module_fqn = type(self).__module__.replace(".plugins.action.", ".plugins.modules.", 1)
        payloads = payload_cache.for_module(self._module_cache_root, C.DEFAULT_LOCAL_TMP, module_fqn)
        present = payloads.seed() if payloads else None
        configured = super()._configure_module(module_name, module_args, task_vars)
        if payloads:
            payloads.keep(present)
        return configured

    def _is_pipelining_enabled(self, module_style, wrap_async=False):
        # Where the module may run in a fork (the local connection, no become), its payload goes on stdin, as
        # pipelining = True sends it: no temporary directory to make, chmod and remove, three shell commands
        # per module task. ANSIBLE_KEEP_REMOTE_FILES and async keep ansible-core's own choice.
        if (self._forking and module_style == "new" and not wrap_async and not C.DEFAULT_KEEP_REMOTE_FILES
                and getattr(self._connection, "become", None) is None):
            return True
        return super()._is_pipelining_enabled(module_style, wrap_async)

    def run(self, tmp=None, task_vars=None):
        connection = self._connection
        if not boolean(os.environ.get(SWITCH, "true"), strict=False) or connection.transport != "local":
            return super().run(tmp, task_vars)
        unable = worker_can_fork()
        if unable:
            self._process_instead(unable)
            return super().run(tmp, task_vars)
        # This worker runs one task and exits: what it inherited from ansible-playbook stays out of its garbage
        # collections (and of the forked module run's), which would otherwise write to and copy those pages.
        gc.freeze()
        exec_command = connection.exec_command
        own_attribute = vars(connection).get("exec_command")

        def exec_in_fork(cmd, in_data=None, sudoable=True):
            command = parse_module_command(cmd, in_data)
            if command is not None and PAYLOAD_MARK not in command.script[:4096]:
                self._process_instead("ansible-core %s builds module payloads this module runner does not know" % ansible_version)
                command = None
            if command is not None:
                display.vvv("EXEC in a fork of this worker (awsops.ssm module runner): %s" % cmd, host=self._play_context.remote_addr)
                result = run_forked(command, getattr(connection, "cwd", None), code_cache.directory(self._module_cache_root))
                if result is not None:
                    return result
                self._process_instead("the forked module run could not start")
            return exec_command(cmd, in_data=in_data, sudoable=sudoable)

        connection.exec_command = exec_in_fork
        self._forking = True
        try:
            return super().run(tmp, task_vars)
        finally:
            self._forking = False
            if own_attribute is None:
                del connection.exec_command  # the connection's own method again
            else:
                connection.exec_command = own_attribute

    @staticmethod
    def _process_instead(reason):
        # ansible-playbook shows a warning once however many workers send it.
        display.warning("awsops.ssm runs its modules as separate processes (%s; %s=false avoids this warning)." % (reason, SWITCH))
