# -*- coding: utf-8 -*-
"""*Retries* (issue 12): a run that raises is run again, later and later.

The rules are driven by hand on the layers' real ZODB and queue with the
clock frozen (``TestRuns``); a real huey worker on SQLite, with two
threads, runs the attempts on real time and a real webhook receiver gets
the alerts (``TestWorker``).
"""

from collective.cron import builder
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import exportimport
from collective.cron import retries
from collective.cron import run
from collective.cron.compat import PY2
from collective.cron.crontab import Cron
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import Runner
from collective.cron.interfaces import IFinishedCronJobEvent
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.state import get_state
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.testing import wait_for
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.test_alerts import set_up_receivers
from collective.cron.tests.test_dashboard_forms import FormTestCase
from collective.cron.tests.test_exportimport import FakeExportContext
from collective.cron.tests.test_exportimport import FakeImportContext
from collective.cron.tests.test_health_view import HealthMixin
from collective.cron.tests.test_restapi import RestApiMixin
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from zope.component import getGlobalSiteManager

import datetime
import json
import pytz
import time
import transaction
import unittest

FLAKY = u"collective.cron.test.flaky"
# cron uid -> how many more runs fail; runs seen, per cron uid.
FAILS = {}
RUNS = {}


class FlakyRunner(Runner):
    """Fails while ``FAILS[uid]`` is above 0, then succeeds."""

    def run(self):
        uid = self.cron.uid
        RUNS[uid] = RUNS.get(uid, 0) + 1
        if FAILS.get(uid, 0) > 0:
            FAILS[uid] -= 1
            raise RuntimeError(u"flaky failure")
        return None


def flaky(test):
    FAILS.clear()
    RUNS.clear()
    register_runner(test, FlakyRunner, FLAKY)


class TestModel(unittest.TestCase):
    def test_defaults_and_round_trip(self):
        cron = Cron(name=u"x", periodicity=u"@daily")
        self.assertEqual((cron.attempts, cron.retry_delay), (1, 60))
        cron = Cron(name=u"x", periodicity=u"@daily", attempts=u"3", retry_delay=5)
        data = cron.dump(False)
        self.assertEqual((data["attempts"], data["retry_delay"]), (3, 5))
        self.assertEqual(Cron.load(data), cron)
        # Crons stored before: the defaults.
        del data["attempts"], data["retry_delay"]
        self.assertEqual(Cron.load(data).attempts, 1)

    def test_bad_values_name_the_field(self):
        for field, value in (
            ("attempts", 0),
            ("attempts", 11),
            ("attempts", u"two"),
            ("attempts", True),
            ("attempts", 2.5),
            ("retry_delay", 0),
            ("retry_delay", 3601),
            ("retry_delay", u"-5"),
        ):
            with self.assertRaises(InvalidCron) as raised:
                Cron(name=u"x", periodicity=u"@daily", **{field: value})
            self.assertEqual(raised.exception.field, field, value)
            self.assertIn(field, str(raised.exception))

    def test_json_types(self):
        with self.assertRaises(InvalidCron) as raised:
            builder.check_types({"attempts": u"3"})
        self.assertEqual(raised.exception.field, "attempts")
        builder.check_types({"attempts": 3, "retry_delay": 60})

    def test_backoff_doubles_with_jitter_and_a_cap(self):
        middle = lambda: 0.5  # noqa: E731  (no jitter)
        self.assertEqual(
            [retries.backoff(60, attempt, middle) for attempt in (2, 3, 4, 5)],
            [60, 120, 240, 480],
        )
        self.assertAlmostEqual(retries.backoff(60, 2, lambda: 0.0), 54)
        self.assertAlmostEqual(retries.backoff(60, 2, lambda: 1.0), 66)
        self.assertEqual(retries.backoff(3600, 10, lambda: 1.0), retries.MAX_BACKOFF)

    def test_triggers(self):
        self.assertEqual(retries.trigger_for(3), u"retry:3")
        self.assertEqual(retries.attempt_of(u"retry:3"), 3)
        self.assertEqual(retries.attempt_of(u"schedule"), 1)
        self.assertTrue(retries.is_extra(u"retry:2"))
        self.assertTrue(retries.is_extra(u"manual"))
        self.assertFalse(retries.is_extra(u"catch-up"))


class TestRuns(FrozenCrons, unittest.TestCase):
    """Attempts of one occurrence, claimed and run by hand (frozen clock)."""

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    runner = FLAKY

    def setUp(self):
        super(TestRuns, self).setUp()
        flaky(self)
        self.events = []
        registry = getGlobalSiteManager()
        registry.registerHandler(self.events.append, (IFinishedCronJobEvent,))
        self.addCleanup(
            registry.unregisterHandler, self.events.append, (IFinishedCronJobEvent,)
        )

    def retry_jobs(self, cron):
        return [
            job
            for job in IQueueManager(self.portal).jobs(cron.uid)
            if retries.is_retry(job["trigger"])
        ]

    def run_job(self, cron, trigger, job_id=None, when=None):
        clock.freeze(when)
        claimed = self.claim(cron, at(5), trigger, job_id)
        if claimed["action"] != "run":
            return claimed
        return run.run_claimed(
            self.portal,
            cron.uid,
            claimed["scheduled"],
            claimed["trigger"],
            job_id,
            attempt=claimed["attempt"],
        )

    def run_retry(self, cron):
        (job,) = self.retry_jobs(cron)
        log = self.run_job(cron, job["trigger"], job["id"], job["when"])
        return job, log

    def test_three_attempts_then_success_leave_the_schedule_alone(self):
        cron = self.add_cron(attempts=3, retry_delay=60)
        FAILS[cron.uid] = 2
        first = self.run_job(cron, u"schedule", when=at(5))
        self.assertEqual(first.status, models.FAILURE)
        self.assertEqual(first.messages[0], u"Attempt 1/3")
        (job,) = self.retry_jobs(cron)
        self.assertEqual(job["trigger"], u"retry:2")
        self.assertEqual(job["scheduled"], at(5))
        delay = (job["when"] - at(5)).total_seconds()
        self.assertTrue(54 <= delay <= 66, delay)
        self.assertIn(u"Attempt 2/3 at ", first.messages[-1])
        self.assertTrue(self.events[-1].retrying)

        job2, second = self.run_retry(cron)
        self.assertEqual(second.status, models.FAILURE)
        self.assertEqual(second.trigger, u"retry")
        self.assertEqual(second.messages[0], u"Attempt 2/3")
        (job3,) = [job for job in self.retry_jobs(cron) if job["id"] != job2["id"]]
        delay = (job3["when"] - job2["when"]).total_seconds()
        self.assertTrue(108 <= delay <= 132, delay)  # doubled

        # The same retry job again (another instance, a duplicate): skipped.
        again = self.run_job(cron, job2["trigger"], job2["id"], job3["when"])
        self.assertEqual(again["action"], "skip")
        self.assertEqual(again["reason"], "duplicate")

        third = self.run_job(cron, job3["trigger"], job3["id"], job3["when"])
        self.assertEqual(third.status, models.OK)
        self.assertEqual(third.messages, [u"Attempt 3/3"])
        self.assertFalse(self.events[-1].retrying)
        self.assertEqual(RUNS[cron.uid], 3)
        # Retries never moved the high-water mark (nor were remembered by it).
        self.assertEqual(get_state(self.portal, cron.uid).handled, at(5))

    def test_the_last_attempt_fails_for_good(self):
        cron = self.add_cron(attempts=2, retry_delay=1)
        FAILS[cron.uid] = 5
        self.run_job(cron, u"schedule", when=at(5))
        job, last = self.run_retry(cron)
        self.assertEqual(last.status, models.FAILURE)
        self.assertEqual(last.messages[0], u"Attempt 2/2")
        self.assertIn(u"flaky failure", last.messages[-1])
        self.assertFalse(self.events[-1].retrying)
        self.assertEqual([j["id"] for j in self.retry_jobs(cron)], [job["id"]])

    def test_no_retry_past_the_next_occurrence(self):
        cron = self.add_cron(attempts=3, retry_delay=600)  # every 5 minutes
        FAILS[cron.uid] = 1
        log = self.run_job(cron, u"schedule", when=at(5))
        self.assertEqual(self.retry_jobs(cron), [])
        self.assertIn(u"No retry: the next occurrence", log.messages[-1])
        self.assertFalse(self.events[-1].retrying)

    def test_a_late_retry_is_dropped_when_the_next_occurrence_came(self):
        cron = self.add_cron(attempts=3, retry_delay=60)
        FAILS[cron.uid] = 1
        self.run_job(cron, u"schedule", when=at(5))
        (job,) = self.retry_jobs(cron)
        claimed = self.run_job(cron, job["trigger"], job["id"], at(10))
        self.assertEqual(claimed["action"], "logged")
        last = self.logs(cron)[-1]
        self.assertEqual(last.status, models.NOTRUN)
        self.assertIn(u"attempt 2/3 dropped", last.messages[0])
        self.assertEqual(RUNS[cron.uid], 1)
        # and it is not taken again
        again = self.run_job(cron, job["trigger"], job["id"], at(10))
        self.assertEqual(again["reason"], "duplicate")

    def test_without_attempts_nothing_changes(self):
        cron = self.add_cron()
        FAILS[cron.uid] = 1
        log = self.run_job(cron, u"schedule", when=at(5))
        self.assertEqual(log.messages, [u"RuntimeError: flaky failure"])
        self.assertEqual(self.retry_jobs(cron), [])

    def test_a_manual_run_is_not_retried(self):
        cron = self.add_cron(attempts=3)
        FAILS[cron.uid] = 1
        log = self.run_job(cron, u"manual", job_id=u"m1", when=at(5))
        self.assertEqual(log.status, models.FAILURE)
        self.assertEqual(self.retry_jobs(cron), [])

    def test_saves_and_the_reconciler_leave_retries_alone(self):
        from collective.cron.reconciler import reconcile_site

        cron = self.add_cron(attempts=3, retry_delay=60)
        FAILS[cron.uid] = 1
        self.run_job(cron, u"schedule", when=at(5))
        (job,) = self.retry_jobs(cron)
        stored = models.Crontab.load(self.portal).crons[cron.uid]
        stored.description = u"edited"
        models.Crontab.load(self.portal).save_cron(stored)
        queue = IQueueManager(self.portal)
        for lost in queue.jobs(cron.uid):
            if lost["trigger"] == u"schedule":
                queue.remove_job(lost["id"])  # lost with a worker
        # A pending retry is not the cron's scheduled job: it is queued again.
        reconcile_site(self.portal, queue)
        self.assertEqual([j["id"] for j in self.retry_jobs(cron)], [job["id"]])
        scheduled = [
            j["scheduled"]
            for j in IQueueManager(self.portal).jobs(cron.uid)
            if j["trigger"] == u"schedule"
        ]
        self.assertEqual(scheduled, [at(10)])


class TestWorker(HealthMixin, unittest.TestCase):
    """Real huey worker (two threads), real time, a real webhook receiver."""

    def setUp(self):
        super(TestWorker, self).setUp()
        flaky(self)
        set_up_receivers(self)
        transaction.commit()
        self.start_worker()

    def start_worker(self):
        from collective.cron.testing import start_test_worker

        return start_test_worker(self.layer, threads=2)

    def queue_now(self, cron):
        IQueueManager(self.portal).register_job(
            cron.uid, datetime.datetime.now(pytz.utc), trigger=u"schedule"
        )
        transaction.commit()

    def logs(self, cron, count):
        return wait_for(
            lambda: len(ILogStore(self.portal).logs(cron.uid)) >= count
            and ILogStore(self.portal).logs(cron.uid)
        )

    def test_attempts_run_once_each_and_alert_once(self):
        good = self.add_cron(uid=u"good", name=FLAKY, attempts=3, retry_delay=1)
        bad = self.add_cron(uid=u"bad", name=FLAKY, attempts=2, retry_delay=1)
        FAILS[u"good"], FAILS[u"bad"] = 2, 10
        self.queue_now(good)
        self.queue_now(bad)
        logs = self.logs(good, 3)
        self.assertEqual(
            [(log.status, log.trigger, log.messages[0]) for log in logs],
            [
                (models.FAILURE, u"schedule", u"Attempt 1/3"),
                (models.FAILURE, u"retry", u"Attempt 2/3"),
                (models.OK, u"retry", u"Attempt 3/3"),
            ],
        )
        gaps = [(logs[i + 1].started - logs[i].date).total_seconds() for i in (0, 1)]
        self.assertTrue(0.8 <= gaps[0] and 1.7 <= gaps[1], gaps)
        bad_logs = self.logs(bad, 2)
        self.assertEqual(
            [log.status for log in bad_logs], [models.FAILURE, models.FAILURE]
        )
        # One alert for the failure that stayed; none for "good".
        self.assertTrue(wait_for(lambda: self.receiver.requests))
        time.sleep(2)  # a second run of an attempt, or a storm, would show
        transaction.begin()
        self.assertEqual((RUNS[u"good"], RUNS[u"bad"]), (3, 2))
        self.assertEqual(len(ILogStore(self.portal).logs(u"good")), 3)
        bodies = [
            json.loads(body.decode("utf-8")) for _, body in self.receiver.requests
        ]
        self.assertEqual(
            [(body["event"], body["cron"]["uid"]) for body in bodies],
            [("failure", u"bad")],
        )
        self.assertIn(u"Attempt 2/2", bodies[0]["messages"])
        # The schedule kept its job; no retry is left.
        jobs = IQueueManager(self.portal).jobs(u"good")
        self.assertEqual([job["trigger"] for job in jobs], [u"schedule"])
        self.assertEqual(jobs[0]["scheduled"], good.next)


class TestExportImport(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        super(TestExportImport, self).setUp()
        setRoles(self.portal, TEST_USER_ID, [u"Manager"])

    def clear(self):
        crontab = models.Crontab.load(self.portal)
        for uid in list(crontab.crons):
            crontab.remove_cron(uid)
        crontab.save()

    def test_json_round_trip(self):
        self.add_cron(uid=u"r", attempts=4, retry_delay=30)
        data = exportimport.export_crontab(self.portal)
        self.assertEqual(
            (data[u"crons"][0][u"attempts"], data[u"crons"][0][u"retry_delay"]),
            (4, 30),
        )
        self.clear()
        exportimport.import_crontab(self.portal, json.dumps(data))
        cron = models.Crontab.load(self.portal).crons[u"r"]
        self.assertEqual((cron.attempts, cron.retry_delay), (4, 30))

    def test_crons_xml_round_trip_and_errors(self):
        self.add_cron(uid=u"r", attempts=4, retry_delay=30)
        self.add_cron(uid=u"s")
        context = FakeExportContext(self.portal)
        exportimport.export_crons(context)
        text = context.files[u"crons.xml"].decode(u"utf-8")
        self.assertIn(u'attempts="4" retry_delay="30"', text)
        # defaults are left out
        self.assertEqual(text.count(u"attempts="), 1)
        self.clear()
        exportimport.import_crons(
            FakeImportContext(self.portal, {u"crons.xml": context.files[u"crons.xml"]})
        )
        crons = models.Crontab.load(self.portal).crons
        self.assertEqual((crons[u"r"].attempts, crons[u"r"].retry_delay), (4, 30))
        self.assertEqual((crons[u"s"].attempts, crons[u"s"].retry_delay), (1, 60))
        body = (
            u'<?xml version="1.0" encoding="UTF-8"?>\n<crontab>'
            u'<cron uid="r" name="x" periodicity="@daily" attempts="20"/></crontab>'
        ).encode(u"utf-8")
        with self.assertRaises(InvalidCron) as caught:
            exportimport.import_crons(
                FakeImportContext(self.portal, {u"crons.xml": body})
            )
        self.assertEqual(caught.exception.field, u"attempts")
        self.assertEqual(models.Crontab.load(self.portal).crons[u"r"].attempts, 4)


class TestRestApi(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestRestApi, self).setUp()
        self.add_cron(uid=u"u1")

    def test_set_and_read(self):
        response = self.api.patch(
            u"@crons/u1", json={u"attempts": 3, u"retry_delay": 120}
        )
        self.assertEqual(response.status_code, 204, response.text)
        data = self.api.get(u"@crons/u1").json()
        self.assertEqual((data[u"attempts"], data[u"retry_delay"]), (3, 120))
        self.assertEqual(self.api.patch(u"@crons/u1", json=data).status_code, 204)

    def test_bad_values_are_a_400_naming_the_field(self):
        for field, value in (
            (u"attempts", u"3"),
            (u"attempts", 0),
            (u"attempts", 11),
            (u"retry_delay", 0),
            (u"retry_delay", 1.5),
        ):
            response = self.api.patch(u"@crons/u1", json={field: value})
            self.assertEqual(response.status_code, 400, (field, value))
            self.assertIn(field, response.text)
        transaction.begin()
        cron = self.crontab().crons[u"u1"]
        self.assertEqual((cron.attempts, cron.retry_delay), (1, 60))


class TestDashboard(FormTestCase):
    def test_set_in_the_edit_form(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.assertEqual(browser.getControl(name="form.widgets.attempts").value, u"1")
        self.assertEqual(
            browser.getControl(name="form.widgets.retry_delay").value, u"60"
        )
        self.fill(browser, attempts=u"3", retry_delay=u"30")
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        stored = self.crontab().crons[cron.uid]
        self.assertEqual((stored.attempts, stored.retry_delay), (3, 30))

    def test_a_bad_value_is_a_field_error(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.fill(browser, attempts=u"11")
        browser.getControl(u"Save").click()
        self.assertTrue(self.field_error(browser, u"attempts"))
        self.assertEqual(self.crontab().crons[cron.uid].attempts, 1)


def test_suite():
    """``TestWorker`` runs a real huey worker, which Python 2.7 lacks: there
    it is left out, and tests/test_zcasync_retries.py runs retries with a
    real zc.async worker instead."""
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
