# -*- coding: utf-8 -*-
"""Occurrences not run alert at once (``INotRunCronJobEvent``), not at the
next run: jobs executed as the engines execute them (``execute_job``, with
its own connection and transactions) under a frozen clock, alerts received
by a real SMTP server (aiosmtpd) behind the MailHost and a real HTTP
receiver."""

from collective.cron import alerts
from collective.cron import clock
from collective.cron import jobrunner
from collective.cron.compat import PY2
from collective.cron.compat import text_type
from collective.cron.interfaces import ILogStore
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.state import get_state
from collective.cron.testing import wait_for
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import EVERY_5
from collective.cron.tests.frozen import START
from collective.cron.tests.test_health_view import HealthMixin
from email.header import decode_header
from email.header import make_header
from plone.registry.interfaces import IRegistry
from zope.component import getUtility
from zope.component.hooks import setSite

import email
import json
import time
import transaction
import unittest


class TestNotRunAlerts(HealthMixin, unittest.TestCase):
    def setUp(self):
        from collective.cron.tests.test_alerts import set_up_receivers

        super(TestNotRunAlerts, self).setUp()
        clock.freeze(START)
        self.addCleanup(clock.reset)
        set_up_receivers(self)
        transaction.commit()
        self.path = u"/".join(self.portal.getPhysicalPath())
        self.cron = self.add_cron(
            uid=u"late", periodicity=EVERY_5, timezone=u"UTC", missed=u"skip"
        )
        self.assertIsNotNone(get_state(self.portal, u"late").handled)

    def execute(self, scheduled, job_id):
        log = jobrunner.execute_job(
            self.layer["zodbDB"],
            self.path,
            self.cron.uid,
            clock.to_iso(scheduled),
            u"schedule",
            job_id,
        )
        transaction.begin()  # see what the job committed
        setSite(self.portal)
        return log

    def events(self, count):
        self.assertTrue(wait_for(lambda: len(self.receiver.requests) >= count))
        time.sleep(0.5)  # a storm would show here
        return [
            json.loads(body.decode("utf-8"))["event"]
            for _, body in self.receiver.requests
        ]

    def statuses(self):
        return [log.status for log in ILogStore(self.portal).logs(self.cron.uid)]

    def test_a_late_occurrence_alerts_when_it_is_logged(self):
        # Taken at 10:23, even the newest occurrence (10:20) is late: under
        # "skip" none is run.
        clock.advance(minutes=23)
        self.assertIsNone(self.execute(at(5), u"job-1"))
        self.assertEqual(set(self.statuses()), set([NOTRUN]))
        self.assertEqual(self.events(1), ["notrun"])
        self.assertTrue(wait_for(lambda: self.smtp.messages))
        self.assertIn(b"late", self.smtp.messages[0].content)
        self.assertEqual(get_state(self.portal, u"late").alert["state"], "notrun")
        # Missed again (10:25 … 10:40): the state did not change, no alert.
        clock.advance(minutes=20)
        self.assertIsNone(self.execute(at(25), u"job-2"))
        self.assertEqual(self.events(1), ["notrun"])
        # On time again: it runs, one recovery.
        clock.freeze(at(45))
        log = self.execute(at(45), u"job-3")
        self.assertEqual(log.status, OK)
        self.assertEqual(self.events(2), ["notrun", "recovery"])
        self.assertEqual(len(self.receiver.requests), 2)
        self.assertTrue(wait_for(lambda: len(self.smtp.messages) == 2))

    def test_missed_occurrences_before_a_catch_up_alert_before_it_runs(self):
        # 10:05 … 10:15 were missed (no worker); the job of 10:20 is on time
        # and runs as a catch-up after the NOTRUN logs of the others.
        self.cron.missed = u"run_once"
        from collective.cron.crontab import Crontab

        Crontab.load(self.portal).save_cron(self.cron)
        transaction.commit()
        clock.advance(minutes=20)
        log = self.execute(at(20), u"job-1")
        self.assertEqual(log.status, OK)
        self.assertEqual(self.statuses().count(NOTRUN), 3)
        # One alert from the claim's transaction, one from the run's, in
        # that order (a thread per alert once let them race on Python 3.8).
        self.assertEqual(self.events(2), ["notrun", "recovery"])

    def test_the_mail_is_in_the_site_language(self):
        getUtility(IRegistry)["plone.default_language"] = "fr"
        transaction.commit()
        clock.advance(minutes=23)
        self.execute(at(5), u"job-1")
        self.assertTrue(wait_for(lambda: self.smtp.messages))
        mail = email.message_from_bytes(self.smtp.messages[0].content)
        subject = text_type(make_header(decode_header(mail["Subject"])))
        self.assertEqual(subject, u"[cron] Cron non exécuté : collective.cron.test.ok")
        body = mail.get_payload(decode=True).decode("utf-8")
        self.assertIn(u"Statut : NOTRUN", body)
        self.assertIn(u"Échecs consécutifs : 0", body)
        self.assertIn(u"Cron : collective.cron.test.ok (late)", body)

    def test_the_mail_text_in_german_and_english(self):
        data = {
            "event": "failure",
            "cron": {"title": u"Aufräumen", "name": u"cleanup", "uid": u"u1"},
            "site_url": u"http://example.org/Plone",
            "status": u"FAILURE",
            "date": u"2040-01-15T10:05:00+00:00",
            "failures": 3,
            "messages": [u"ValueError: kaputt"],
        }
        subject, body = alerts.mail_text(data, "de")
        self.assertEqual(subject, u"[cron] Cron schlägt fehl: Aufräumen")
        self.assertIn(u"Fehlschläge in Folge: 3", body)
        self.assertIn(u"Datum: 2040-01-15T10:05:00+00:00", body)
        self.assertTrue(body.endswith(u"ValueError: kaputt"))
        subject, body = alerts.mail_text(data, "en")
        self.assertEqual(subject, u"[cron] Cron failing: Aufräumen")
        self.assertIn(u"Failures in a row: 3", body)

    def test_not_run_alerts_off_send_nothing_and_no_recovery(self):
        alerts.settings().on_notrun = False
        transaction.commit()
        clock.advance(minutes=23)
        self.execute(at(5), u"job-1")
        clock.freeze(at(25))
        self.assertEqual(self.execute(at(25), u"job-2").status, OK)
        time.sleep(1)
        self.assertEqual(self.receiver.requests, [])
        self.assertEqual(self.smtp.messages, [])


def test_suite():
    """aiosmtpd and http.server's threading server are Python 3 only."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
