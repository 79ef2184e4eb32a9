# -*- coding: utf-8 -*-
"""The run state of each cron, kept in the ZODB beside the site.

The state is what makes runs exactly-once and never overlapping (see
``collective.cron.jobrunner``): it is written in the same transaction as a
run's own effects, so two instances racing on one occurrence conflict on
this small object and the retry sees who won.  Each cron has its own state
object, in a BTree in a site annotation: runs of different crons never
conflict.

Who writes what (so that saving the crontab never makes a run conflict):

* a *run* (claim, run, schedule next: ``collective.cron.jobrunner``) writes
  the state of its own cron only, and never inserts into the BTree (the
  claim creates a missing state, in its own short transaction);
* a *save* (the synchronisation of the crontab manager, the cron manager)
  creates the states of new crons and writes the state of a cron only when
  that cron's own schedule changed (periodicity, timezone, switched on or
  off: :func:`schedule_key`).  Saving one cron thus never writes the state
  of another, and no value is ever written unchanged (:func:`set_changed`),
  because ZODB marks an object changed on any assignment.
"""

from collective.cron import clock
from collective.cron import timeouts
from collective.cron.interfaces import IQueueManager
from collective.cron.utils import annotation_tree
from persistent import Persistent

import datetime
import os
import socket

STATE_KEY = "collective.cron.state"
# How many ids of manual runs a cron remembers to refuse running one twice.
MANUAL_MEMORY = 20
# A running marker left by a worker the job system does not know is taken
# for lost after this long, rather than let the cron wait for ever.
UNKNOWN_WORKER_TIMEOUT = datetime.timedelta(hours=6)
# Markers older than this process that name this process were left by an
# earlier process with the same pid.
PROCESS_STARTED = clock.now()


def instance_id():
    """Who runs a job: host and process, shown in the logs and the markers."""
    return u"%s:%d" % (socket.gethostname(), os.getpid())


class CronState(Persistent):
    """What the job system knows of one cron.

    ``handled`` is the newest occurrence (aware UTC) that was run or logged
    as not run: anything at or before it is a duplicate.  ``expected`` is the
    occurrence a job was queued for (None while the cron is off).
    ``running`` is (instance, started, occurrence key) while a run is in
    flight.  ``manual`` holds the ids of the last manual runs.
    ``last_started`` / ``last_run`` frame the last run, to tell occurrences
    skipped because of it from those missed for other reasons.
    ``schedule`` is the :func:`schedule_key` the state follows: when the
    cron's periodicity or timezone changes, occurrences of the old schedule
    are no longer owed.
    """

    last_started = None
    schedule = None

    def __init__(self, handled=None):
        self.handled = handled
        self.expected = None
        self.running = None
        self.manual = ()
        self.last_started = None
        self.last_run = None

    def is_handled(self, scheduled, trigger, job_id):
        if trigger == "manual":
            return job_id in self.manual
        return self.handled is not None and scheduled <= self.handled

    def mark_handled(self, scheduled, trigger, job_id):
        if trigger == "manual":
            self.manual = (tuple(self.manual) + (job_id,))[-MANUAL_MEMORY:]
        elif self.handled is None or scheduled > self.handled:
            self.handled = scheduled


def schedule_key(cron):
    """What makes a cron's occurrences: its periodicity and its timezone."""
    return (cron.periodicity, cron.effective_timezone)


def set_changed(obj, name, value):
    """``obj.name = value`` unless it holds that value already.

    Returns whether it wrote.  A persistent object is marked changed (and
    can conflict) on any assignment, even of the same value.
    """
    if getattr(obj, name, None) == value:
        return False
    setattr(obj, name, value)
    return True


def states(site, create=False):
    """The BTree of the site's cron states (None if absent and not ``create``)."""
    return annotation_tree(site, STATE_KEY, create=create)


def get_state(site, uid, create=False):
    """The state of cron ``uid``; with ``create`` a missing one is added."""
    if create:
        tree = states(site, create=True)
        state = tree.get(uid)
        if state is None:
            state = tree[uid] = CronState()
        return state
    tree = states(site)
    return tree.get(uid) if tree is not None else None


def forget_state(site, uid):
    tree = states(site)
    if tree is not None and uid in tree:
        del tree[uid]


# Runs of this process whose transaction failed after their claim committed
# (the database went away): their running marker is no run in progress.
_abandoned = set()


def abandon_run(key):
    """The run with marker ``key`` (trigger, scheduled ISO, job id) ended in
    a failed transaction: its marker, if committed, is not a live run."""
    _abandoned.add(tuple(key))


def running_is_stale(site, state):
    """Whether the running marker of ``state`` names a worker that is gone.

    This process's own marker is live unless it predates the process (a
    pid reused after a restart) or its run's transaction failed
    (:func:`abandon_run`).  Another worker's is stale once the job
    system says that worker stopped showing signs of life, or, for a worker
    it does not know, after ``UNKNOWN_WORKER_TIMEOUT``.
    """
    instance = state.running[0]
    if instance == instance_id():
        return (
            state.running[1] < PROCESS_STARTED or tuple(state.running[2]) in _abandoned
        )
    queue = IQueueManager(site, None)
    if queue is None:
        return False
    alive = queue.is_alive(instance)
    if alive is None:
        return clock.now() - clock.as_utc(state.running[1]) > UNKNOWN_WORKER_TIMEOUT
    return alive is False


def run_overdue(site, cron, now=None):
    """Whether the run of ``cron`` going on now is past its timeout.

    Read from the running marker, never written: a write here while the
    run goes on would make its commit conflict (``timeouts``).
    """
    if not cron.timeout:
        return False
    started = timeouts.running_started(get_state(site, cron.uid))
    return timeouts.is_overdue(cron.timeout, started, now or clock.now())
