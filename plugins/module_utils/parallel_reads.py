# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Independent reads sent at the same time, in a bounded pool of threads.

Against AWS every call is a round trip of 20 to 150 ms, and a module that
reads a hundred schedules one after the other waits for each. Reads that do
not depend on each other (one GetSchedule per schedule, one ListTargetsByRule
per rule) go through ``read_all``: at most ``AWSOPS_SSM_READ_WORKERS``
(default 8) at a time, results in the order of the items, exactly the calls
a sequential loop makes. boto3 clients are thread-safe; each call keeps the
retry layer of aws_retries (a throttled read waits and is sent again in its
own thread). The first failure, in the order of the items, is raised.
"""

import os
from concurrent.futures import ThreadPoolExecutor

WORKERS_VARIABLE = "AWSOPS_SSM_READ_WORKERS"
DEFAULT_WORKERS = 8
MAX_WORKERS = 32


def workers_from_environment(environ=None):
    environ = os.environ if environ is None else environ
    text = environ.get(WORKERS_VARIABLE, "").strip()
    if text.isdigit() and 1 <= int(text) <= MAX_WORKERS:
        return int(text)
    return DEFAULT_WORKERS


def read_all(read, items, workers=None):
    """[read(item) for item in items], sent concurrently by at most workers threads."""
    items = list(items)
    workers = workers or workers_from_environment()
    if len(items) <= 1 or workers <= 1:
        return [read(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(read, items))


def read_together(*reads, **kwargs):
    """[read() for read in reads], the reads sent at the same time."""
    return read_all(lambda read: read(), reads, **kwargs)
