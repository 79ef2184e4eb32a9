# -*- coding: utf-8 -*-
"""*Overlap policy* (issue 12): forbid, queue one, allow.

The claim's rules are driven by hand on the layers' real ZODB and queue
with the clock frozen (``TestClaim``); a real huey worker on SQLite with
two threads runs jobs side by side on real time (``TestWorker``).
"""

from collective.cron import claim
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import exportimport
from collective.cron import overlap
from collective.cron import run
from collective.cron.compat import PY2
from collective.cron.crontab import Cron
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import Runner
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.state import get_state
from collective.cron.state import UNKNOWN_WORKER_TIMEOUT
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.testing import start_test_worker
from collective.cron.testing import wait_for
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.test_dashboard_forms import FormTestCase
from collective.cron.tests.test_restapi import RestApiMixin
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

import datetime
import json
import pytz
import threading
import time
import transaction
import unittest

SLEEPY = u"collective.cron.test.sleepy"
SPANS = []
_lock = threading.Lock()


class SleepyRunner(Runner):
    """Takes 1.5 s of real time; remembers when it ran."""

    def run(self):
        started = time.time()
        time.sleep(1.5)
        with _lock:
            SPANS.append((started, time.time()))


class TestModel(unittest.TestCase):
    def test_values(self):
        self.assertEqual(Cron(name=u"x", periodicity=u"@daily").overlap, u"forbid")
        for policy in (u"forbid", u"queue_one", u"allow"):
            cron = Cron(name=u"x", periodicity=u"@daily", overlap=policy)
            self.assertEqual(Cron.load(cron.dump(False)).overlap, policy)
        for value in (u"replace", 1, u"Allow"):
            with self.assertRaises(InvalidCron) as raised:
                Cron(name=u"x", periodicity=u"@daily", overlap=value)
            self.assertEqual(raised.exception.field, u"overlap")
            self.assertIn(u"forbid, queue_one, allow", str(raised.exception))


class TestClaim(FrozenCrons, unittest.TestCase):
    """Two runs of one cron that meet, claimed and run by hand."""

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    runner = u"collective.cron.test.ok"

    def start(self, cron, minutes, trigger=u"schedule", job_id=None):
        clock.freeze(at(minutes))
        return claim.claim_occurrence(
            self.portal, cron.uid, at(minutes), trigger, job_id
        )

    def finish(self, cron, claimed):
        return run.run_claimed(
            self.portal,
            cron.uid,
            claimed["scheduled"],
            claimed["trigger"],
            claimed["job_id"],
            key=claimed["key"],
        )

    def test_forbid_is_the_rule_of_before(self):
        cron = self.add_cron()
        self.assertEqual(self.start(cron, 5)["action"], "run")
        self.assertEqual(self.start(cron, 10)["action"], "logged")
        self.assertEqual(self.logs(cron)[-1].status, models.NOTRUN)
        self.assertIn(u"still running", self.logs(cron)[-1].messages[0])

    def test_queue_one_remembers_one_run_and_starts_it_after(self):
        cron = self.add_cron(overlap=u"queue_one")
        first = self.start(cron, 5)
        waiting = self.start(cron, 10)
        self.assertEqual((waiting["action"], waiting["reason"]), ("logged", "queued"))
        self.assertEqual(self.logs(cron), [])
        third = self.start(cron, 15)
        self.assertEqual(third["action"], "logged")
        (notrun,) = self.logs(cron)
        self.assertEqual(notrun.status, models.NOTRUN)
        self.assertIn(u"already waiting", notrun.messages[0])
        self.finish(cron, first)
        state = get_state(self.portal, cron.uid)
        self.assertIsNone(state.queued)
        jobs = IQueueManager(self.portal).jobs(cron.uid)
        (job,) = [job for job in jobs if job["trigger"] == overlap.QUEUED]
        self.assertEqual((job["scheduled"], job["when"]), (at(10), at(15)))
        # It starts at once, claimed like any job, and only once.
        claimed = claim.claim_occurrence(
            self.portal, cron.uid, at(10), job["trigger"], job["id"]
        )
        self.assertEqual(claimed["action"], "run")
        log = self.finish(cron, claimed)
        self.assertEqual((log.status, log.trigger), (models.OK, u"queued"))
        self.assertIn(u"Started when the previous run ended", log.messages[0])
        again = claim.claim_occurrence(
            self.portal, cron.uid, at(10), job["trigger"], job["id"]
        )
        self.assertEqual(again["reason"], "duplicate")
        # The schedule went on: nothing was owed, nothing is waiting.
        self.assertEqual(state.handled, at(15))
        self.assertIsNone(state.running)

    def test_allow_runs_side_by_side_with_a_marker_each(self):
        cron = self.add_cron(overlap=u"allow")
        first = self.start(cron, 5)
        second = self.start(cron, 10)
        self.assertEqual((first["action"], second["action"]), ("run", "run"))
        self.assertEqual(second["trigger"], u"schedule")  # at(5) is not missed
        state = get_state(self.portal, cron.uid)
        self.assertEqual(len(overlap.markers(state)), 2)
        # the same job again is still a duplicate
        self.assertEqual(self.start(cron, 10)["reason"], "duplicate")
        self.finish(cron, second)
        self.assertEqual(tuple(state.running[2]), first["key"])
        self.assertEqual(state.parallel, ())
        self.finish(cron, first)
        self.assertEqual(overlap.markers(state), [])
        self.assertEqual(
            [log.status for log in self.logs(cron)], [models.OK, models.OK]
        )

    def test_allow_releases_a_dead_workers_marker(self):
        """The dead worker is one no engine knows, silent for longer than
        ``UNKNOWN_WORKER_TIMEOUT``: huey takes a worker without a heartbeat
        for dead at once, zc.async (Python 2.7) only once that time passed
        (a worker it does not know may be one that never ran a job yet)."""
        cron = self.add_cron(overlap=u"allow")
        self.start(cron, 5)
        state = get_state(self.portal, cron.uid)
        long_ago = at(5) - UNKNOWN_WORKER_TIMEOUT - datetime.timedelta(minutes=1)
        dead = (u"elsewhere:1", long_ago, (u"manual", clock.to_iso(at(5)), u"m1"))
        state.parallel = (dead,)
        self.start(cron, 10)
        (warn,) = [log for log in self.logs(cron) if log.status == models.WARN]
        self.assertIn(u"elsewhere:1", warn.messages[0])
        self.assertNotIn(dead, overlap.markers(state))
        self.assertEqual(len(overlap.markers(state)), 2)


class TestExportImport(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def test_json_and_xml(self):
        setRoles(self.portal, TEST_USER_ID, [u"Manager"])
        self.add_cron(uid=u"a", overlap=u"allow")
        self.add_cron(uid=u"f")
        data = exportimport.export_crontab(self.portal)
        self.assertEqual(
            [item[u"overlap"] for item in data[u"crons"]], [u"allow", u"forbid"]
        )
        exportimport.import_crontab(self.portal, json.dumps(data))
        xml = exportimport.crons_xml(self.portal).decode(u"utf-8")
        self.assertIn(u'overlap="allow"', xml)
        self.assertEqual(xml.count(u"overlap="), 1)  # the default is left out
        self.assertEqual(models.Crontab.load(self.portal).crons[u"a"].overlap, u"allow")


class TestRestApi(RestApiMixin, unittest.TestCase):
    def test_set_read_and_refuse(self):
        self.add_cron(uid=u"u1")
        response = self.api.patch(u"@crons/u1", json={u"overlap": u"queue_one"})
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(self.api.get(u"@crons/u1").json()[u"overlap"], u"queue_one")
        response = self.api.patch(u"@crons/u1", json={u"overlap": u"replace"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(u"overlap", response.text)
        transaction.begin()
        self.assertEqual(self.crontab().crons[u"u1"].overlap, u"queue_one")


class TestWorker(RestApiMixin, unittest.TestCase):
    """A real huey worker with two threads, on real time."""

    def setUp(self):
        super(TestWorker, self).setUp()
        del SPANS[:]
        register_runner(self, SleepyRunner, SLEEPY)
        start_test_worker(self.layer, threads=2)

    def run_now(self, cron, count):
        queue = IQueueManager(self.portal)
        for _ in range(count):
            queue.register_job(
                cron.uid, datetime.datetime.now(pytz.utc), trigger=u"manual"
            )
        transaction.commit()

    def logs(self, cron, count):
        return wait_for(
            lambda: len(ILogStore(self.portal).logs(cron.uid)) >= count
            and ILogStore(self.portal).logs(cron.uid)
        )

    def settle(self, cron):
        time.sleep(2)  # a run too many would show
        transaction.begin()
        return ILogStore(self.portal).logs(cron.uid)

    def test_allow_runs_two_at_once(self):
        cron = self.add_cron(name=SLEEPY, overlap=u"allow")
        self.run_now(cron, 2)
        self.logs(cron, 2)
        logs = self.settle(cron)
        self.assertEqual([log.status for log in logs], [models.OK, models.OK])
        one, two = sorted(SPANS)
        self.assertLess(two[0], one[1])  # the second started before the first ended
        self.assertEqual(overlap.markers(get_state(self.portal, cron.uid)), [])

    def test_forbid_skips_the_second(self):
        cron = self.add_cron(name=SLEEPY)
        self.run_now(cron, 2)
        self.logs(cron, 2)
        logs = self.settle(cron)
        self.assertEqual(
            sorted(log.status for log in logs), sorted([models.OK, models.NOTRUN])
        )
        self.assertEqual(len(SPANS), 1)

    def test_queue_one_runs_one_more_after(self):
        cron = self.add_cron(name=SLEEPY, overlap=u"queue_one")
        self.run_now(cron, 3)
        self.logs(cron, 3)
        logs = self.settle(cron)
        self.assertEqual(
            sorted((log.status, log.trigger) for log in logs),
            sorted(
                [
                    (models.OK, u"manual"),
                    (models.OK, u"queued"),
                    (models.NOTRUN, u"manual"),
                ]
            ),
        )
        one, two = sorted(SPANS)
        self.assertGreaterEqual(two[0], one[1])  # after, not beside
        self.assertIsNone(get_state(self.portal, cron.uid).queued)


class TestDashboard(FormTestCase):
    def test_chosen_in_the_edit_form_with_its_words(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        control = browser.getControl(name="form.widgets.overlap:list")
        self.assertEqual(control.value, [u"forbid"])
        self.assertIn(u"Queue one: run once more right after", browser.contents)
        self.assertIn(u"Kubernetes", browser.contents)
        control.value = [u"queue_one"]
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        self.assertEqual(self.crontab().crons[cron.uid].overlap, u"queue_one")


def test_suite():
    """``TestWorker`` runs a real huey worker, which Python 2.7 lacks: there
    it is left out, and tests/test_zcasync_retries.py runs the overlap
    policies with a real zc.async worker instead."""
    suite = unittest.defaultTestLoader.loadTestsFromName(__name__)
    if not PY2:
        return suite
    return unittest.TestSuite(
        [test for test in _flatten(suite) if not isinstance(test, TestWorker)]
    )


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            for inner in _flatten(test):
                yield inner
        else:
            yield test
