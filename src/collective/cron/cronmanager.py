# -*- coding: utf-8 -*-
"""The cron manager: the queued job of one cron, and its manual runs.

It only talks to the job system through ``IQueueManager``; engines whose
queue lives outside the ZODB act after the transaction commits, so an
aborted change queues nothing.  Run-now lives here and only here: the
dashboard and the REST API both call :meth:`CronManager.run_now`.
"""

from collective.cron import audit
from collective.cron import clock
from collective.cron import overlap
from collective.cron import retries
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICronManager
from collective.cron.queue import queue_for
from collective.cron.state import get_state
from collective.cron.state import schedule_key
from collective.cron.state import set_changed
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.interface import implementer


@implementer(ICronManager)
@adapter(ISiteRoot, ICron)
class CronManager(object):
    """Presence of one cron's job in the queue, and manual runs."""

    def __init__(self, context, cron):
        self.context = context
        self.cron = cron

    @property
    def queue(self):
        return queue_for(self.context)

    def next_occurrence(self, after=None):
        """The cron's next occurrence after ``after`` (never before now)."""
        now = clock.now()
        after = max(after, now) if after is not None else now
        return self.cron.next_after(after)

    def register_job(self, force=False, after=None, jobs=None):
        """Queue the next occurrence (and remember it as expected).

        ``jobs`` are the cron's queued jobs when the caller listed them
        already; a job for the right occurrence is kept (unless ``force``),
        other scheduled jobs in the future are replaced.  An inactive cron
        loses its jobs instead.

        The cron's state is written only when the cron is new, switched on
        again, or its schedule changed (``collective.cron.state``): then
        occurrences before now are not owed (no "missed" logs for the old
        schedule).  Otherwise nothing is written, so that saving the
        crontab never conflicts with a run of this cron.
        """
        if not self.cron.active:
            self.remove_jobs()
            return None
        now = clock.now()
        upcoming = self.next_occurrence(after)
        state = self.follow_schedule(now, upcoming)
        queue = self.queue
        if jobs is None:
            jobs = queue.jobs(self.cron.uid)
        keep = None
        for job in jobs:
            if retries.is_extra(job["trigger"]) or job["status"] != "pending":
                continue
            if job["scheduled"] == upcoming and keep is None and not force:
                keep = job
            elif job["when"] > now or not _owed(job, state):
                queue.remove_job(job["id"])
        if keep is not None:
            return keep["id"]
        return queue.register_job(self.cron.uid, upcoming, trigger="schedule")

    def follow_schedule(self, now, upcoming):
        """Reset the state when the cron's schedule is new to it; see above."""
        key = schedule_key(self.cron)
        state = get_state(self.context, self.cron.uid)
        if state is None:
            state = get_state(self.context, self.cron.uid, create=True)
            state.handled = now
            state.expected = upcoming
            state.schedule = key
            return state
        changed = state.schedule is not None and tuple(state.schedule) != key
        if state.handled is None or state.expected is None or changed:
            # New, switched on again, or another schedule: occurrences before
            # now are not owed.
            if state.handled is None or state.handled < now:
                state.handled = now
            set_changed(state, "expected", upcoming)
        set_changed(state, "schedule", key)
        return state

    def remove_jobs(self):
        """Forget the cron's scheduled jobs (manual runs asked for stay)."""
        queue = self.queue
        for job in queue.jobs(self.cron.uid):
            if job["trigger"] != "manual" and job["status"] == "pending":
                queue.remove_job(job["id"])
        state = get_state(self.context, self.cron.uid)
        if state is not None:
            set_changed(state, "expected", None)

    def run_now(self, parameters=None):
        """Queue an immediate run that leaves the schedule as it is.

        ``parameters`` (a dict) override the cron's for that run only: they
        are kept under the job's id (``audit.record_run``), the cron is not
        changed.  The run is recorded in the cron's audit trail.  Returns
        the job id, or None when the job system queues nothing (an
        unavailable one); raises ``NoJobSystem`` when there is none.
        """
        now = clock.now()
        job_id = self.queue.register_job(self.cron.uid, now, trigger="manual")
        if job_id is not None:
            audit.record_run(self.context, self.cron, job_id, parameters, now)
        return job_id

    def queue_waiting(self, scheduled):
        """Queue, to start now, the run of ``scheduled`` that waited for the
        previous run to end (``collective.cron.overlap``, ``queue_one``)."""
        return self.queue.register_job(
            self.cron.uid, clock.now(), trigger=overlap.QUEUED, scheduled=scheduled
        )

    def queue_retry(self, scheduled, attempt, when):
        """Queue ``attempt`` (2 or more) of the occurrence ``scheduled`` at
        ``when`` (``collective.cron.retries``): the job id, or None.  The
        schedule's own job is left as it is."""
        return self.queue.register_job(
            self.cron.uid,
            when,
            trigger=retries.trigger_for(attempt),
            scheduled=scheduled,
        )


def _owed(job, state):
    """A job that came due and was not run yet, for an occurrence of the
    cron's current schedule (after its high-water mark): a save a moment
    after the minute must not revoke it (the run claims it exactly once);
    an occurrence of an old schedule is not owed (``follow_schedule`` moved
    the mark to now)."""
    return state.handled is not None and job["scheduled"] > state.handled
