# -*- coding: utf-8 -*-
"""Trustworthy runs (issue 10, points 2, 3, 4 and 12) on the layer's real ZODB.

* A save of the crontab, committed from another thread (its own connection
  and transaction, as a web request) while a run's transaction is open,
  never makes that run conflict; a conflict of the run's bookkeeping is
  retried without running the runner again; a conflict of the runner's
  own ZODB writes runs it again and the log says so.
* A run whose worker died is logged as interrupted when its marker is
  released, then run again.
* Log labels are exact; a new schedule owes nothing of the old one.
* Uninstall leaves no job, mark, state or log behind.

The clock is frozen (``collective.cron.clock``); conflicts are real ones
between two connections.
"""

from collective.cron import claim
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import jobrunner
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Runner
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.logstore import ANNOTATION_KEY
from collective.cron.reconciler import reconcile_site
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.state import PROCESS_STARTED
from collective.cron.state import STATE_KEY
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.testing import zcasync_available
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import EVERY_5
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.frozen import START
from persistent import Persistent
from plone.app.testing import applyProfile
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import datetime
import threading
import transaction
import unittest

HOURLY = u"0 * * * *"
COUNTER = "collective.cron.test.counter"

# With zc.async (Python 2.7) the queue lives in the ZODB: the run's
# transaction (which queues the next job) and a save (which queues the new
# crons' jobs) both write it, and may conflict, depending on where zc.async's
# queue keeps the two jobs; the run is then retried on its bookkeeping only
# (the runner runs once) and its log says so.  Known, to be fixed in the
# zcasync engine: there the one accepted difference is that note.
QUEUE_IN_THE_ZODB = zcasync_available()


# What the test runners do; set by each test.
CALLS = []
DURING = {}


class Counter(Persistent):
    """No conflict resolution: two writers of one always conflict."""

    value = 0


class ExternalRunner(Runner):
    """Effects outside the ZODB only; lets a test act while it runs."""

    def run(self):
        CALLS.append(self.cron.uid)
        action = DURING.pop("action", None)
        if action is not None:
            action()


class WritingRunner(Runner):
    """Changes a ZODB object (the counter); lets a test act while it runs."""

    def run(self):
        CALLS.append(self.cron.uid)
        IAnnotations(self.context)[COUNTER].value += 1
        action = DURING.pop("action", None)
        if action is not None:
            action()


class TestRunsAndSaves(unittest.TestCase):
    """execute_job as the engines call it, with a save committed meanwhile."""

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.db = self.layer["zodbDB"]
        self.path = u"/".join(self.portal.getPhysicalPath())
        clock.freeze(START)
        self.addCleanup(clock.reset)
        del CALLS[:]
        DURING.clear()
        self.addCleanup(DURING.clear)
        register_runner(self, ExternalRunner, u"collective.cron.test.external")
        register_runner(self, WritingRunner, u"collective.cron.test.writing")
        IAnnotations(self.portal)[COUNTER] = Counter()
        self.cron = Cron(
            name=u"collective.cron.test.external", periodicity=EVERY_5, timezone=u"UTC"
        )
        self.edited = Cron(
            name=u"collective.cron.test.ok", periodicity=EVERY_5, timezone=u"UTC"
        )
        self.deleted = Cron(
            name=u"collective.cron.test.ok", periodicity=EVERY_5, timezone=u"UTC"
        )
        crontab = Crontab.load(self.portal)
        for cron in (self.cron, self.edited, self.deleted):
            crontab.add_cron(cron)
        crontab.save()
        transaction.commit()

    def elsewhere(self, change):
        """``change(site)`` committed by another thread, as a web request would."""
        errors = []

        def work():
            connection = self.db.open()
            try:
                transaction.begin()
                app = connection.root()["Application"]
                site = app.unrestrictedTraverse(self.path.strip("/").split("/"))
                setSite(site)
                change(site)
                transaction.commit()
            except BaseException as error:  # noqa: reported in the test's thread
                transaction.abort()
                errors.append(error)
            finally:
                setSite(None)
                connection.close()

        site = getSite()
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(60)
        setSite(site)
        if errors:
            raise errors[0]

    def save_other_crons(self, site):
        crontab = Crontab.load(site)
        crontab.add_cron(
            Cron(name=u"collective.cron.test.ok", periodicity=HOURLY, timezone=u"UTC")
        )
        crontab.crons[self.edited.uid].periodicity = HOURLY
        crontab.remove_cron(self.deleted.uid)
        crontab.save()

    def execute(self, cron, scheduled, job_id=u"job-1"):
        log = jobrunner.execute_job(
            self.db, self.path, cron.uid, clock.to_iso(scheduled), u"schedule", job_id
        )
        transaction.begin()  # see what the job committed
        setSite(self.portal)  # the job closed its site
        return log

    def test_saving_other_crons_never_makes_a_run_conflict(self):
        DURING["action"] = lambda: self.elsewhere(self.save_other_crons)
        clock.advance(minutes=5)
        log = self.execute(self.cron, at(5))
        self.assertEqual(CALLS, [self.cron.uid])
        self.assertEqual(log.status, models.OK)
        self.assertNoRetryUnlessQueueInTheZODB(log.messages)
        # the save was committed too
        crons = Crontab.load(self.portal).crons
        self.assertEqual(len(crons), 3)
        self.assertNotIn(self.deleted.uid, crons)
        self.assertEqual(crons[self.edited.uid].periodicity, HOURLY)
        state = get_state(self.portal, self.cron.uid)
        self.assertEqual(
            (state.handled, state.expected, state.running), (at(5), at(10), None)
        )
        [stored] = ILogStore(self.portal).logs(self.cron.uid)
        self.assertEqual(stored.messages, log.messages)

    def test_saving_other_crons_before_the_first_log_of_a_run(self):
        # the run's first log creates nothing shared (the claim made its book)
        self.assertEqual(ILogStore(self.portal).count(self.cron.uid), 0)
        DURING["action"] = lambda: self.elsewhere(self.save_other_crons)
        clock.advance(minutes=5)
        log = self.execute(self.cron, at(5))
        self.assertNoRetryUnlessQueueInTheZODB(log.messages)
        self.assertEqual(CALLS, [self.cron.uid])

    def assertNoRetryUnlessQueueInTheZODB(self, messages):
        """No note on huey; on zc.async at most the one bookkeeping retry
        note (the runner itself ran once: the callers check CALLS)."""
        if QUEUE_IN_THE_ZODB and messages:
            [note] = messages
            self.assertTrue(
                note.startswith(u"Retried after a conflict (attempt 2)"), note
            )
        else:
            self.assertEqual(messages, [])

    def test_a_conflict_of_the_bookkeeping_retries_it_without_running_again(self):
        # While the run goes, another worker claims the next occurrence of the
        # same cron: it writes a NOTRUN log and the mark (the run's own objects).
        def overlap(site):
            claimed = claim.claim_occurrence(
                site, self.cron.uid, at(10), u"schedule", u"job-2", now=at(10)
            )
            self.assertEqual(claimed["action"], "logged")

        DURING["action"] = lambda: self.elsewhere(overlap)
        clock.advance(minutes=5)
        log = self.execute(self.cron, at(5))
        self.assertEqual(CALLS, [self.cron.uid])  # the runner ran once
        self.assertEqual(log.status, models.OK)
        self.assertEqual(len(log.messages), 1)
        self.assertIn(u"Retried after a conflict (attempt 2)", log.messages[0])
        self.assertIn(u"the job ran once", log.messages[0])
        logs = ILogStore(self.portal).logs(self.cron.uid)
        self.assertEqual(
            [(entry.status, entry.scheduled) for entry in logs],
            [(models.NOTRUN, at(10)), (models.OK, at(5))],
        )
        state = get_state(self.portal, self.cron.uid)
        self.assertEqual((state.handled, state.running), (at(10), None))

    def test_a_conflict_of_the_runner_own_writes_runs_it_again_and_says_so(self):
        cron = Cron(
            name=u"collective.cron.test.writing", periodicity=EVERY_5, timezone=u"UTC"
        )
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()

        def add_100(site):
            IAnnotations(site)[COUNTER].value += 100

        DURING["action"] = lambda: self.elsewhere(add_100)
        clock.advance(minutes=5)
        log = self.execute(cron, at(5))
        self.assertEqual(CALLS, [cron.uid, cron.uid])  # its writes had to be redone
        self.assertEqual(IAnnotations(self.portal)[COUNTER].value, 101)
        self.assertEqual(log.status, models.OK)
        self.assertIn(u"Retried after a conflict (attempt 2)", log.messages[0])
        self.assertIn(u"ran again (2 runs)", log.messages[0])
        self.assertEqual(len(ILogStore(self.portal).logs(cron.uid)), 1)


class RunsTestCase(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    runner = u"collective.cron.test.ok"

    def edit(self, cron, **changes):
        crontab = Crontab.load(self.portal)
        edited = crontab.crons[cron.uid]
        for name, value in changes.items():
            setattr(edited, name, value)
        crontab.save()
        return edited


class TestInterrupted(RunsTestCase):
    """A marker of a dead worker: the reconciler logs the lost attempt."""

    # A marker naming this host and pid, older than this process: left by
    # the worker that ran here before a SIGKILL and a restart.  Every engine
    # takes it for dead (no heartbeat needed).
    DEAD = instance_id()
    STARTED = PROCESS_STARTED - datetime.timedelta(minutes=1)

    def plant_dead_marker(self, cron, trigger=u"schedule", job_id=u"job-lost"):
        state = get_state(self.portal, cron.uid)
        state.running = (
            self.DEAD,
            self.STARTED,
            (trigger, clock.to_iso(at(5)), job_id),
        )
        return state

    def test_the_reconciler_logs_the_interrupted_attempt_then_it_runs_again(self):
        cron = self.add_cron()
        self.plant_dead_marker(cron)
        clock.advance(minutes=7)
        queue = IQueueManager(self.portal)
        reconcile_site(self.portal, queue)
        state = get_state(self.portal, cron.uid)
        self.assertIsNone(state.running)
        [log] = self.logs(cron)
        self.assertEqual(log.status, models.WARN)
        self.assertEqual(log.instance, self.DEAD)
        self.assertEqual(log.scheduled, at(5))
        self.assertEqual(log.started, clock.as_utc(self.STARTED))
        self.assertEqual(log.date, at(7))
        self.assertEqual(
            log.messages,
            [
                u"Interrupted: the worker %s stopped during the run started at %s; "
                u"it will be run again" % (self.DEAD, clock.to_iso(self.STARTED))
            ],
        )
        # the occurrence is queued again, and its run is logged as usual
        self.assertIn(at(5), [job["scheduled"] for job in queue.jobs(cron.uid)])
        claimed = self.claim(cron, at(5), job_id=u"job-again")
        self.assertEqual((claimed["action"], claimed["scheduled"]), ("run", at(5)))
        rerun = self.run_claimed(cron, claimed)
        self.assertEqual((rerun.status, rerun.instance), (models.OK, instance_id()))
        self.assertEqual(
            [entry.status for entry in self.logs(cron)], [models.WARN, models.OK]
        )

    def test_a_claim_that_finds_the_dead_marker_first_logs_it_once(self):
        cron = self.add_cron()
        self.plant_dead_marker(cron)
        clock.advance(minutes=10)
        claimed = self.claim(cron, at(5), job_id=u"job-again")
        self.assertEqual(claimed["action"], "run")
        reconcile_site(self.portal, IQueueManager(self.portal))
        interrupted = [
            entry for entry in self.logs(cron) if entry.status == models.WARN
        ]
        self.assertEqual(len(interrupted), 1)
        self.assertIn(self.DEAD, interrupted[0].messages[0])

    def test_an_interrupted_manual_run_says_it_is_not_run_again(self):
        cron = self.add_cron()
        self.plant_dead_marker(cron, trigger=u"manual")
        clock.advance(minutes=7)
        reconcile_site(self.portal, IQueueManager(self.portal))
        [log] = self.logs(cron)
        self.assertEqual(log.trigger, u"manual")
        self.assertIn(u"a manual run is not run again", log.messages[0])

    def test_a_live_marker_is_left_alone(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        self.claim(cron, at(5))
        reconcile_site(self.portal, IQueueManager(self.portal))
        self.assertEqual(self.logs(cron), [])
        self.assertIsNotNone(get_state(self.portal, cron.uid).running)


class TestLabels(RunsTestCase):

    def test_after_a_still_running_notrun_the_next_on_time_run_is_scheduled(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        first = self.claim(cron, at(5))
        clock.advance(minutes=5)
        self.assertEqual(self.claim(cron, at(10))["action"], "logged")
        clock.advance(minutes=2)
        self.run_claimed(cron, first)
        clock.advance(minutes=3)
        claimed = self.claim(cron, at(15))
        self.assertEqual(
            (claimed["scheduled"], claimed["trigger"]), (at(15), u"schedule")
        )
        self.assertEqual(
            [entry.status for entry in self.logs(cron)], [models.NOTRUN, models.OK]
        )

    def test_missed_occurrences_still_make_a_catch_up(self):
        cron = self.add_cron()
        clock.advance(minutes=15)
        claimed = self.claim(cron, at(15))
        self.assertEqual(claimed["trigger"], u"catch-up")

    def test_a_new_periodicity_owes_nothing_of_the_old_schedule(self):
        cron = self.add_cron(periodicity=HOURLY)
        clock.advance(minutes=30)
        self.edit(cron, periodicity=EVERY_5)
        state = get_state(self.portal, cron.uid)
        self.assertEqual((state.handled, state.expected), (at(30), at(35)))
        clock.advance(minutes=5)
        claimed = self.claim(cron, at(35))
        self.assertEqual((claimed["action"], claimed["trigger"]), ("run", u"schedule"))
        self.assertEqual(self.logs(cron), [])

    def test_a_new_timezone_owes_nothing_of_the_old_schedule(self):
        cron = self.add_cron(periodicity=HOURLY)
        clock.advance(minutes=30)
        # hourly in Kolkata (UTC+5:30) is at half past in UTC
        self.edit(cron, timezone=u"Asia/Kolkata")
        self.assertEqual(get_state(self.portal, cron.uid).expected, at(90))
        clock.advance(minutes=60)
        claimed = self.claim(cron, at(90))
        self.assertEqual((claimed["action"], claimed["trigger"]), ("run", u"schedule"))
        self.assertEqual(self.logs(cron), [])

    def test_saving_an_unchanged_cron_writes_no_state(self):
        cron = self.add_cron()
        other = self.add_cron()
        transaction.savepoint()
        state = get_state(self.portal, cron.uid)
        state._p_changed = False  # as if committed: see what a save marks
        self.assertFalse(state._p_changed)
        # past an occurrence: the next one is not what the state expects
        clock.advance(minutes=6)
        self.edit(other, periodicity=HOURLY)
        self.assertFalse(get_state(self.portal, cron.uid)._p_changed)
        self.assertTrue(get_state(self.portal, other.uid)._p_changed)


class TestUninstall(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.path = u"/".join(self.portal.getPhysicalPath())

    def marked_sites(self, queue):
        if queue.engine == "huey":
            from collective.cron.engines.huey import get_huey
            from collective.cron.engines.huey import marked_sites

            return marked_sites(get_huey())
        from collective.cron.engines.zcasync import get_queue
        from collective.cron.engines.zcasync import marked_sites

        return marked_sites(get_queue(self.portal, create=False))

    def test_uninstall_removes_jobs_marks_states_and_logs(self):
        from collective.cron.cronmanager import CronManager

        cron = Cron(
            name=u"collective.cron.test.ok", periodicity=EVERY_5, timezone=u"UTC"
        )
        Crontab.load(self.portal).save_cron(cron)
        CronManager(self.portal, cron).run_now()
        ILogStore(self.portal).append(cron.uid, models.Log(status=models.OK))
        transaction.commit()
        queue = IQueueManager(self.portal)
        self.assertEqual(len(queue.jobs()), 2)
        self.assertIn(self.path, self.marked_sites(queue))
        self.assertIn(STATE_KEY, IAnnotations(self.portal))
        self.assertIn(ANNOTATION_KEY, IAnnotations(self.portal))

        applyProfile(self.portal, "collective.cron:uninstall")
        transaction.commit()

        self.assertEqual(IQueueManager(self.portal).jobs(), [])
        self.assertNotIn(self.path, self.marked_sites(queue))
        annotations = IAnnotations(self.portal)
        self.assertNotIn(STATE_KEY, annotations)
        self.assertNotIn(ANNOTATION_KEY, annotations)
        self.assertEqual(
            [key for key in annotations.keys() if key.startswith("collective.cron")], []
        )
