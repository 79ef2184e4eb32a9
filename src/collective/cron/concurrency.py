# -*- coding: utf-8 -*-
"""How many runs of one site a worker process starts at once.

Each run holds a worker thread and a ZODB connection for as long as it
lasts.  A worker with ``threads`` threads could give them all to one site
(one-hour jobs, or a burst of them): the other sites would wait, and with
the web threads the process could open more connections than the
database's ``pool-size``.  So a process runs at most ``site-limit`` jobs of
one site that have lasted ``LONG_SECONDS`` or more at a time
(``config.get_settings()["site_limit"]``, by default ``threads - 1``): long
runs never hold every thread, so a thread always stays free for the short
crons of this site and of the others, and short runs never wait for each
other.

A job over the limit waits ``WAIT_SECONDS`` in its thread for a run of
its site to end (a burst of short runs follows on at once), then is not
dropped: the engine puts it back for a moment later (huey: ``RetryTask(delay=...)``) and it starts as soon as a
run of its site ends.  A job deferred for longer than ``WAIT_WARNING``
seconds is logged (when it finally starts) so that an administrator sees
that the site's runs queue up.

Engine-agnostic: an engine wraps its task function with
:func:`per_site` and says how to defer (one line).
"""

from collective.cron import logger

import functools
import threading
import time

# A run counts against the limit once it has lasted this long: short runs
# never wait for each other, long ones are bounded.
LONG_SECONDS = 10.0
# Seconds a job over the limit waits in its thread for a slot (a burst of
# short runs then follows on at once), and then before trying again.
WAIT_SECONDS = 2.0
RETRY_DELAY = 1.0
# A job that waited longer than this is logged when it starts.
WAIT_WARNING = 60.0

_lock = threading.Condition(threading.Lock())
_running = {}  # site path -> [start times of its runs in this process]
_deferred = {}  # job id -> time it was first deferred


class SiteBusy(Exception):
    """The site runs ``limit`` jobs already: try again in ``delay`` s."""

    def __init__(self, site_path, limit, delay=RETRY_DELAY):
        Exception.__init__(self, "site %s runs %d jobs already" % (site_path, limit))
        self.site_path = site_path
        self.limit = limit
        self.delay = delay


def site_limit():
    """The per-site limit of concurrent runs for this process."""
    from collective.cron import config

    try:
        return config.get_settings()["site_limit"]
    except config.ConfigurationError:
        return 1


def running(site_path):
    """The runs of ``site_path`` in progress in this process."""
    with _lock:
        return len(_running.get(site_path, ()))


def _long_runs(site_path, now):
    return len(
        [
            started
            for started in _running.get(site_path, ())
            if now - started >= LONG_SECONDS
        ]
    )


def acquire(site_path, job_id=None, limit=None, wait=None):
    """Take a run slot of ``site_path``, waiting up to ``wait`` seconds
    (``WAIT_SECONDS``) for one, or raise ``SiteBusy``."""
    limit = site_limit() if limit is None else limit
    deadline = time.time() + (WAIT_SECONDS if wait is None else wait)
    with _lock:
        while _long_runs(site_path, time.time()) >= limit:
            left = deadline - time.time()
            if left <= 0:
                if job_id is not None:
                    _deferred.setdefault(job_id, time.time())
                raise SiteBusy(site_path, limit)
            _lock.wait(left)
        token = time.time()
        _running.setdefault(site_path, []).append(token)
        since = _deferred.pop(job_id, None) if job_id is not None else None
    if since is not None:
        waited = time.time() - since
        log = logger.warning if waited >= WAIT_WARNING else logger.info
        log(
            "collective.cron: job %s of %s waited %.0f s for a free run slot "
            "(site-limit %d)",
            job_id,
            site_path,
            waited,
            limit,
        )
    return token


def release(site_path, token=None):
    """End the run ``token`` (what ``acquire`` gave; default the newest)."""
    with _lock:
        runs = _running.get(site_path, [])
        if token in runs:
            runs.remove(token)
        elif runs:
            runs.pop()
        if not runs:
            _running.pop(site_path, None)
        _lock.notify_all()


def per_site(defer):
    """Decorate an engine's task ``f(site_path, cron_uid, scheduled, trigger,
    job_id)``: it runs within the site's limit, and over it raises what
    ``defer(delay)`` gives (the engine's "try again later")."""

    def decorate(task):
        @functools.wraps(task)
        def limited(site_path, *args):
            job_id = args[3] if len(args) > 3 else None
            try:
                token = acquire(site_path, job_id)
            except SiteBusy as busy:
                raise defer(busy.delay)
            try:
                return task(site_path, *args)
            finally:
                release(site_path, token)

        return limited

    return decorate
