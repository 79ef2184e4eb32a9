# -*- coding: utf-8 -*-
"""The zc.async engine with a real zc.async dispatcher (Python 2.7 only).

On Python 3 zc.async does not import (it is a SyntaxError there): this
module then holds no test at all.  It must stay valid Python 3, so it never
names the zc.async packages in an import statement (``async`` is a keyword
there): what needs them is in ``collective.cron.testing_zcasync``.
"""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.interfaces import IServerRestartEvent
from zope.annotation.interfaces import IAnnotations
from zope.component import getGlobalSiteManager
from zope.component.hooks import setSite

import datetime
import importlib
import os
import pytz
import threading
import transaction
import unittest


def _zcasync_import_error():
    try:
        importlib.import_module("zc.async")
        importlib.import_module("plone.app.async")
    except (ImportError, SyntaxError) as error:
        return error
    return None


ZCASYNC_IMPORT_ERROR = _zcasync_import_error()
HAVE_ZCASYNC = ZCASYNC_IMPORT_ERROR is None

if HAVE_ZCASYNC:
    from collective.cron import testing_zcasync as helpers
    from collective.cron.engines import zcasync
    from collective.cron.state import get_state
    from collective.cron.state import instance_id
    from collective.cron.testing_zcasync import wait_for
    from collective.cron.testing_zcasync import ZCASYNC_FUNCTIONAL_TESTING
    from collective.cron.testing_zcasync import ZCASYNC_INTEGRATION_TESTING
    from collective.cron.testing_zcasync import ZCASYNC_WORKER_FUNCTIONAL_TESTING
else:  # pragma: no cover - Python 3
    base = helpers = zcasync = wait_for = None
    ZCASYNC_FUNCTIONAL_TESTING = ZCASYNC_INTEGRATION_TESTING = None
    ZCASYNC_WORKER_FUNCTIONAL_TESTING = None


# A periodicity that never comes due during a test: jobs are queued by hand.
FAR = u"0 0 1 1 *"
RUNS_KEY = "collective.cron.test.runs"
CALLS_KEY = "collective.cron.test.zcasync-calls"


def utcnow():
    return datetime.datetime.now(pytz.utc)


def in_seconds(seconds):
    return utcnow() + datetime.timedelta(seconds=seconds)


# Job functions of the tests: queued by reference, so module-level.


def record_call(site, token):
    """Remember in the site that a job ran (committed by plone.app.async)."""
    annotations = IAnnotations(site)
    annotations[CALLS_KEY] = tuple(annotations.get(CALLS_KEY, ())) + (token,)


def fail_on_purpose(site, token):
    raise ValueError("this job fails on purpose (%s)" % token)


class Helpers(object):
    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)

    def add_cron(self, **kwargs):
        kwargs.setdefault("periodicity", FAR)
        kwargs.setdefault("name", u"collective.cron.test.record")
        cron = Cron(**kwargs)
        Crontab.load(self.portal).save_cron(cron)
        return cron

    def runs(self):
        return list(IAnnotations(self.portal).get(RUNS_KEY, []))

    def calls(self):
        return list(IAnnotations(self.portal).get(CALLS_KEY, ()))

    def queue_call(self, func, when, *args):
        """Queue a test function the way cron jobs are queued."""
        manager = zcasync.ZCAsyncQueueManager(self.portal)
        job = manager._queue_call(manager.queue, when, func, *args)
        return zcasync.job_id_of(job)


class TestQueueManager(Helpers, unittest.TestCase):
    """Queueing, listing and removing (nothing runs: rolled back)."""

    layer = ZCASYNC_INTEGRATION_TESTING

    def test_engine_is_zcasync(self):
        self.assertIsInstance(self.queue, zcasync.ZCAsyncQueueManager)
        state = self.queue.state()
        self.assertEqual(state["engine"], "zcasync")
        self.assertTrue(state["reachable"])
        self.assertFalse(state["worker"])
        self.assertIn("zc.async queue", state["queue"])
        self.assertIn("no zc.async worker", state["error"])

    def test_register_lists_and_filters(self):
        first = self.queue.register_job(u"uid-a", in_seconds(60))
        second = self.queue.register_job(u"uid-b", in_seconds(30), trigger=u"manual")
        third = self.queue.register_job(
            u"uid-a", in_seconds(90), scheduled=in_seconds(-3600)
        )
        jobs = self.queue.jobs()
        self.assertEqual([job["id"] for job in jobs], [second, first, third])
        self.assertEqual(
            sorted(jobs[0].keys()),
            ["id", "scheduled", "status", "trigger", "uid", "when"],
        )
        self.assertEqual(set(job["status"] for job in jobs), set(["pending"]))
        self.assertEqual(jobs[0]["trigger"], u"manual")
        self.assertEqual(jobs[1]["when"], jobs[1]["scheduled"])
        self.assertLess(jobs[2]["scheduled"], jobs[2]["when"])
        self.assertEqual(jobs[2]["when"].utcoffset(), datetime.timedelta(0))
        self.assertEqual(
            [job["id"] for job in self.queue.jobs(u"uid-a")], [first, third]
        )
        self.assertEqual(self.queue.jobs(u"uid-c"), [])
        self.assertEqual(self.queue.job_status(first), "pending")

    def test_when_is_kept_to_the_microsecond_in_utc(self):
        paris = pytz.timezone("Europe/Paris")
        when = paris.localize(datetime.datetime(2031, 6, 1, 12, 0, 0, 123456))
        self.queue.register_job(u"uid-a", when)
        (job,) = self.queue.jobs()
        self.assertEqual(job["when"], when)
        self.assertEqual(job["when"].tzinfo, pytz.utc)

    def test_remove_job_and_remove_jobs(self):
        first = self.queue.register_job(u"uid-a", in_seconds(60))
        second = self.queue.register_job(u"uid-a", in_seconds(70))
        other = self.queue.register_job(u"uid-b", in_seconds(80))
        self.assertTrue(self.queue.remove_job(first))
        self.assertIsNone(self.queue.job_status(first))
        self.assertFalse(self.queue.remove_job(first))
        self.assertFalse(self.queue.remove_job(u"not-a-job"))
        self.assertFalse(self.queue.remove_job(u"999999999"))
        self.assertEqual([job["id"] for job in self.queue.jobs()], [second, other])
        self.assertEqual(self.queue.remove_jobs(u"uid-b"), 1)
        self.assertEqual([job["id"] for job in self.queue.jobs()], [second])

    def test_jobs_of_another_site_are_left_alone(self):
        from Products.CMFPlone.factory import addPloneSite

        other = addPloneSite(self.layer["app"], "other", setup_content=False)
        setSite(self.portal)
        theirs = IQueueManager(other).register_job(u"uid-a", in_seconds(60))
        mine = self.queue.register_job(u"uid-a", in_seconds(60))
        # and a plain plone.app.async job
        helpers.queue_plain_job(self.portal, in_seconds(60), record_call, u"x")
        self.assertEqual(len(self.queue.queue), 3)
        self.assertEqual([job["id"] for job in self.queue.jobs()], [mine])
        self.assertIsNone(self.queue.job_status(theirs))
        self.assertFalse(self.queue.remove_job(theirs))
        self.assertEqual(self.queue.remove_jobs(u"uid-a"), 1)
        self.assertEqual(len(self.queue.queue), 2)
        self.assertEqual([job["id"] for job in IQueueManager(other).jobs()], [theirs])
        self.assertEqual(IQueueManager(other).job_status(theirs), "pending")
        # the job of the other site runs in the other site
        job = IQueueManager(other)._job(theirs)
        self.assertEqual(job.args[:2], [("", "other"), ("", "other")])

    def test_jobs_carry_plain_data_only(self):
        job_id = self.queue.register_job(u"uid-a", in_seconds(60), trigger=u"manual")
        job = self.queue._job(job_id)
        # plone.app.async's runner: paths, no user, our function, plain data.
        self.assertEqual(
            list(job.args),
            [
                ("", "plone"),
                ("", "plone"),
                (),
                None,
                zcasync.run_queued_job,
                u"uid-a",
                job.annotations[zcasync.ANNOTATION]["scheduled"],
                u"manual",
            ],
        )
        self.assertEqual(job.annotations[zcasync.ANNOTATION]["site"], "/plone")

    def test_marker(self):
        self.assertEqual(zcasync.marked_sites(self.queue.queue), [])
        self.assertTrue(self.queue.mark_site())
        self.assertFalse(self.queue.mark_site(True))
        self.assertEqual(zcasync.marked_sites(self.queue.queue), ["/plone"])
        self.assertTrue(self.queue.mark_site(False))
        self.assertEqual(zcasync.marked_sites(self.queue.queue), [])

    def test_transactions_manager_installed(self):
        import Zope2

        manager = Zope2.zpublisher_transactions_manager
        self.assertIsInstance(manager, zcasync.TransactionsManager)
        self.assertIs(zcasync.install_transactions_manager(), manager)


class TestWorker(Helpers, unittest.TestCase):
    """A real zc.async dispatcher runs the jobs, in another thread."""

    layer = ZCASYNC_WORKER_FUNCTIONAL_TESTING

    def finished(self, job_id):
        return self.queue.job_status(job_id) == "finished"

    def test_state_with_a_worker(self):
        state = self.queue.state()
        self.assertTrue(state["worker"])
        self.assertTrue(state["reachable"])
        self.assertIsNone(state["error"])
        self.assertIsNotNone(state["heartbeat"])
        self.assertTrue(self.queue.is_alive(instance_id()))
        self.assertIsNone(self.queue.is_alive(u"elsewhere:1"))

    def test_job_due_in_two_seconds_runs_once(self):
        cron = self.add_cron(environ={u"k": u"v"})
        when = in_seconds(2)
        job_id = self.queue.register_job(cron.uid, when)
        transaction.commit()
        self.assertEqual(self.queue.job_status(job_id), "pending")
        self.assertTrue(wait_for(lambda: self.finished(job_id)))
        self.assertEqual(self.runs(), [(cron.uid, {u"k": u"v"})])
        self.assertGreaterEqual(self.queue._job(job_id).active_start, when)
        self.assertNotIn(job_id, [job["id"] for job in self.queue.jobs()])
        (log,) = ILogStore(self.portal).logs(cron.uid)
        self.assertEqual(log.messages, [u"recorded"])
        self.assertEqual(log.scheduled, when)
        # the same occurrence queued again does not run again
        again = self.queue.register_job(cron.uid, when)
        transaction.commit()
        self.assertTrue(wait_for(lambda: self.finished(again)))
        self.assertEqual(len(self.runs()), 1)

    def test_removed_job_does_not_run(self):
        cron = self.add_cron()
        transaction.commit()
        removed = self.queue.register_job(cron.uid, in_seconds(1))
        sentinel = self.queue_call(record_call, in_seconds(1.5), u"sentinel")
        transaction.commit()
        self.assertTrue(self.queue.remove_job(removed))
        transaction.commit()
        # Jobs are claimed in order of begin_after, one at a time: once the
        # sentinel ran, the removed job would have run too.
        self.assertTrue(wait_for(lambda: self.call_finished(sentinel)))
        self.assertEqual(self.calls(), [u"sentinel"])
        self.assertEqual(self.runs(), [])
        self.assertIsNone(self.queue.job_status(removed))

    def test_failing_job_does_not_stall_the_next_ones(self):
        from zc.twist import Failure

        failing = self.queue_call(fail_on_purpose, in_seconds(0), u"1")
        after = [
            self.queue_call(record_call, in_seconds(0.1 * n), u"%d" % n) for n in (1, 2)
        ]
        transaction.commit()
        self.assertTrue(wait_for(lambda: all(self.call_finished(i) for i in after)))
        self.assertEqual(self.calls(), [u"1", u"2"])
        job = self.queue_object(failing)
        self.assertIsInstance(job.result, Failure)
        self.assertIn("fails on purpose", job.result.getErrorMessage())
        # and later failures do not either (unpickling stored failures works)
        again = self.queue_call(fail_on_purpose, in_seconds(0), u"2")
        last = self.queue_call(record_call, in_seconds(0.1), u"3")
        transaction.commit()
        self.assertTrue(wait_for(lambda: self.call_finished(last)))
        self.assertIsInstance(self.queue_object(again).result, Failure)

    def queue_object(self, job_id):
        return helpers.job_object(self.portal, job_id)

    def call_finished(self, job_id):
        return helpers.job_completed(self.portal, job_id)


class TestStartUp(Helpers, unittest.TestCase):
    """A worker that starts restores the queue of every marked site."""

    layer = ZCASYNC_FUNCTIONAL_TESTING

    def test_marked_sites_get_a_server_restart_event(self):
        seen = []

        def record(event):
            seen.append(
                (
                    "/".join(event.object.getPhysicalPath()),
                    threading.current_thread().name,
                )
            )

        gsm = getGlobalSiteManager()
        gsm.registerHandler(record, (IServerRestartEvent,))
        try:
            self.assertTrue(self.queue.mark_site())
            transaction.commit()
            self.assertEqual(zcasync.marked_sites(self.queue.queue), ["/plone"])
            self.layer.start_worker()
            self.assertEqual(zcasync.wait_for_restarts(), [])
            self.assertEqual(seen, [("/plone", "collective.cron restart")])
            # the worker registered this process as one of its instances
            transaction.begin()
            self.assertTrue(self.queue.is_alive(instance_id()))
            self.assertEqual(self.queue.state()["worker"], True)
            # an unmarked site is not restored
            self.layer.stop_worker()
            self.assertTrue(self.queue.mark_site(False))
            transaction.commit()
            del seen[:]
            self.layer.start_worker()
            self.assertEqual(zcasync.wait_for_restarts(), [])
            self.assertEqual(seen, [])
        finally:
            gsm.unregisterHandler(record, (IServerRestartEvent,))

    def test_restart_restores_the_crons(self):
        cron = self.add_cron(periodicity=u"*/5 * * * *")
        transaction.commit()
        self.assertEqual(zcasync.marked_sites(self.queue.queue), ["/plone"])
        # the queue lost the job (a database restored from a backup, say)
        self.assertEqual(self.queue.remove_jobs(cron.uid), 1)
        transaction.commit()
        self.layer.start_worker()
        self.assertEqual(zcasync.wait_for_restarts(), [])
        transaction.begin()
        jobs = self.queue.jobs(cron.uid)
        self.assertEqual([job["scheduled"] for job in jobs], [cron.next])

    def test_reconciler_queues_what_was_lost(self):
        cron = self.add_cron(periodicity=u"*/5 * * * *")
        transaction.commit()
        self.layer.start_worker()
        self.assertEqual(zcasync.wait_for_restarts(), [])
        # the reconciler of the worker runs every minute; a quicker one here
        zcasync.stop_reconciler()
        self.assertEqual(zcasync.wait_for_restarts(), [])
        zcasync.start_reconciler(interval=0.2)
        transaction.begin()
        self.assertEqual(self.queue.remove_jobs(cron.uid), 1)
        transaction.commit()
        jobs = wait_for(lambda: self.queue.jobs(cron.uid))
        self.assertEqual([job["scheduled"] for job in jobs], [cron.next])


class TestModulesImport(unittest.TestCase):
    """Every module of the engine imports on any Python, zc.async or not
    (it is imported on first use only), so Python 3 linters read them."""

    def test_every_module_imports(self):
        import collective.cron.engines.zcasync as package
        import pkgutil

        names = [name for _, name, _ in pkgutil.iter_modules(package.__path__)]
        self.assertIn("queue", names)
        for name in names:
            module = importlib.import_module(package.__name__ + "." + name)
            self.assertTrue(module.__doc__, name)
        self.assertTrue(callable(package.run_queued_job))

    def test_jobs_name_their_function_by_a_lasting_path(self):
        import collective.cron.engines.zcasync as package
        import pickle

        data = pickle.dumps(package.run_queued_job, 0)
        self.assertIn(b"collective.cron.engines.zcasync\nrun_queued_job\n", data)


class ZCAsyncRequired(object):
    """Only in the suite when zc.async is required but does not import (a
    mixin, so that the loader of the full suite never picks it up)."""

    def test_zcasync_imports(self):
        self.fail(
            "COLLECTIVE_CRON_REQUIRE_ZCASYNC=1 but zc.async does not import, "
            "so every zc.async test would be lost: %r" % (ZCASYNC_IMPORT_ERROR,)
        )


def test_suite():
    """Without zc.async only the import tests run; where CI requires zc.async
    (COLLECTIVE_CRON_REQUIRE_ZCASYNC=1, the Python 2.7 envs of
    scripts/test-all.sh) its import failure is a counted failure."""
    if not HAVE_ZCASYNC:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(TestModulesImport)
        if os.environ.get("COLLECTIVE_CRON_REQUIRE_ZCASYNC") == "1":
            required = type(
                "TestZCAsyncRequired", (ZCAsyncRequired, unittest.TestCase), {}
            )
            suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(required))
        return suite
    return unittest.defaultTestLoader.loadTestsFromName(__name__)


from collective.cron.tests.engine_tests import EngineTests  # noqa: E402


@unittest.skipUnless(HAVE_ZCASYNC, "zc.async runs on Python 2.7")
class TestZCAsyncEngineBehaviour(EngineTests, unittest.TestCase):
    """The behaviour every engine shows (tests/engine_tests.py), on zc.async
    with a real dispatcher."""

    layer = ZCASYNC_FUNCTIONAL_TESTING
    engine_name = "zcasync"

    def start_worker(self):
        transaction.commit()
        return self.layer.start_worker(poll_interval=0.2)

    def flush_queue(self):
        queue = zcasync.get_queue(self.portal)
        for job in list(queue):
            queue.remove(job)
        transaction.commit()

    def test_engine_state(self):
        self.start_worker()
        state = self.queue.state()
        self.assertEqual(state["engine"], "zcasync")
        self.assertTrue(state["reachable"])
        self.assertTrue(state["worker"])
        self.assertIsNone(state["error"])

    def test_overlap_is_logged_not_run(self):
        """A run of this very process is in flight: the next is not run.

        (zc.async knows only the workers that registered, so the part of the
        shared test about an unknown worker taken for dead does not apply.)
        """
        cron = self.add_cron(periodicity=u"* * * * *")
        state = get_state(self.portal, cron.uid)
        state.running = (instance_id(), utcnow(), (u"schedule", u"x", u"job-x"))
        transaction.commit()
        self.start_worker()
        self.queue_in(cron, 0, trigger=u"manual")
        logs = wait_for(lambda: ILogStore(self.portal).logs(cron.uid))
        self.assertEqual(logs[-1].status, 3)
        self.assertIn(u"still running", logs[-1].messages[0])
