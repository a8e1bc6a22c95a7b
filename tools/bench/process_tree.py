# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a run of ansible-playbook costs the controller: CPU time and memory of its whole process tree.

CPU: the user and system time of every process of the tree (ansible-playbook,
its forked workers, the module processes they start), from the kernel's
accounting of children that were waited for (getrusage RUSAGE_CHILDREN,
read before and after the run; ansible-playbook waits for its workers, the
workers for their module processes). Not wall time: on 2 cores, 16 forks
that need CPU take as long as the CPU they need.

Memory: the tree's processes are sampled from /proc every INTERVAL seconds;
the peak of the sum of their RSS (what `ps` shows, counting the pages that
forked workers share with ansible-playbook once per process) and of their
PSS (shared pages divided among the processes that share them: what the tree
really occupies). Linux only; elsewhere memory is not measured (None).
"""

import os
import resource
import subprocess
import threading
import time

INTERVAL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children():
    """{ppid: [pid]} of every process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table.setdefault(int(fields[1]), []).append(int(name))
    return table


def tree(pid):
    """pid and every descendant of it."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory(pids):
    """(sum of RSS, sum of PSS) in bytes of the processes that still exist."""
    rss = pss = 0
    for pid in pids:
        try:
            with open("/proc/%d/statm" % pid, encoding="utf-8") as statm:
                rss += int(statm.read().split()[1]) * PAGE
            with open("/proc/%d/smaps_rollup" % pid, encoding="utf-8") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


class Sampler(threading.Thread):
    """Samples the memory of a process tree until stop()."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            pids = tree(self.pid)
            rss, pss = memory(pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self._done.wait(INTERVAL)

    def stop(self):
        self._done.set()
        self.join()


def run_measured(command, **popen):
    """(CompletedProcess, {"wall_seconds", "cpu_seconds", "peak_rss_mb", "peak_pss_mb", "peak_processes"}) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen) as process:
        sampler = Sampler(process.pid) if os.path.isdir("/proc/%d" % process.pid) else None
        if sampler:
            sampler.start()
        stdout, stderr = process.communicate()
        if sampler:
            sampler.stop()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures = {
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(sampler.peak_rss / 2**20, 1) if sampler else None,
        "peak_pss_mb": round(sampler.peak_pss / 2**20, 1) if sampler else None,
        "peak_processes": sampler.peak_processes if sampler else None,
    }
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), figures
