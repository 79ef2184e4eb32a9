# -*- coding: utf-8 -*-
"""A save synchronises the queue for what it changed, not for every cron.

At 10,000 crons, recomputing and re-checking every cron's job on each edit
took a minute (issue 11).  The registry manager records which crons a save
wrote or removed (``crontab.changed``) and the crontab manager handles only
those; the global switch and the 2.x migration still synchronise the whole
crontab, and the reconciler (every minute, every start) repairs the rest.

These tests run on the site's real job system (huey on SQLite on Python 3,
zc.async on Python 2.7) and commit, as jobs of outside queues appear only
then.
"""

from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICrontabManager
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from zope.component import getMultiAdapter

import datetime
import pytz
import transaction
import unittest

FAR = u"0 0 1 1 *"
MANY = 30


def pending_operations():
    """The huey operations queued for the commit: [(kind, uid or job id)]."""
    try:
        from collective.cron.engines.huey.queue import _after_commit
        from collective.cron.engines.huey.queue import Enqueue
        from collective.cron.engines.huey.queue import Revoke
    except ImportError:  # Python 2.7: zc.async works inside the transaction
        return None
    found = []
    for operation in _after_commit.pending():
        if isinstance(operation, Enqueue):
            found.append(("enqueue", operation.job["uid"]))
        elif isinstance(operation, Revoke):
            found.append(("revoke", operation.job_id))
    return found


class TestSynchroniseWhatChanged(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)
        crontab = Crontab.load(self.portal)
        for number in range(MANY):
            crontab.add_cron(
                Cron(
                    uid=u"many-%02d" % number,
                    name=u"collective.cron.test.ok",
                    periodicity=FAR,
                )
            )
        crontab.save()
        transaction.commit()

    def job_ids(self):
        """{uid: [job ids]} of the whole queue."""
        found = {}
        for job in self.queue.jobs():
            found.setdefault(job["uid"], []).append(job["id"])
        return found

    def test_every_cron_got_its_job_at_the_first_save(self):
        jobs = self.job_ids()
        self.assertEqual(len(jobs), MANY)
        self.assertTrue(all(len(ids) == 1 for ids in jobs.values()))

    def test_editing_one_cron_touches_only_its_queue_entry(self):
        before = self.job_ids()
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"many-07"]
        cron.periodicity = u"0 0 2 1 *"
        crontab.save_cron(cron)
        self.assertEqual(crontab.changed, [u"many-07"])
        operations = pending_operations()
        if operations is not None:
            # one revoke of its old job, one enqueue of its new one
            self.assertEqual(
                sorted(operations),
                [("enqueue", u"many-07"), ("revoke", before[u"many-07"][0])],
            )
        transaction.commit()
        after = self.job_ids()
        self.assertNotEqual(after.pop(u"many-07"), before.pop(u"many-07"))
        self.assertEqual(after, before)

    def test_a_whole_save_handles_the_crons_it_wrote_or_removed(self):
        before = self.job_ids()
        crontab = Crontab.load(self.portal)
        crontab.crons[u"many-03"].activated = False
        crontab.remove_cron(u"many-04")
        crontab.save()
        self.assertEqual(sorted(crontab.changed), [u"many-03", u"many-04"])
        operations = pending_operations()
        if operations is not None:
            self.assertEqual(
                sorted(operations),
                sorted(("revoke", before[uid][0]) for uid in (u"many-03", u"many-04")),
            )
        transaction.commit()
        after = self.job_ids()
        for uid in (u"many-03", u"many-04"):
            self.assertNotIn(uid, after)
            del before[uid]
        self.assertEqual(after, before)

    def test_a_cron_the_save_did_not_change_is_left_to_the_reconciler(self):
        # A job lost behind the crontab's back: an edit of another cron does
        # not look at it (that is the reconciler's work), a full one does.
        lost = self.job_ids()[u"many-11"][0]
        self.queue.remove_job(lost)
        transaction.commit()
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"many-12"]
        cron.description = u"edited"
        crontab.save_cron(cron)
        transaction.commit()
        self.assertNotIn(u"many-11", self.job_ids())
        manager = getMultiAdapter((self.portal, crontab), ICrontabManager)
        self.assertEqual(manager.synchronize(full=True), MANY)
        transaction.commit()
        self.assertEqual(len(self.job_ids()[u"many-11"]), 1)

    def test_the_global_switch_synchronises_every_cron(self):
        lost = self.job_ids()[u"many-20"][0]
        self.queue.remove_job(lost)
        transaction.commit()
        crontab = Crontab.load(self.portal)
        crontab.activated = False
        crontab.save()
        self.assertIsNone(crontab.changed)
        transaction.commit()
        self.assertEqual(self.job_ids(), {})
        crontab = Crontab.load(self.portal)
        crontab.activated = True
        crontab.save()
        self.assertIsNone(crontab.changed)
        transaction.commit()
        jobs = self.job_ids()
        self.assertEqual(len(jobs), MANY)
        self.assertEqual(len(jobs[u"many-20"]), 1)


class TestSaveKeepsADueJob(unittest.TestCase):
    """A save a moment after the minute keeps the job that just came due.

    The fault suite's conflict storm found it: an edit saved while a due
    job waited for a free worker revoked that job ("was revoked, not
    executing") because it was not the cron's next occurrence any more; the
    occurrence was then run late as a catch-up or logged as missed.  A due
    job of the current schedule is owed; one of an old schedule is not.
    """

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)
        self.start = datetime.datetime(2026, 7, 1, 10, 0, 30, tzinfo=pytz.utc)
        clock.freeze(self.start)
        self.addCleanup(clock.reset)
        cron = Cron(
            uid=u"minutely", name=u"collective.cron.test.ok", periodicity=u"* * * * *"
        )
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        self.addCleanup(self._remove)
        # 10:01:00.5: the 10:01 job is due; no worker took it yet.
        clock.freeze(self.start + datetime.timedelta(seconds=30, milliseconds=500))

    def _remove(self):
        transaction.abort()
        crontab = Crontab.load(self.portal)
        crontab.remove_cron(u"minutely")
        crontab.save()
        transaction.commit()

    def queued(self):
        return sorted(
            job["scheduled"].strftime("%H:%M") for job in self.queue.jobs(u"minutely")
        )

    def test_an_edit_keeps_the_due_job_and_queues_the_next(self):
        self.assertEqual(self.queued(), [u"10:01"])
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"minutely"]
        cron.description = u"edited after the minute"
        crontab.save_cron(cron)
        transaction.commit()
        self.assertEqual(self.queued(), [u"10:01", u"10:02"])

    def test_a_new_schedule_drops_the_due_job_of_the_old_one(self):
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"minutely"]
        cron.periodicity = u"*/5 * * * *"
        crontab.save_cron(cron)
        transaction.commit()
        self.assertEqual(self.queued(), [u"10:05"])
