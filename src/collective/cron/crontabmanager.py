# -*- coding: utf-8 -*-
"""The crontab manager: the site's queue follows its crontab.

On ``CrontabSynchronisationEvent`` (fired when a crontab is saved) it
removes the jobs of crons that are gone or off and queues the next job of
every active cron that lacks one, and marks the site for the restore at
every worker start (``collective.cron.marker``).  Queue operations of
engines whose queue lives outside the ZODB run after the commit.
"""

from collective.cron import audit
from collective.cron import clock
from collective.cron import logger
from collective.cron.cronmanager import CronManager
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabManager
from collective.cron.interfaces import ICrontabSynchronisationEvent
from collective.cron.marker import mark_site
from collective.cron.queue import mask_secrets
from collective.cron.queue import NoJobSystem
from collective.cron.queue import queue_for
from collective.cron.state import get_state
from collective.cron.state import set_changed
from Products.CMFCore.interfaces import ISiteRoot
from ZODB.POSException import ConflictError
from zope.component import adapter
from zope.component import queryMultiAdapter
from zope.interface import implementer


@implementer(ICrontabManager)
@adapter(ISiteRoot, ICrontab)
class CrontabManager(object):
    """Makes the site's queue match its crontab."""

    def __init__(self, context, crontab):
        self.context = context
        self.crontab = crontab

    def synchronize(self, uids=None, full=False):
        """Returns the number of active crons whose job was (re)queued.

        ``uids`` (default: ``crontab.changed``, what its last save wrote,
        removed or was asked to save) limits the work to those crons: one
        edit among 10,000 crons touches one cron's jobs, not every cron's.
        ``None`` there (a crontab never saved through its registry
        manager, a global switch that changed, a 2.x record migrated)
        means the whole crontab, as does ``full`` (or ``full=True`` on
        the event).
        """
        if uids is None and not full:
            uids = getattr(self.crontab, "changed", None)
        queue = queue_for(self.context)
        if uids is not None and not full:
            return self._synchronize_some(queue, uids)
        self._follow_schedules(self.crontab.crons.values())
        mark_site(queue, self.crontab)
        by_uid = {}
        for job in queue.jobs():
            by_uid.setdefault(job["uid"], []).append(job)
        for uid, jobs in by_uid.items():
            cron = self.crontab.crons.get(uid)
            if cron is not None and cron.active:
                continue
            self._drop(queue, uid, cron, jobs)
        registered = 0
        for cron in self.crontab.crons.values():
            if cron.active:
                CronManager(self.context, cron).register_job(
                    jobs=by_uid.get(cron.uid, [])
                )
                registered += 1
            else:
                self._forget_expected(cron.uid)
        return registered

    def _synchronize_some(self, queue, uids):
        """The queue follows the crons ``uids`` only (saved, removed)."""
        registered = 0
        crons = [(uid, self.crontab.crons.get(uid)) for uid in sorted(set(uids))]
        self._follow_schedules(cron for uid, cron in crons)
        if any(cron is not None for uid, cron in crons):
            queue.mark_site(True)
        else:
            # Only removals: is any cron left?  One key look-up, not a read.
            has_crons = getattr(self.crontab.manager, "has_crons", None)
            if has_crons is not None:
                queue.mark_site(has_crons())
        for uid, cron in crons:
            jobs = queue.jobs(uid)
            if cron is not None and cron.active:
                CronManager(self.context, cron).register_job(jobs=jobs)
                registered += 1
            else:
                self._drop(queue, uid, cron, jobs)
        return registered

    def _follow_schedules(self, crons):
        """Write the run states of the active ``crons`` before the queue is
        asked anything: when it does not answer (Redis down), the save is
        kept with its states, so the occurrences from now on are owed and
        the reconciler runs or logs them once the queue is back, instead of
        starting the cron's schedule at the time it reconciles."""
        now = clock.now()
        for cron in crons:
            if cron is not None and cron.active:
                manager = CronManager(self.context, cron)
                manager.follow_schedule(now, manager.next_occurrence())

    def _drop(self, queue, uid, cron, jobs):
        """Remove the scheduled jobs of a cron gone or off (all of a gone one)."""
        for job in jobs:
            if job["status"] == "pending" and (
                cron is None or job["trigger"] != "manual"
            ):
                queue.remove_job(job["id"])
        self._forget_expected(uid)

    def _forget_expected(self, uid):
        state = get_state(self.context, uid)
        if state is not None:
            set_changed(state, "expected", None)


@adapter(ICrontabSynchronisationEvent)
def synchronise_queue(event):
    """The crontab changed: the queue follows (after commit for outside queues).

    The audit trail records the change first, in the same transaction,
    whatever the queue answers."""
    audit.record_save(event.object, event.crontab)
    manager = queryMultiAdapter((event.object, event.crontab), ICrontabManager)
    if manager is None:
        return
    try:
        manager.synchronize(full=getattr(event, "full", False))
    except NoJobSystem as error:
        logger.error("%s", error)
    except ConflictError:
        raise
    except Exception as error:
        # The crontab change is kept: the workers' reconciler queues what
        # is missing once the queue answers again.
        logger.error(
            "collective.cron: the job queue did not answer (%s: %s); the "
            "crontab is saved and the reconciler will queue its jobs once "
            "the queue answers again",
            error.__class__.__name__,
            mask_secrets(error),
        )
