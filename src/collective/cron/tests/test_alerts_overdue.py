# -*- coding: utf-8 -*-
"""Overdue alerts (``collective.cron.overdue``): a run past its timeout
alerts once, while it still runs (the reconciler's check) or when it ends.

A real huey worker runs a runner that blocks until the test lets it go;
the clock is frozen at the real time (the worker's queue follows real
time) and moved past the timeout; the reconciler's pass is called as the
worker calls it every minute; the alerts reach a real HTTP receiver and a
real SMTP server (aiosmtpd)."""

from collective.cron import alerts
from collective.cron import clock
from collective.cron import overdue
from collective.cron.compat import PY2
from collective.cron.health import run_now
from collective.cron.interfaces import ILogStore
from collective.cron.log import WARN
from collective.cron.reconciler import reconcile_site
from collective.cron.runner import Runner
from collective.cron.state import get_state
from collective.cron.testing import wait_for
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.test_health_view import HealthMixin
from zope.component.hooks import setSite

import json
import threading
import time
import transaction
import unittest

BLOCK = u"collective.cron.test.overdue.block"
RELEASE = threading.Event()
STARTED = threading.Event()


class BlockingRunner(Runner):
    """Runs until the test sets RELEASE (at most 60 s)."""

    def run(self):
        STARTED.set()
        RELEASE.wait(60)


class TestOverdueAlerts(HealthMixin, unittest.TestCase):
    def setUp(self):
        from collective.cron.tests.test_alerts import set_up_receivers

        super(TestOverdueAlerts, self).setUp()
        register_runner(self, BlockingRunner, BLOCK)
        RELEASE.clear()
        STARTED.clear()
        self.addCleanup(RELEASE.set)
        clock.freeze(clock.now())
        self.addCleanup(clock.reset)
        set_up_receivers(self)
        transaction.commit()
        self.start_worker()
        self.cron = self.add_cron(uid=u"slow", name=BLOCK, timeout=60)

    def events(self):
        return [
            json.loads(body.decode("utf-8"))["event"]
            for _, body in self.receiver.requests
        ]

    def start_run(self):
        run_now(self.portal, self.cron)
        transaction.commit()

        def running():
            transaction.begin()
            state = get_state(self.portal, self.cron.uid)
            return state is not None and state.running is not None

        self.assertTrue(wait_for(running))
        # The run's start time is read before the runner: then the clock moves.
        self.assertTrue(STARTED.wait(20))

    def reconcile(self):
        transaction.begin()
        setSite(self.portal)
        reconcile_site(self.portal)
        transaction.commit()

    def finish(self):
        RELEASE.set()
        self.assertTrue(
            wait_for(lambda: len(ILogStore(self.portal).logs(self.cron.uid)) >= 1)
        )
        transaction.begin()
        return ILogStore(self.portal).last(self.cron.uid)

    def test_alerted_once_while_running_not_again_at_the_end(self):
        self.start_run()
        clock.advance(seconds=59)
        self.reconcile()
        time.sleep(0.5)
        self.assertEqual(self.events(), [])  # not yet past the timeout
        clock.advance(seconds=30)
        self.reconcile()
        self.assertTrue(wait_for(lambda: self.events() == ["overdue"]))
        body = json.loads(self.receiver.requests[0][1].decode("utf-8"))
        self.assertEqual(body["cron"]["uid"], u"slow")
        self.assertEqual(body["status"], u"RUNNING")
        self.assertIn(u"timeout of 60 s", body["messages"][0])
        self.assertTrue(wait_for(lambda: len(self.smtp.messages) == 1))
        self.assertIn(b"overdue", self.smtp.messages[0].content)
        # The check wrote its own record, not the cron's state or logs.
        transaction.begin()
        self.assertIn(
            u"slow", overdue.annotation_tree(self.portal, overdue.ALERTED_KEY)
        )
        self.assertEqual(ILogStore(self.portal).logs(u"slow"), [])
        clock.advance(seconds=60)
        self.reconcile()  # still running, already alerted
        log = self.finish()
        self.assertEqual(log.status, WARN)
        self.assertIn(u"Overdue", log.messages[-1])
        self.reconcile()  # forgets the ended run
        time.sleep(1)
        self.assertEqual(self.events(), ["overdue"])
        self.assertEqual(len(self.smtp.messages), 1)
        transaction.begin()
        tree = overdue.annotation_tree(self.portal, overdue.ALERTED_KEY)
        self.assertNotIn(u"slow", tree)

    def test_a_run_that_ended_before_a_check_alerts_at_its_end(self):
        self.start_run()
        clock.advance(seconds=90)
        log = self.finish()
        self.assertEqual(log.status, WARN)
        self.assertTrue(wait_for(lambda: self.events() == ["overdue"]))
        self.reconcile()
        time.sleep(1)
        self.assertEqual(self.events(), ["overdue"])

    def test_switched_off(self):
        alerts.ensure_records().on_overdue = False
        transaction.commit()
        self.start_run()
        clock.advance(seconds=90)
        self.reconcile()
        self.finish()
        time.sleep(1)
        self.assertEqual(self.events(), [])


def test_suite():
    """The runs are made by the huey worker and the SMTP server is aiosmtpd
    (Python 3): on Python 2.7 this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
