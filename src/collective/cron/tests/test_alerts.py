# -*- coding: utf-8 -*-
"""Alerts with real parts: runs by a real huey worker, a real SMTP server
(aiosmtpd) behind the site's MailHost, a real HTTP receiver for the webhook,
the settings page over real HTTP."""

from collective.cron import alerts
from collective.cron.compat import PY2
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.state import get_state
from collective.cron.testing import free_port
from collective.cron.testing import wait_for
from collective.cron.tests.test_health_view import HealthMixin
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import hashlib
import hmac
import json
import re
import requests
import threading
import time
import transaction
import unittest

SECRET = u"webhook-secret"


class Receiver(object):
    """A real HTTP server on 127.0.0.1 that records the POSTs it gets and
    answers them with the statuses of ``answers`` in turn (then 200)."""

    def __init__(self, answers=()):
        from http.server import BaseHTTPRequestHandler
        from http.server import ThreadingHTTPServer

        receiver = self
        self.answers = list(answers)
        self.requests = []
        self.paths = []  # of the requests, in the same order

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                receiver.requests.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.daemon = True
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpServer(object):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps the messages."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        server = self
        self.messages = []

        class Handler(object):
            def handle_DATA(self, smtp_server, session, envelope):
                # aiosmtpd awaits the answer: a done future (no ``async def``,
                # so that this module still compiles on Python 2.7).
                import asyncio

                server.messages.append(envelope)
                answer = asyncio.get_event_loop().create_future()
                answer.set_result("250 OK")
                return answer

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


class Config(object):
    failures = 1
    every_failure = False
    on_recovery = True
    on_notrun = True

    def __init__(self, **values):
        self.__dict__.update(values)


class TestDecide(HealthMixin, unittest.TestCase):
    """The once-per-change rule (``alerts.decide``), run by run."""

    def kinds(self, statuses, **config):
        config = Config(**config)
        alert, kinds = None, []
        for status in statuses:
            kind, alert = alerts.decide(alert, status, False, config)
            kinds.append(kind)
        return kinds

    def test_failures_alert_once_until_recovery(self):
        self.assertEqual(
            self.kinds([OK, FAILURE, FAILURE, OK, OK, FAILURE]),
            [None, "failure", None, "recovery", None, "failure"],
        )

    def test_every_failure(self):
        self.assertEqual(
            self.kinds([FAILURE, FAILURE, OK], every_failure=True),
            ["failure", "failure", "recovery"],
        )

    def test_threshold_of_consecutive_failures(self):
        self.assertEqual(
            self.kinds(
                [FAILURE, FAILURE, OK, FAILURE, FAILURE, FAILURE, FAILURE], failures=3
            ),
            [None, None, None, None, None, "failure", None],
        )

    def test_not_run_alerts_once(self):
        self.assertEqual(self.kinds([NOTRUN, NOTRUN, OK]), ["notrun", None, "recovery"])
        self.assertEqual(
            self.kinds([NOTRUN, OK], on_notrun=False, on_recovery=False), [None, None]
        )
        # Not alerted, so nothing to recover from.
        self.assertEqual(self.kinds([NOTRUN, OK], on_notrun=False), [None, None])

    def test_missed_before_a_good_run(self):
        kind, alert = alerts.decide(None, OK, True, Config())
        self.assertEqual((kind, alert["state"]), ("notrun", "ok"))


def set_up_receivers(test):
    """A real SMTP server behind the site's MailHost and a real webhook
    receiver (``test.smtp``, ``test.receiver``), alerts on for both; returns
    the alert settings (the caller commits)."""
    test.smtp = SmtpServer()
    test.addCleanup(test.smtp.stop)
    test.receiver = Receiver()
    test.addCleanup(test.receiver.stop)
    # The site's mail settings (as the mail control panel saves them: the
    # registry, then the MailHost follows).
    registry = getUtility(IRegistry)
    registry["plone.email_from_address"] = "cron@example.org"
    registry["plone.smtp_host"] = u"127.0.0.1"
    registry["plone.smtp_port"] = test.smtp.port
    test.portal.MailHost.smtp_host = "127.0.0.1"
    test.portal.MailHost.smtp_port = test.smtp.port
    config = alerts.settings()
    config.enabled = True
    config.emails = ["admin@example.org"]
    config.webhook_url = test.receiver.url
    config.webhook_secret = SECRET
    return config


class TestAlerts(HealthMixin, unittest.TestCase):
    def setUp(self):
        super(TestAlerts, self).setUp()
        config = set_up_receivers(self)
        config.webhook_attempts = 3
        transaction.commit()
        self.start_worker()

    def bodies(self):
        return [json.loads(body.decode("utf-8")) for _, body in self.receiver.requests]

    def settle(self, count):
        """Wait for ``count`` webhook deliveries, then a little for extras."""
        self.assertTrue(wait_for(lambda: len(self.receiver.requests) >= count))
        time.sleep(0.5)  # a storm would show here
        return self.bodies()

    def test_failure_once_then_recovery(self):
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        self.run_and_wait(cron, 1)
        self.run_and_wait(cron, 2)
        bodies = self.settle(1)
        self.assertEqual([body["event"] for body in bodies], ["failure"])
        self.assertEqual(bodies[0]["cron"]["uid"], u"bad")
        self.assertEqual(bodies[0]["status"], u"FAILURE")
        self.assertEqual(get_state(self.portal, u"bad").alert["failures"], 2)
        self.assertTrue(wait_for(lambda: self.smtp.messages))
        mail = self.smtp.messages[0]
        self.assertEqual(mail.rcpt_tos, ["admin@example.org"])
        self.assertEqual(mail.mail_from, "cron@example.org")
        self.assertIn(b"collective.cron.test.fail", mail.content)
        self.assertEqual(len(self.smtp.messages), 1)
        # the runner is fixed: one recovery alert
        transaction.begin()
        crontab = Crontab.load(self.portal)
        fixed = crontab.crons[u"bad"]
        fixed.name = u"collective.cron.test.ok"
        crontab.save_cron(fixed)
        transaction.commit()
        self.run_and_wait(fixed, 3)
        bodies = self.settle(2)
        self.assertEqual([body["event"] for body in bodies], ["failure", "recovery"])
        self.assertTrue(wait_for(lambda: len(self.smtp.messages) == 2))

    def test_webhook_signature_and_retry_after_500(self):
        self.receiver.answers = [500]
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        self.run_and_wait(cron, 1)
        self.settle(2)
        (headers1, body1), (headers2, body2) = self.receiver.requests
        self.assertEqual(body1, body2)
        self.assertEqual(headers1["Content-Type"], "application/json")
        expected = (
            "sha256="
            + hmac.new(SECRET.encode("utf-8"), body2, hashlib.sha256).hexdigest()
        )
        self.assertEqual(headers2[alerts.SIGNATURE_HEADER], expected)
        self.assertEqual(len(self.receiver.requests), 2)

    def test_broken_mail_settings_fail_neither_the_run_nor_the_webhook(self):
        self.portal.MailHost.smtp_port = "not a port"
        transaction.commit()
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        logs = self.run_and_wait(cron, 1)
        self.assertTrue(logs)
        transaction.begin()
        self.assertEqual(ILogStore(self.portal).last(u"bad").status, FAILURE)
        bodies = self.settle(1)
        self.assertEqual([body["event"] for body in bodies], ["failure"])
        self.assertEqual(self.smtp.messages, [])

    def test_disabled_sends_nothing(self):
        alerts.settings().enabled = False
        transaction.commit()
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        self.run_and_wait(cron, 1)
        ok = self.add_cron(uid=u"ok1")
        self.run_and_wait(ok, 1)  # the worker went past the failure
        self.assertEqual(self.receiver.requests, [])
        self.assertEqual(self.smtp.messages, [])


class TestSettingsPage(HealthMixin, unittest.TestCase):
    def test_save_needs_the_token_and_writes_the_registry(self):
        url = self.portal_url + "/@@cron-settings/alerts"
        session = requests.Session()
        session.auth = self.manager()
        page = session.get(url, timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn("form.widgets.webhook_url", page.text)
        data = {
            "form.widgets.enabled:list": "selected",
            "form.widgets.failures": "2",
            "form.widgets.webhook_attempts": "3",
            "form.widgets.emails": "ops@example.org",
            "form.widgets.webhook_url": "http://127.0.0.1:9/hook",
            "form.buttons.save": "Save",
        }
        refused = session.post(url, data=data, timeout=30)
        self.assertEqual(refused.status_code, 403)
        token = re.search(r'name="_authenticator" value="([^"]+)"', page.text).group(1)
        data["_authenticator"] = token
        saved = session.post(url, data=data, timeout=30)
        self.assertEqual(saved.status_code, 200, saved.text[:500])
        transaction.begin()
        config = alerts.settings()
        self.assertTrue(config.enabled)
        self.assertEqual(config.failures, 2)
        self.assertEqual(config.emails, ["ops@example.org"])
        member = requests.get(url, auth=("member", u"secret-password"), timeout=30)
        self.assertNotIn("form.widgets.webhook_url", member.text)

    def test_the_dashboard_links_to_the_alerts_page(self):
        session = requests.Session()
        session.auth = self.manager()
        dashboard = session.get(self.portal_url + "/@@cron-settings", timeout=30)
        self.assertEqual(dashboard.status_code, 200)
        link = re.search(r'<a[^>]*id="cron-alerts"[^>]*>', dashboard.text).group(0)
        href = re.search(r'href="([^"]+)"', link).group(1)
        self.assertTrue(href.endswith("/@@cron-settings/alerts"), href)
        page = session.get(href, timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn("form.widgets.webhook_url", page.text)

    def test_bad_value_names_the_field_and_changes_nothing(self):
        url = self.portal_url + "/@@cron-settings/alerts"
        session = requests.Session()
        session.auth = self.manager()
        page = session.get(url, timeout=30)
        token = re.search(r'name="_authenticator" value="([^"]+)"', page.text).group(1)
        data = {
            "form.widgets.failures": "0",
            "form.widgets.webhook_attempts": "3",
            "form.buttons.save": "Save",
            "_authenticator": token,
        }
        answer = session.post(url, data=data, timeout=30)
        self.assertEqual(answer.status_code, 200)
        self.assertIn("Failures in a row", answer.text)
        self.assertIn("error", answer.text)
        transaction.begin()
        self.assertEqual(alerts.settings().failures, 1)
        data["form.widgets.failures"] = "2"
        data["form.widgets.webhook_url"] = "file:///etc/passwd"
        answer = session.post(url, data=data, timeout=30)
        self.assertIn("Use an http:// or https:// address.", answer.text)
        transaction.begin()
        self.assertEqual(alerts.settings().failures, 1)
        self.assertIsNone(alerts.settings().webhook_url)

    def test_translated(self):
        registry = getUtility(IRegistry)
        registry["plone.available_languages"] = [u"en", u"fr", u"de"]
        registry["plone.use_request_negotiation"] = True
        transaction.commit()
        url = self.portal_url + "/@@cron-settings/alerts"
        for language, texts in (
            ("fr", [u"Envoyer des alertes", u"Secret du webhook", u"Alertes"]),
            ("de", [u"Alarme senden", u"Webhook-Geheimnis", u"E-Mail-Empfänger"]),
        ):
            page = requests.get(
                url,
                auth=self.manager(),
                headers={"Accept-Language": language},
                timeout=30,
            )
            for text in texts:
                self.assertIn(text, page.text, language)

    def test_a_site_without_the_records_gets_them_on_the_first_save(self):
        """A site installed before alerts existed: defaults shown, no alert
        sent, the records registered by the first save (not by a GET)."""
        registry = getUtility(IRegistry)
        for name in list(registry.records.keys()):
            if name.startswith(alerts.ALERTS_PREFIX + "."):
                del registry.records[name]
        transaction.commit()
        self.assertIsNone(alerts.settings())
        url = self.portal_url + "/@@cron-settings/alerts"
        session = requests.Session()
        session.auth = self.manager()
        page = session.get(url, timeout=30)
        self.assertEqual(page.status_code, 200)
        transaction.begin()
        self.assertIsNone(alerts.settings())
        token = re.search(r'name="_authenticator" value="([^"]+)"', page.text).group(1)
        data = {
            "form.widgets.failures": "4",
            "form.widgets.webhook_attempts": "3",
            "form.buttons.save": "Save",
            "_authenticator": token,
        }
        self.assertEqual(session.post(url, data=data, timeout=30).status_code, 200)
        transaction.begin()
        self.assertEqual(alerts.settings().failures, 4)


def test_suite():
    """The runs are made by the huey worker and the SMTP server is aiosmtpd
    (Python 3); Python 2.7 has neither: there this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
