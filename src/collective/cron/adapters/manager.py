# -*- coding: utf-8 -*-
"""The crontab manager and the cron manager: the queue follows the crontab.

Both only talk to the job system through ``IQueueManager``; the queue
operations of engines whose queue lives outside the ZODB run after the
transaction commits (an aborted change queues nothing).
"""
from collective.cron import clock
from collective.cron import logger
from collective.cron.engines.base import get_state
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabManager
from collective.cron.interfaces import ICrontabSynchronisationEvent
from collective.cron.interfaces import IQueueManager
from collective.cron.interfaces import IServerRestartEvent
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.component import queryAdapter
from zope.interface import implementer


class NoJobSystem(RuntimeError):
    """No IQueueManager is available for the site."""


def queue_for(site):
    queue = queryAdapter(site, IQueueManager)
    if queue is None:
        raise NoJobSystem(
            "collective.cron: no job system is available: install huey "
            "(Python 3) or plone.app.async (Python 2.7) and check the "
            "<product-config collective.cron> section of zope.conf"
        )
    return queue


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
        now = clock.now()
        after = max(after, now) if after is not None else now
        return self.cron.next_after(after)

    def register_job(self, force=False, after=None, jobs=None):
        """Queue the next occurrence (and remember it as expected).

        ``jobs`` are the cron's queued jobs when the caller listed them
        already; a job for the right occurrence is kept, other scheduled
        jobs in the future are replaced.
        """
        if not self.cron.active:
            self.remove_jobs()
            return None
        now = clock.now()
        upcoming = self.next_occurrence(after)
        state = get_state(self.context, self.cron.uid, create=True)
        if state.handled is None or state.expected is None:
            # (Re)activated: occurrences before now are not owed.
            state.handled = now
        if state.expected != upcoming:
            state.expected = upcoming
        queue = self.queue
        if jobs is None:
            jobs = queue.jobs(self.cron.uid)
        keep = None
        for job in jobs:
            if job["trigger"] == "manual" or job["status"] != "pending":
                continue
            if job["scheduled"] == upcoming and keep is None and not force:
                keep = job
            elif job["when"] > now or job["scheduled"] != upcoming:
                queue.remove_job(job["id"])
        if keep is not None:
            return keep["id"]
        return queue.register_job(self.cron.uid, upcoming, trigger="schedule")

    def remove_jobs(self):
        """Forget the cron's scheduled jobs (manual runs asked for stay)."""
        queue = self.queue
        for job in queue.jobs(self.cron.uid):
            if job["trigger"] != "manual" and job["status"] == "pending":
                queue.remove_job(job["id"])
        state = get_state(self.context, self.cron.uid)
        if state is not None and state.expected is not None:
            state.expected = None

    def run_now(self):
        """Queue an immediate run that leaves the schedule as it is."""
        return self.queue.register_job(self.cron.uid, clock.now(), trigger="manual")


@implementer(ICrontabManager)
@adapter(ISiteRoot, ICrontab)
class CrontabManager(object):
    """Makes the site's queue match its crontab."""

    def __init__(self, context, crontab):
        self.context = context
        self.crontab = crontab

    def synchronize(self):
        queue = queue_for(self.context)
        queue.mark_site(bool(self.crontab.crons))
        by_uid = {}
        for job in queue.jobs():
            by_uid.setdefault(job["uid"], []).append(job)
        for uid, jobs in by_uid.items():
            cron = self.crontab.crons.get(uid)
            if cron is not None and cron.active:
                continue
            for job in jobs:
                if job["status"] == "pending" and (
                    cron is None or job["trigger"] != "manual"
                ):
                    queue.remove_job(job["id"])
            state = get_state(self.context, uid)
            if state is not None and state.expected is not None:
                state.expected = None
        registered = 0
        for cron in self.crontab.crons.values():
            manager = CronManager(self.context, cron)
            if cron.active:
                manager.register_job(jobs=by_uid.get(cron.uid, []))
                registered += 1
            else:
                state = get_state(self.context, cron.uid)
                if state is not None and state.expected is not None:
                    state.expected = None
        return registered


@adapter(ICrontabSynchronisationEvent)
def synchronise_queue(event):
    """The crontab changed: the queue follows (after commit for outside queues)."""
    from collective.cron.interfaces import ICrontabManager as IManager
    from zope.component import queryMultiAdapter

    manager = queryMultiAdapter((event.object, event.crontab), IManager)
    if manager is None:
        return
    try:
        manager.synchronize()
    except NoJobSystem as error:
        logger.error("%s", error)
    except Exception as error:
        from ZODB.POSException import ConflictError

        if isinstance(error, ConflictError):
            raise
        # The crontab change is kept: the workers' reconciler queues what
        # is missing once the queue answers again.
        logger.error(
            "collective.cron: the job queue did not answer (%s: %s); the "
            "crontab is saved and the reconciler will queue its jobs once "
            "the queue answers again",
            error.__class__.__name__, error,
        )


@adapter(IServerRestartEvent)
def restore_queue(event):
    """A process started: queue what is missing and catch up what was missed."""
    from collective.cron.engines.base import reconcile_site

    try:
        queue = queue_for(event.object)
    except NoJobSystem as error:
        logger.error("%s", error)
        return
    reconcile_site(event.object, queue)
