# -*- coding: utf-8 -*-
"""The reconciler: a vanished job never stops a cron for good.

Every worker reconciles each site that has a crontab at start-up and then
every minute (the engines schedule it; ``collective.cron.marker`` tells
them which sites).  For each active cron it makes sure a job is queued for
the next occurrence, releases a run whose worker died (a WARN log says which worker stopped
during which run; the occurrence is then run again and logged as usual,
see ``collective.cron.jobrunner``), and
catches up occurrences that passed with nothing queued or running through
one job, which logs them as missed.

At 10,000 crons, building every cron each minute took 2.5 to 3 s per
worker: the reconciler reads the crons' summaries instead (the records'
JSON, parsed once per text: ``collective.cron.summary``) and builds a cron
only when it has something to do for it (release a run, queue a job).
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron import overdue
from collective.cron import retries
from collective.cron import workerwatch
from collective.cron.claim import GRACE_SECONDS
from collective.cron.claim import release_interrupted
from collective.cron.cronmap import LazyCrons
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IQueueManager
from collective.cron.interfaces import IServerRestartEvent
from collective.cron.queue import NoJobSystem
from collective.cron.queue import queue_for
from collective.cron.state import get_state
from collective.cron.state import running_is_stale
from collective.cron.state import set_changed
from collective.cron.summary import CronSummary
from zope.component import adapter

import datetime


def reconcile_site(site, queue=None, now=None):
    """Make the queue and the states of a site's crons right again.

    Returns the number of jobs it queued.  Writes to the ZODB only when
    something was wrong; the caller commits (and retries on conflicts).
    """
    now = now or clock.now()
    queue = queue or IQueueManager(site)
    crontab = Crontab.load(site)
    all_jobs = queue.jobs()
    repair = getattr(queue, "repair_index", None)
    if repair is not None:
        repair(all_jobs)
    pending = {}
    for job in all_jobs:
        pending.setdefault(job["uid"], []).append(job)
    queued = 0
    active = active_crons(crontab)
    for cron in active:
        state = get_state(site, cron.uid)
        if state is not None and state.running is not None:
            if not running_is_stale(site, state):
                continue
            lost_job = tuple(state.running[2])[2]
            if lost_job:
                # Its queue entry is gone with the worker; forgetting the id
                # lets the same occurrence be queued again below.
                queue.remove_job(lost_job)
            # Logs the interrupted attempt (WARN, the dead worker, when) and
            # releases the marker; the re-run is logged as usual.
            release_interrupted(site, _built(crontab, cron), state, now)
        jobs = [
            job
            for job in pending.get(cron.uid, [])
            if not retries.is_extra(job["trigger"]) and job["status"] != "finished"
        ]
        if jobs:
            continue
        if state is not None and state.handled is not None:
            after = state.handled
        else:
            # Never synchronised here: owe nothing before now.
            after = now
        upcoming = cron.next_after(after)  # after a pause, if any
        if upcoming <= now - datetime.timedelta(seconds=GRACE_SECONDS):
            # Missed: a job for the oldest missed occurrence catches them all up.
            queue.register_job(cron.uid, now, trigger="schedule", scheduled=upcoming)
        else:
            queue.register_job(cron.uid, upcoming, trigger="schedule")
        state = get_state(site, cron.uid, create=True)
        set_changed(state, "expected", upcoming)
        queued += 1
    # Runs past their timeout: an alert while they still run (overdue.py).
    overdue.check(site, crontab, active, now)
    # This worker reconciles, so it is alive: "back" if all were gone.
    workerwatch.worker_alive(site)
    return queued


def active_crons(crontab):
    """The active crons, as summaries while the crontab's records give
    them (``CronSummary``: uid, schedule, zone), else as crons."""
    crons = crontab.crons
    reader = getattr(crontab.manager, "summaries", None)
    if reader is not None and isinstance(crons, LazyCrons) and not crons.complete:
        found = reader()
        if found is not None:
            if not crontab.activated:
                return []
            items = [CronSummary(data, crontab) for data in found[0]]
            return [item for item in items if item.active]
    return [cron for cron in crons.values() if cron.active]


def _built(crontab, cron):
    """The cron itself for a summary (one record read)."""
    if isinstance(cron, CronSummary):
        return crontab.crons.get(cron.uid) or cron
    return cron


@adapter(IServerRestartEvent)
def restore_queue(event):
    """A process started: queue what is missing and catch up what was missed."""
    try:
        queue = queue_for(event.object)
    except NoJobSystem as error:
        logger.error("%s", error)
        return
    reconcile_site(event.object, queue)
