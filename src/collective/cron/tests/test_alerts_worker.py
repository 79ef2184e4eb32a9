# -*- coding: utf-8 -*-
""" "No worker alive" alerts (``collective.cron.workerwatch``): noticed when
the health report is polled over real HTTP, once per change, and "back"
when a real huey worker starts again (its reconciler says so).  The clock
is frozen at the real time and moved past the shortest period of the
active crons; alerts reach a real HTTP receiver and a real SMTP server."""

from collective.cron import alerts
from collective.cron import clock
from collective.cron import workerwatch
from collective.cron.compat import PY2
from collective.cron.testing import start_test_worker
from collective.cron.testing import wait_for
from collective.cron.tests.test_health_view import HealthMixin

import json
import time
import transaction
import unittest


class TestWorkerAlerts(HealthMixin, unittest.TestCase):
    def setUp(self):
        from collective.cron.tests.test_alerts import set_up_receivers

        super(TestWorkerAlerts, self).setUp()
        set_up_receivers(self)
        transaction.commit()
        clock.freeze(clock.now())
        self.addCleanup(clock.reset)
        self.add_cron(uid=u"hourly", periodicity=u"@hourly")
        self.add_cron(uid=u"daily", periodicity=u"@daily")
        self.start_worker()

    def stop_worker(self):
        from collective.cron.engines import huey as engine

        engine.stop_worker(graceful=True)

    def events(self):
        return [
            json.loads(body.decode("utf-8"))["event"]
            for _, body in self.receiver.requests
        ]

    def poll(self, times=1):
        for rest in [False, True][:times]:
            status, data = self.health(self.manager(), rest=rest)
        return status, data

    def test_gone_once_after_the_shortest_period_then_back(self):
        self.assertEqual(self.poll()[0], 200)
        self.stop_worker()
        clock.advance(seconds=1800)
        status, data = self.poll()
        self.assertEqual(status, 503)  # the report says so after a minute...
        self.assertIn("no_worker", data["problems"])
        time.sleep(0.5)
        self.assertEqual(self.events(), [])  # ...the alert after an hour
        clock.advance(seconds=1900)
        self.poll(times=2)
        self.assertTrue(wait_for(lambda: self.events() == ["no_worker"]))
        body = json.loads(self.receiver.requests[0][1].decode("utf-8"))
        self.assertIsNone(body["cron"])
        self.assertIn(u"3600 s", body["messages"][0])
        self.assertTrue(wait_for(lambda: len(self.smtp.messages) == 1))
        self.assertIn(b"No cron worker alive", self.smtp.messages[0].content)
        self.poll(times=2)
        time.sleep(0.5)
        self.assertEqual(self.events(), ["no_worker"])
        transaction.begin()
        record = workerwatch.annotation_tree(self.portal, workerwatch.WATCH_KEY)
        self.assertEqual(record["state"], workerwatch.GONE)
        # A worker starts: its reconciler says it is back, once.  (Heartbeats
        # are real time: the clock follows real time again.)
        clock.reset()
        start_test_worker(self.layer)
        self.assertTrue(wait_for(lambda: self.events() == ["no_worker", "worker_back"]))
        self.poll(times=2)
        time.sleep(0.5)
        self.assertEqual(self.events(), ["no_worker", "worker_back"])
        self.assertTrue(wait_for(lambda: len(self.smtp.messages) == 2))

    def test_the_mail_text_names_the_site_in_french_and_german(self):
        data = {
            "event": "no_worker",
            "cron": None,
            "site": u"/plone",
            "site_url": u"http://example.org/plone",
            "status": u"NO_WORKER",
            "date": u"2040-01-15T10:05:00+00:00",
            "failures": 0,
            "messages": [u"No worker has shown a sign of life"],
        }
        subject, body = alerts.mail_text(data, "fr")
        self.assertEqual(subject, u"[cron] Aucun worker de cron actif : /plone")
        self.assertNotIn(u"Cron:", body)
        data["event"] = "worker_back"
        subject, body = alerts.mail_text(data, "de")
        self.assertTrue(subject.startswith(u"[cron] Ein Cron-Worker "), subject)
        self.assertTrue(subject.endswith(u"zurück: /plone"), subject)
        data.update(
            event="overdue", cron={"title": u"Nacht", "name": u"n", "uid": u"u"}
        )
        subject, body = alerts.mail_text(data, "de")
        self.assertEqual(subject, u"[cron] Cron überfällig: Nacht")

    def test_nothing_tracked_when_switched_off(self):
        alerts.ensure_records().on_no_worker = False
        transaction.commit()
        self.stop_worker()
        clock.advance(seconds=7200)
        self.assertEqual(self.poll(times=2)[0], 503)
        time.sleep(0.5)
        self.assertEqual(self.events(), [])
        transaction.begin()
        self.assertIsNone(
            workerwatch.annotation_tree(self.portal, workerwatch.WATCH_KEY)
        )


def test_suite():
    """The worker is huey's and the SMTP server is aiosmtpd (Python 3): on
    Python 2.7 this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
