# -*- coding: utf-8 -*-
"""Retries and overlap policies (issue 12) with a real zc.async worker
(Python 2.7: the huey ``TestWorker`` classes of test_retries.py and
test_overlap.py cover Python 3).

zc.async (through plone.app.async's 'default' quota) runs one job at a
time in a process: two jobs of one worker never overlap.  So the run that
is "still running" is claimed and run by the test's own thread, as a
second worker would, while the real zc.async worker takes the job that
comes due meanwhile.  On Python 3 zc.async does not import: this module
then holds no test (test_zcasync_engine.py counts that failure where CI
requires zc.async).
"""

from collective.cron import claim
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import overlap
from collective.cron import run
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.state import get_state
from collective.cron.tests.test_retries import FAILS
from collective.cron.tests.test_retries import flaky
from collective.cron.tests.test_retries import FLAKY
from collective.cron.tests.test_retries import RUNS
from collective.cron.tests.test_zcasync_engine import HAVE_ZCASYNC
from collective.cron.tests.test_zcasync_engine import utcnow
from zope.component import getMultiAdapter

import datetime
import time
import transaction
import unittest

if HAVE_ZCASYNC:
    from collective.cron.testing_zcasync import wait_for
    from collective.cron.testing_zcasync import ZCASYNC_INTEGRATION_TESTING
    from collective.cron.testing_zcasync import ZCASYNC_WORKER_FUNCTIONAL_TESTING
else:  # pragma: no cover - Python 3
    wait_for = None
    ZCASYNC_INTEGRATION_TESTING = ZCASYNC_WORKER_FUNCTIONAL_TESTING = None

# Never due during a test: jobs are queued by hand.
FAR = u"0 0 1 1 *"


class Helpers(object):
    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)
        flaky(self)  # test_retries' runner: fails FAILS[uid] times

    def add_cron(self, **kwargs):
        kwargs.setdefault("periodicity", FAR)
        kwargs.setdefault("name", FLAKY)
        cron = Cron(**kwargs)
        Crontab.load(self.portal).save_cron(cron)
        return cron

    def logs(self, cron, count):
        return wait_for(
            lambda: len(ILogStore(self.portal).logs(cron.uid)) >= count
            and ILogStore(self.portal).logs(cron.uid)
        )

    def settle(self, cron, seconds=2.5):
        """A run too many (a retry queued twice, say) would show by then."""
        time.sleep(seconds)
        transaction.begin()
        return ILogStore(self.portal).logs(cron.uid)


class TestRetryJobs(Helpers, unittest.TestCase):
    """A retry is a zc.async job of its own, with a stable id."""

    layer = ZCASYNC_INTEGRATION_TESTING

    def test_a_retry_job_is_queued_once_with_its_trigger(self):
        cron = self.add_cron(uid=u"r", attempts=3)
        manager = getMultiAdapter((self.portal, cron), ICronManager)
        scheduled = utcnow().replace(microsecond=0)
        when = scheduled + datetime.timedelta(seconds=60)
        first = manager.queue_retry(scheduled, 2, when)
        self.assertEqual(manager.queue_retry(scheduled, 2, when), first)
        third = manager.queue_retry(scheduled, 3, when)
        self.assertNotEqual(third, first)
        retried = [job for job in self.queue.jobs(u"r") if job["trigger"] != "schedule"]
        self.assertEqual(
            [(job["id"], job["trigger"], job["scheduled"]) for job in retried],
            [(first, u"retry:2", scheduled), (third, u"retry:3", scheduled)],
        )
        self.assertEqual(retried[0]["when"], when)


class TestWorkerRetries(Helpers, unittest.TestCase):
    """A real zc.async worker runs the attempts, on real time."""

    layer = ZCASYNC_WORKER_FUNCTIONAL_TESTING

    def queue_now(self, cron):
        scheduled = utcnow()
        self.queue.register_job(cron.uid, scheduled, trigger=u"schedule")
        transaction.commit()
        return clock.as_utc(scheduled)

    def test_three_attempts_the_last_succeeds(self):
        cron = self.add_cron(uid=u"good", attempts=3, retry_delay=1)
        FAILS[u"good"] = 2
        scheduled = self.queue_now(cron)
        logs = self.logs(cron, 3)
        self.assertEqual(
            [(log.status, log.trigger, log.messages[0]) for log in logs],
            [
                (models.FAILURE, u"schedule", u"Attempt 1/3"),
                (models.FAILURE, u"retry", u"Attempt 2/3"),
                (models.OK, u"retry", u"Attempt 3/3"),
            ],
        )
        self.assertEqual(set(log.scheduled for log in logs), set([scheduled]))
        # the doubling backoff, from 1 s (jitter 10 %; the worker polls)
        gaps = [(logs[i + 1].started - logs[i].date).total_seconds() for i in (0, 1)]
        self.assertTrue(0.8 <= gaps[0] and 1.7 <= gaps[1], gaps)
        logs = self.settle(cron)
        self.assertEqual((len(logs), RUNS[u"good"]), (3, 3))
        # The schedule did not move: its mark is the occurrence, no retry
        # job is left, the schedule's own job is still the next occurrence.
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.handled, scheduled)
        self.assertEqual(overlap.markers(state), [])
        jobs = self.queue.jobs(cron.uid)
        self.assertEqual(
            [(job["trigger"], job["scheduled"]) for job in jobs],
            [(u"schedule", cron.next)],
        )

    def test_two_attempts_both_fail(self):
        cron = self.add_cron(uid=u"bad", attempts=2, retry_delay=1)
        FAILS[u"bad"] = 10
        self.queue_now(cron)
        self.logs(cron, 2)
        logs = self.settle(cron)
        self.assertEqual(
            [(log.status, log.trigger, log.messages[0]) for log in logs],
            [
                (models.FAILURE, u"schedule", u"Attempt 1/2"),
                (models.FAILURE, u"retry", u"Attempt 2/2"),
            ],
        )
        # one retry job: queued by the first failure, none by the last
        self.assertTrue(any(u"Attempt 2/2 at" in m for m in logs[0].messages))
        self.assertFalse(any(u"Attempt 3" in m for m in logs[1].messages))
        self.assertEqual(RUNS[u"bad"], 2)
        self.assertEqual(
            [(job["trigger"], job["scheduled"]) for job in self.queue.jobs(cron.uid)],
            [(u"schedule", cron.next)],
        )


class TestWorkerOverlap(Helpers, unittest.TestCase):
    """The run in flight is the test thread's (another worker, in effect);
    the real zc.async worker takes the job that comes due meanwhile."""

    layer = ZCASYNC_WORKER_FUNCTIONAL_TESTING

    def start_elsewhere(self, cron):
        claimed = claim.claim_occurrence(
            self.portal, cron.uid, utcnow(), u"manual", u"elsewhere-1"
        )
        self.assertEqual(claimed["action"], "run")
        transaction.commit()
        return claimed

    def finish_elsewhere(self, cron, claimed):
        log = run.run_claimed(
            self.portal,
            cron.uid,
            claimed["scheduled"],
            claimed["trigger"],
            claimed["job_id"],
            key=claimed["key"],
        )
        transaction.commit()
        return log

    def run_now(self, cron):
        self.queue.register_job(cron.uid, utcnow(), trigger=u"manual")
        transaction.commit()

    def test_queue_one_starts_the_waiting_run_after(self):
        cron = self.add_cron(uid=u"q", overlap=u"queue_one")
        claimed = self.start_elsewhere(cron)
        self.run_now(cron)
        waiting = wait_for(
            lambda: getattr(get_state(self.portal, cron.uid), "queued", None)
        )
        self.assertEqual(waiting[0], u"manual")
        self.assertEqual(ILogStore(self.portal).logs(cron.uid), [])
        self.assertEqual(RUNS.get(u"q", 0), 0)  # it waits, it does not run
        first = self.finish_elsewhere(cron, claimed)
        logs = self.logs(cron, 2)
        logs = self.settle(cron)
        self.assertEqual(
            [(log.status, log.trigger) for log in logs],
            [(models.OK, u"manual"), (models.OK, u"queued")],
        )
        self.assertIn(u"Started when the previous run ended", logs[1].messages[0])
        self.assertGreaterEqual(logs[1].started, first.date)  # after, not beside
        self.assertEqual(RUNS[u"q"], 2)
        state = get_state(self.portal, cron.uid)
        self.assertIsNone(state.queued)
        self.assertEqual(overlap.markers(state), [])

    def test_queue_one_a_third_is_not_run(self):
        cron = self.add_cron(uid=u"q3", overlap=u"queue_one")
        claimed = self.start_elsewhere(cron)
        self.run_now(cron)
        wait_for(lambda: getattr(get_state(self.portal, cron.uid), "queued", None))
        self.run_now(cron)
        (notrun,) = self.logs(cron, 1)
        self.assertEqual(notrun.status, models.NOTRUN)
        self.assertIn(u"already waiting", notrun.messages[0])
        self.finish_elsewhere(cron, claimed)
        self.logs(cron, 3)
        logs = self.settle(cron)
        self.assertEqual(
            sorted((log.status, log.trigger) for log in logs),
            sorted(
                [
                    (models.NOTRUN, u"manual"),
                    (models.OK, u"manual"),
                    (models.OK, u"queued"),
                ]
            ),
        )
        self.assertEqual(RUNS[u"q3"], 2)

    def test_forbid_logs_the_second_not_run(self):
        cron = self.add_cron(uid=u"f")
        claimed = self.start_elsewhere(cron)
        self.run_now(cron)
        (notrun,) = self.logs(cron, 1)
        self.assertEqual((notrun.status, notrun.trigger), (models.NOTRUN, u"manual"))
        self.assertIn(u"still running", notrun.messages[0])
        self.finish_elsewhere(cron, claimed)
        self.assertEqual(RUNS[u"f"], 1)

    def test_allow_runs_beside_the_run_in_flight(self):
        cron = self.add_cron(uid=u"a", overlap=u"allow")
        claimed = self.start_elsewhere(cron)
        self.run_now(cron)
        (beside,) = self.logs(cron, 1)
        # the worker ran while the other run held its marker
        self.assertEqual((beside.status, beside.trigger), (models.OK, u"manual"))
        state = get_state(self.portal, cron.uid)
        self.assertEqual(
            [tuple(marker[2]) for marker in overlap.markers(state)], [claimed["key"]]
        )
        self.finish_elsewhere(cron, claimed)
        transaction.begin()
        self.assertEqual(overlap.markers(get_state(self.portal, cron.uid)), [])
        self.assertEqual(RUNS[u"a"], 2)


def test_suite():
    """Python 2.7 only (zc.async); on Python 3 the huey ``TestWorker``
    classes of test_retries.py and test_overlap.py run instead."""
    if not HAVE_ZCASYNC:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
