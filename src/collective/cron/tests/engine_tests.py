# -*- coding: utf-8 -*-
"""Behaviour every job engine must show with a real worker (mixed into the
test classes of each engine; not a test module itself)."""

from collective.cron import crontab as models
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import wait_for
from plone.app.testing import SITE_OWNER_NAME
from zope.annotation.interfaces import IAnnotations
from zope.component import getMultiAdapter

import datetime
import pytz
import transaction

# A periodicity that never comes due during a test: jobs are queued by hand.
FAR = u"0 0 1 1 *"


def utcnow():
    return datetime.datetime.now(pytz.utc)


class EngineTests(object):
    """What every job engine must do, with a real worker.

    A test class mixes it in and says how to start its worker and how to
    empty its queue: it defines ``start_worker()``, ``flush_queue()`` and
    ``engine_name``.
    """

    engine_name = None

    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)
        self.crontab = Crontab.load(self.portal)

    def add_cron(self, **kwargs):
        kwargs.setdefault("periodicity", FAR)
        kwargs.setdefault("name", u"collective.cron.test.record")
        cron = Cron(**kwargs)
        self.crontab.save_cron(cron)
        transaction.commit()
        return cron

    def scheduled(self, cron):
        return [
            job["scheduled"]
            for job in self.queue.jobs(cron.uid)
            if job["trigger"] == "schedule"
        ]

    def job_ids(self, cron):
        return [job["id"] for job in self.queue.jobs(cron.uid)]

    def logs(self, uid):
        return ILogStore(self.portal).logs(uid)

    def runs(self):
        return IAnnotations(self.portal).get("collective.cron.test.runs", [])

    def queue_in(self, cron, seconds, trigger=u"schedule"):
        when = utcnow() + datetime.timedelta(seconds=seconds)
        job_id = self.queue.register_job(cron.uid, when, trigger=trigger)
        transaction.commit()
        return job_id, when

    def test_engine_state(self):
        state = self.queue.state()
        self.assertEqual(state["engine"], self.engine_name)
        self.assertTrue(state["reachable"])
        self.assertIsNone(state["error"])
        self.assertNotIn(":***@", state["queue"] or "")

    def test_sync_queues_next_occurrence(self):
        cron = self.add_cron(periodicity=u"*/5 * * * *")
        jobs = self.queue.jobs(cron.uid)
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs[0]["scheduled"], cron.next)
        self.assertEqual(jobs[0]["trigger"], u"schedule")

    def test_job_due_in_two_seconds_runs_once(self):
        self.start_worker()
        cron = self.add_cron(environ={u"k": u"v"})
        job_id, when = self.queue_in(cron, 2)
        log = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(len(log), 1)
        self.assertEqual(log[0].status, models.OK)
        self.assertEqual(log[0].messages, [u"recorded"])
        self.assertGreaterEqual(log[0].started, when.replace(microsecond=0))
        self.assertEqual(self.runs(), [(cron.uid, {u"k": u"v"})])
        # the same occurrence queued again does not run again
        self.queue.register_job(cron.uid, when, trigger=u"schedule")
        transaction.commit()
        wait_for(lambda: False, timeout=2)
        self.assertEqual(len(self.runs()), 1)

    def test_failing_runner_logs_failure_and_stays_scheduled(self):
        self.start_worker()
        cron = self.add_cron(name=u"collective.cron.test.fail")
        self.queue_in(cron, 1)
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].status, models.FAILURE)
        self.assertIn(u"this runner fails on purpose", logs[0].messages[-1])
        self.assertIn(u"Traceback", logs[0].detail)
        # (an engine may list the finished job until it recorded its end)
        expected = [cron.next]
        upcoming = wait_for(lambda: self.scheduled(cron) == expected and expected)
        self.assertEqual(self.scheduled(cron), expected, upcoming)

    def test_warn_runner(self):
        self.start_worker()
        cron = self.add_cron(name=u"collective.cron.test.warn")
        self.queue_in(cron, 0)
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].status, models.WARN)
        self.assertEqual(
            logs[0].messages, [u"something to look at", u"and another thing"]
        )

    def test_unknown_runner_logs_notrun(self):
        self.start_worker()
        cron = self.add_cron(name=u"no.such.runner")
        self.queue_in(cron, 0)
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].status, models.NOTRUN)
        self.assertIn(u"no.such.runner", logs[0].messages[0])

    def test_missing_user_logs_failure(self):
        self.start_worker()
        cron = self.add_cron(user=u"ghost")
        self.queue_in(cron, 0)
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].status, models.FAILURE)
        self.assertIn(u"ghost", logs[0].messages[0])
        self.assertEqual(self.runs(), [])

    def test_runs_as_the_cron_user(self):
        self.start_worker()
        cron = self.add_cron(name=u"collective.cron.test.whoami", user=SITE_OWNER_NAME)
        self.queue_in(cron, 0)
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].messages, [SITE_OWNER_NAME])

    def test_run_now_keeps_the_schedule(self):
        cron = self.add_cron(periodicity=u"*/30 * * * *")
        self.start_worker()
        before = [job["id"] for job in self.queue.jobs(cron.uid)]
        getMultiAdapter((self.portal, cron), ICronManager).run_now()
        transaction.commit()
        logs = wait_for(lambda: self.logs(cron.uid))
        self.assertEqual(logs[0].trigger, u"manual")
        wait_for(lambda: self.job_ids(cron) == before)
        self.assertEqual(self.job_ids(cron), before)

    def test_deactivate_and_delete_remove_jobs(self):
        cron = self.add_cron(periodicity=u"*/5 * * * *")
        other = self.add_cron(periodicity=u"*/7 * * * *")
        self.assertEqual(len(self.queue.jobs(cron.uid)), 1)
        cron.activated = False
        self.crontab.save()
        transaction.commit()
        self.assertEqual(self.queue.jobs(cron.uid), [])
        self.crontab.remove_cron(other.uid)
        self.crontab.save()
        transaction.commit()
        self.assertEqual(self.queue.jobs(other.uid), [])

    def test_crontab_switch_removes_every_job(self):
        self.add_cron(periodicity=u"*/5 * * * *")
        self.add_cron(periodicity=u"*/7 * * * *")
        self.assertEqual(len(self.queue.jobs()), 2)
        self.crontab.activated = False
        self.crontab.save()
        transaction.commit()
        self.assertEqual(self.queue.jobs(), [])
        self.crontab.activated = True
        self.crontab.save()
        transaction.commit()
        self.assertEqual(len(self.queue.jobs()), 2)

    def test_changed_periodicity_replaces_the_job(self):
        cron = self.add_cron(periodicity=u"*/5 * * * *")
        cron.periodicity = u"0 3 * * *"
        cron.timezone = u"Asia/Tokyo"
        self.crontab.save()
        transaction.commit()
        jobs = self.queue.jobs(cron.uid)
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs[0]["scheduled"], cron.next)
        self.assertEqual(jobs[0]["scheduled"].hour, 18)  # 03:00 in Tokyo

    def test_aborted_change_queues_nothing(self):
        cron = Cron(name=u"x", periodicity=u"*/5 * * * *")
        self.crontab.save_cron(cron)
        transaction.abort()
        self.assertEqual(self.queue.jobs(), [])

    def test_restart_restores_the_queue(self):
        from collective.cron.events import ServerRestartEvent
        from zope.event import notify

        cron = self.add_cron(periodicity=u"*/5 * * * *")
        self.flush_queue()
        self.assertEqual(self.queue.jobs(cron.uid), [])
        notify(ServerRestartEvent(self.portal))
        transaction.commit()
        self.assertEqual(
            [job["scheduled"] for job in self.queue.jobs(cron.uid)], [cron.next]
        )

    def prepare_missed(self, periodicity, missed, handled):
        """The instance was down: the queue is empty and the last handled
        occurrence is old; a worker starts and reconciles."""
        from collective.cron.reconciler import reconcile_site
        from collective.cron.state import get_state
        from collective.cron.transactions import retry_on_conflict

        cron = self.add_cron(periodicity=periodicity, missed=missed)
        self.flush_queue()
        state = get_state(self.portal, cron.uid)
        state.handled = handled
        transaction.commit()
        self.start_worker()
        # The worker may reconcile at the same moment (a starting zc.async
        # worker does): retry on the conflict, as the workers themselves do.
        retry_on_conflict(lambda: reconcile_site(self.portal, self.queue))
        return cron

    def test_missed_occurrences_run_once(self):
        now = utcnow()
        latest = now.replace(
            minute=now.minute - now.minute % 10, second=0, microsecond=0
        )
        cron = self.prepare_missed(
            u"*/10 * * * *", u"run_once", handled=latest - datetime.timedelta(hours=1)
        )
        logs = wait_for(
            lambda: [log for log in self.logs(cron.uid) if log.status == models.OK]
        )
        self.assertEqual(len(logs), 1)
        self.assertEqual(logs[0].trigger, u"catch-up")
        self.assertEqual(logs[0].scheduled, latest)
        self.assertEqual(len(self.runs()), 1)
        notrun = [log for log in self.logs(cron.uid) if log.status == models.NOTRUN]
        # the five occurrences before the latest were missed
        self.assertEqual(
            [log.scheduled for log in notrun],
            [latest - datetime.timedelta(minutes=10 * n) for n in (5, 4, 3, 2, 1)],
        )
        self.assertTrue(all(u"missed" in log.messages[0] for log in notrun))
        # and the schedule goes on (the next job is queued just after the
        # run's commit: wait for it)
        expected = [latest + datetime.timedelta(minutes=10)]
        wait_for(
            lambda: [job["scheduled"] for job in self.queue.jobs(cron.uid)] == expected,
            timeout=10,
        )
        upcoming = [job["scheduled"] for job in self.queue.jobs(cron.uid)]
        self.assertEqual(upcoming, expected)

    def test_missed_occurrences_skipped_by_policy(self):
        # hourly, at a minute 40 minutes ago: the latest occurrence is more
        # than half a period late, so "skip" logs all three and runs none
        now = utcnow()
        latest = (now - datetime.timedelta(minutes=40)).replace(second=0, microsecond=0)
        cron = self.prepare_missed(
            u"%d * * * *" % latest.minute,
            u"skip",
            handled=latest - datetime.timedelta(hours=3),
        )
        logs = wait_for(lambda: len(self.logs(cron.uid)) >= 3 and self.logs(cron.uid))
        wait_for(lambda: False, timeout=1)
        logs = self.logs(cron.uid)
        self.assertEqual([log.status for log in logs], [models.NOTRUN] * 3)
        self.assertEqual(
            [log.scheduled for log in logs],
            [latest - datetime.timedelta(hours=n) for n in (2, 1, 0)],
        )
        self.assertEqual(self.runs(), [])
        upcoming = [job["scheduled"] for job in self.queue.jobs(cron.uid)]
        self.assertEqual(upcoming, [latest + datetime.timedelta(hours=1)])

    def test_overlap_is_logged_not_run(self):
        from collective.cron.state import get_state
        from collective.cron.state import instance_id

        cron = self.add_cron(periodicity=u"* * * * *")
        state = get_state(self.portal, cron.uid)
        state.running = (u"elsewhere:1", utcnow(), (u"schedule", u"x", u"job-x"))
        transaction.commit()
        self.start_worker()
        self.queue_in(cron, 0, trigger=u"manual")
        logs = wait_for(
            lambda: [log for log in self.logs(cron.uid) if log.status != models.WARN]
        )
        # "elsewhere:1" has no heartbeat: its run is taken for dead, the
        # interrupted attempt is logged (WARN), then the run itself.
        self.assertEqual(logs[0].status, models.OK)
        interrupted = [log for log in self.logs(cron.uid) if log.status == models.WARN]
        self.assertEqual(len(interrupted), 1)
        self.assertIn(u"elsewhere:1", u" ".join(interrupted[0].messages))
        state = get_state(self.portal, cron.uid)
        state.running = (instance_id(), utcnow(), (u"schedule", u"x", u"job-x"))
        transaction.commit()
        self.queue_in(cron, 0, trigger=u"manual")
        logs = wait_for(lambda: len(self.logs(cron.uid)) > 2 and self.logs(cron.uid))
        self.assertEqual(logs[-1].status, models.NOTRUN)
        self.assertIn(u"still running", logs[-1].messages[0])
