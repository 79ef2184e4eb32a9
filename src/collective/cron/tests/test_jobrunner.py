# -*- coding: utf-8 -*-
"""The rules of the cron jobrunner wrapper, driven by a frozen clock.

Each test calls the jobrunner's functions directly on the layer's real ZODB
(no worker, no sleep): ``claim_occurrence`` decides, ``run_claimed`` runs,
``execute_job`` does both in its own transactions.  The cron runs every five
minutes in UTC from a frozen 10:00, so its occurrences are 10:05, 10:10 …
"""

from collective.cron import claim
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import jobrunner
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Runner
from collective.cron.interfaces import ILogStore
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.state import PROCESS_STARTED
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import EVERY_5
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.frozen import START
from plone.app.testing import SITE_OWNER_NAME
from zope.annotation.interfaces import IAnnotations

import datetime
import transaction
import unittest

SLOW = u"collective.cron.test.slow"


class SlowRunner(Runner):
    """A run that lasts 12 minutes of the frozen clock."""

    def run(self):
        clock.advance(minutes=12)


class UserNameRunner(Runner):
    """Logs the user name and roles the run has."""

    def run(self):
        from AccessControl import getSecurityManager

        user = getSecurityManager().getUser()
        self.log(user.getUserName())
        self.log(u" ".join(sorted(user.getRoles())))


class JobRunnerTestCase(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def runs(self):
        return IAnnotations(self.portal).get("collective.cron.test.runs", [])


class TestExactlyOnce(JobRunnerTestCase):

    def test_saving_a_cron_owes_nothing_before_now(self):
        cron = self.add_cron()
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.handled, START)
        self.assertEqual(state.expected, at(5))
        self.assertIsNone(state.running)

    def test_a_claim_sets_the_running_marker_and_the_run_releases_it(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        claimed = self.claim(cron, at(5), job_id=u"job-1")
        self.assertEqual(claimed["action"], "run")
        self.assertEqual(claimed["scheduled"], at(5))
        self.assertEqual(claimed["trigger"], u"schedule")
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.running[0], instance_id())
        log = self.run_claimed(cron, claimed, u"job-1")
        self.assertEqual(log.status, models.OK)
        self.assertEqual(log.scheduled, at(5))
        self.assertEqual(log.instance, instance_id())
        self.assertEqual(self.runs(), [(cron.uid, {})])
        self.assertEqual(state.handled, at(5))
        self.assertIsNone(state.running)
        self.assertEqual(state.last_run, at(5))

    def test_an_occurrence_that_ran_is_never_run_again(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        self.run_claimed(cron, self.claim(cron, at(5)))
        clock.advance(seconds=20)
        self.assertEqual(
            self.claim(cron, at(5)), {"action": "skip", "reason": "duplicate"}
        )
        self.assertEqual(len(self.runs()), 1)
        self.assertEqual(len(self.logs(cron)), 1)

    def test_the_same_job_seen_twice_while_it_runs_is_a_duplicate(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        self.assertEqual(self.claim(cron, at(5), job_id=u"job-1")["action"], "run")
        self.assertEqual(
            self.claim(cron, at(5), job_id=u"job-1"),
            {"action": "skip", "reason": "duplicate"},
        )

    def test_a_gone_or_inactive_cron_is_dropped(self):
        cron = self.add_cron(activated=False)
        clock.advance(minutes=5)
        self.assertEqual(self.claim(cron, at(5)), {"action": "skip", "reason": "off"})
        self.assertEqual(
            self.claim(Cron(name=u"x", periodicity=EVERY_5), at(5)),
            {"action": "skip", "reason": "gone"},
        )

    def test_manual_runs_are_remembered_and_leave_the_schedule(self):
        cron = self.add_cron()
        clock.advance(minutes=2)
        claimed = self.claim(cron, clock.now(), u"manual", u"manual-1")
        self.assertEqual(claimed["action"], "run")
        log = self.run_claimed(cron, claimed, u"manual-1")
        self.assertEqual(log.trigger, u"manual")
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.handled, START)
        self.assertEqual(state.manual, (u"manual-1",))
        self.assertEqual(
            self.claim(cron, clock.now(), u"manual", u"manual-1"),
            {"action": "skip", "reason": "duplicate"},
        )


class TestOverlap(JobRunnerTestCase):

    def test_an_occurrence_due_while_the_previous_run_goes_is_not_run(self):
        cron = self.add_cron()
        clock.advance(minutes=5)
        first = self.claim(cron, at(5))
        clock.advance(minutes=5)
        second = self.claim(cron, at(10))
        self.assertEqual(second["action"], "logged")
        [log] = self.logs(cron)
        self.assertEqual(log.status, models.NOTRUN)
        self.assertEqual(log.scheduled, at(10))
        self.assertIn(u"previous run is still running", log.messages[0])
        # the first run ends; the skipped occurrence stays handled
        self.run_claimed(cron, first)
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.handled, at(10))
        self.assertEqual(
            [entry.status for entry in self.logs(cron)], [models.NOTRUN, models.OK]
        )
        self.assertEqual(len(self.runs()), 1)

    def test_a_marker_older_than_this_process_is_taken_over(self):
        cron = self.add_cron()
        state = get_state(self.portal, cron.uid)
        lost = PROCESS_STARTED - datetime.timedelta(minutes=1)
        state.running = (instance_id(), lost, (u"schedule", u"lost", u"job-0"))
        clock.advance(minutes=5)
        claimed = self.claim(cron, at(5))
        self.assertEqual(claimed["action"], "run")
        self.assertEqual(state.running[1], at(5))

    def test_a_marker_of_a_worker_unknown_for_hours_is_taken_over(self):
        cron = self.add_cron()
        state = get_state(self.portal, cron.uid)
        state.running = (u"elsewhere:1", START, (u"schedule", u"lost", u"job-0"))
        clock.advance(hours=7)
        claimed = self.claim(cron, at(7 * 60))
        self.assertEqual(claimed["action"], "run")
        self.assertEqual(state.running[0], instance_id())


class TestMissedRuns(JobRunnerTestCase):

    def test_missed_occurrences_are_logged_and_coalesced_into_one_catch_up(self):
        cron = self.add_cron()
        clock.advance(minutes=21)
        # the reconciler queues a job for the oldest missed occurrence
        claimed = self.claim(cron, at(5))
        self.assertEqual(claimed["action"], "run")
        self.assertEqual(claimed["scheduled"], at(20))
        self.assertEqual(claimed["trigger"], u"catch-up")
        missed = self.logs(cron)
        self.assertEqual([log.scheduled for log in missed], [at(5), at(10), at(15)])
        self.assertEqual(set(log.status for log in missed), set([models.NOTRUN]))
        self.assertIn(u"missed", missed[0].messages[0])
        log = self.run_claimed(cron, claimed)
        self.assertEqual(log.trigger, u"catch-up")
        self.assertEqual(len(self.runs()), 1)
        self.assertEqual(get_state(self.portal, cron.uid).handled, at(20))

    def test_many_missed_occurrences_are_summed_up(self):
        cron = self.add_cron()
        clock.advance(minutes=61)
        claimed = self.claim(cron, at(5))
        self.assertEqual(claimed["scheduled"], at(60))
        missed = self.logs(cron)
        self.assertEqual(len(missed), claim.MISSED_LOGS)
        self.assertEqual(missed[0].scheduled, at(35))
        self.assertIn(u"6 earlier occurrences", missed[0].messages[1])

    def test_occurrences_during_the_previous_run_are_logged_as_such(self):
        register_runner(self, SlowRunner, SLOW)
        cron = self.add_cron(name=SLOW)
        clock.advance(minutes=5)
        # a run of 12 minutes: 10:10 and 10:15 came due meanwhile
        self.run_claimed(cron, self.claim(cron, at(5)))
        self.assertEqual(clock.now(), at(17))
        clock.advance(minutes=4)
        claimed = self.claim(cron, at(20))
        # issue 10 point 4: occurrences skipped because the previous run was
        # going are not owed, so 10:20 (on time) is a scheduled run.
        self.assertEqual(claimed["trigger"], u"schedule")
        reasons = [log.messages[0] for log in self.logs(cron)[1:]]
        self.assertEqual(len(reasons), 2)
        for reason in reasons:
            self.assertIn(u"previous run was still running", reason)

    def test_skip_policy_does_not_run_a_late_occurrence(self):
        cron = self.add_cron(missed=u"skip")
        clock.advance(minutes=23)  # 10:20 is 3 minutes late: more than half a period
        self.assertEqual(self.claim(cron, at(5))["action"], "logged")
        self.assertEqual(
            [log.scheduled for log in self.logs(cron)], [at(5), at(10), at(15), at(20)]
        )
        self.assertEqual(self.runs(), [])
        self.assertEqual(get_state(self.portal, cron.uid).handled, at(20))

    def test_run_once_policy_runs_the_same_late_occurrence(self):
        cron = self.add_cron()
        clock.advance(minutes=23)
        claimed = self.claim(cron, at(5))
        self.assertEqual((claimed["action"], claimed["scheduled"]), ("run", at(20)))

    def test_a_slightly_late_occurrence_runs_under_skip_too(self):
        cron = self.add_cron(missed=u"skip")
        clock.advance(minutes=6)
        claimed = self.claim(cron, at(5))
        self.assertEqual((claimed["action"], claimed["trigger"]), ("run", u"schedule"))
        self.assertEqual(self.logs(cron), [])


class TestUser(JobRunnerTestCase):
    """The run adopts the cron's user by the one find_user rule."""

    def run_as(self, user):
        cron = self.add_cron(name=u"collective.cron.test.whoami", user=user)
        clock.advance(minutes=5)
        return self.run_claimed(cron, self.claim(cron, at(5)))

    def test_a_login_that_differs_from_the_id(self):
        self.portal.acl_users.source_users.addUser(
            "jdoe-id", "jane@example.org", "secret-secret"
        )
        log = self.run_as(u"jane@example.org")
        self.assertEqual((log.status, log.messages), (models.OK, [u"jdoe-id"]))

    def test_a_user_of_the_zope_root(self):
        log = self.run_as(SITE_OWNER_NAME)
        self.assertEqual(log.messages, [SITE_OWNER_NAME])

    def test_no_user_is_the_system_user(self):
        register_runner(self, UserNameRunner, u"collective.cron.test.username")
        cron = self.add_cron(name=u"collective.cron.test.username", user=u"")
        clock.advance(minutes=5)
        log = self.run_claimed(cron, self.claim(cron, at(5)))
        self.assertEqual(log.messages, [u"collective.cron", u"Authenticated Manager"])

    def test_a_user_who_is_gone_fails_and_nothing_runs(self):
        cron = self.add_cron(user=u"nobody-here")
        clock.advance(minutes=5)
        log = self.run_claimed(cron, self.claim(cron, at(5)))
        self.assertEqual(log.status, models.FAILURE)
        self.assertIn(u"nobody-here", log.messages[0])
        self.assertEqual(self.runs(), [])


class TestFailure(JobRunnerTestCase):

    def test_a_failing_runner_is_logged_with_its_traceback(self):
        cron = self.add_cron(name=u"collective.cron.test.fail")
        clock.advance(minutes=5)
        log = self.run_claimed(cron, self.claim(cron, at(5)))
        self.assertEqual(log.status, models.FAILURE)
        self.assertIn(u"ValueError: this runner fails on purpose", log.messages[-1])
        self.assertIn(u"Traceback", log.detail)
        self.assertEqual(get_state(self.portal, cron.uid).handled, at(5))

    def test_a_runner_without_registration_is_not_run(self):
        cron = self.add_cron(name=u"no.such.runner")
        clock.advance(minutes=5)
        log = self.run_claimed(cron, self.claim(cron, at(5)))
        self.assertEqual(log.status, models.NOTRUN)
        self.assertIn(u"no.such.runner", log.messages[0])


class TestExecuteJob(unittest.TestCase):
    """The whole job in its own connection and transactions, as engines call it."""

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.path = u"/".join(self.portal.getPhysicalPath())
        clock.freeze(START)
        self.addCleanup(clock.reset)
        self.cron = Cron(
            name=u"collective.cron.test.record", periodicity=EVERY_5, timezone=u"UTC"
        )
        Crontab.load(self.portal).save_cron(self.cron)
        transaction.commit()

    def execute(self, scheduled, trigger=u"schedule", job_id=u"job-1"):
        log = jobrunner.execute_job(
            self.layer["zodbDB"],
            self.path,
            self.cron.uid,
            clock.to_iso(scheduled),
            trigger,
            job_id,
        )
        transaction.begin()  # see what the job committed
        return log

    def test_a_job_runs_once_and_the_next_occurrence_is_expected(self):
        clock.advance(minutes=5)
        log = self.execute(at(5))
        self.assertEqual(log.status, models.OK)
        self.assertEqual(len(ILogStore(self.portal).logs(self.cron.uid)), 1)
        state = get_state(self.portal, self.cron.uid)
        self.assertEqual(state.handled, at(5))
        self.assertIsNone(state.running)
        self.assertEqual(state.expected, at(10))
        # the same job again: nothing runs, nothing is logged
        self.assertIsNone(self.execute(at(5)))
        self.assertEqual(len(ILogStore(self.portal).logs(self.cron.uid)), 1)
        self.assertEqual(len(IAnnotations(self.portal)["collective.cron.test.runs"]), 1)
