# -*- coding: utf-8 -*-
"""Ping URLs (Healthchecks.io / Cronitor style) with real parts: runs by a
real huey worker, pings received by a real HTTP server on 127.0.0.1, the
REST API and the cron form over real HTTP, crons.xml and JSON export."""

from collective.cron import alerts
from collective.cron import clock
from collective.cron import pingfields
from collective.cron import pings
from collective.cron.builder import build_cron
from collective.cron.compat import PY2
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.events import StartedCronJobEvent
from collective.cron.exportimport.jsonfile import export_crontab
from collective.cron.exportimport.xmlfile import crons_xml
from collective.cron.exportimport.xmlfile import parse_crons_xml
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.testing import wait_for
from collective.cron.tests.test_health_view import HealthMixin
from plone.registry.interfaces import IRegistry
from zope.component import getUtility
from zope.component.hooks import setSite
from zope.event import notify

import datetime
import pytz
import re
import requests
import time
import transaction
import unittest


class TestParse(HealthMixin, unittest.TestCase):
    """What a ping URL may be: http(s) only, the field named otherwise."""

    def test_http_and_https_are_kept_stripped(self):
        self.assertEqual(
            pingfields.parse(u" https://hc-ping.com/abc ", "ping_start"),
            u"https://hc-ping.com/abc",
        )
        self.assertEqual(
            pingfields.parse(u"http://10.0.0.1:8000/p", "ping_fail"),
            u"http://10.0.0.1:8000/p",
        )
        self.assertEqual(pingfields.parse(None, "ping_fail"), u"")
        self.assertEqual(pingfields.parse(u"  ", "ping_fail"), u"")

    def test_other_schemes_and_junk_name_the_field(self):
        for bad in (
            u"file:///etc/passwd",
            u"ftp://example.org/x",
            u"gopher://example.org",
            u"https://",
            u"http:///path",
            u"https://exa mple.org/",
            u"example.org/ping",
            u"https://example.org/" + u"x" * pingfields.MAX_URL,
        ):
            with self.assertRaises(InvalidCron) as raised:
                build_cron({"name": u"a", "periodicity": u"@daily", "ping_fail": bad})
            self.assertEqual(raised.exception.field, "ping_fail", bad)
            self.assertIn("ping_fail", str(raised.exception))
        with self.assertRaises(InvalidCron) as raised:
            pingfields.parse(42, "ping_start")
        self.assertEqual(raised.exception.field, "ping_start")


class PingMixin(HealthMixin):
    def set_up_receiver(self):
        from collective.cron.tests.test_alerts import Receiver

        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)
        self.urls = dict(
            (field, self.receiver.url.replace("/hook", "/" + pings.KINDS[field]))
            for field in pings.FIELDS
        )

    def settle(self, count):
        """The paths pinged once ``count`` arrived (and a little after, for
        extras that should not come)."""
        self.assertTrue(wait_for(lambda: len(self.receiver.requests) >= count))
        time.sleep(0.5)
        return list(self.receiver.paths)


class TestPingsFromRuns(PingMixin, unittest.TestCase):
    def setUp(self):
        super(TestPingsFromRuns, self).setUp()
        self.set_up_receiver()
        # Alerts by e-mail and webhook stay off: pings do not depend on them.
        self.assertFalse(alerts.settings().enabled)
        self.start_worker()

    def test_a_good_run_pings_start_then_success(self):
        cron = self.add_cron(
            uid=u"good", name=u"collective.cron.test.warn", **self.urls
        )
        self.run_and_wait(cron, 1)
        self.assertEqual(self.settle(2), ["/start", "/success"])
        (start_headers, start), (headers, body) = self.receiver.requests
        self.assertEqual(start, b"")
        self.assertEqual(start_headers["User-Agent"], "collective.cron")
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(body, b"something to look at\nand another thing")

    def test_a_failed_run_pings_fail_with_its_error(self):
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail", **self.urls)
        self.run_and_wait(cron, 1)
        self.assertEqual(self.settle(2), ["/start", "/fail"])
        self.assertIn(b"Error", self.receiver.requests[1][1])

    def test_only_the_urls_set_are_called(self):
        cron = self.add_cron(uid=u"only", ping_success=self.urls["ping_success"])
        self.run_and_wait(cron, 1)
        self.assertEqual(self.settle(1), ["/success"])

    def test_a_receiver_error_is_retried(self):
        self.receiver.answers = [500]
        cron = self.add_cron(uid=u"retry", ping_success=self.urls["ping_success"])
        self.run_and_wait(cron, 1)
        self.assertEqual(self.settle(2), ["/success", "/success"])

    def test_switched_off_for_the_site(self):
        alerts.ensure_records().pings = False
        transaction.commit()
        cron = self.add_cron(uid=u"quiet", **self.urls)
        self.run_and_wait(cron, 1)
        other = self.add_cron(uid=u"other")
        self.run_and_wait(other, 1)  # the worker went past the first one
        time.sleep(0.5)
        self.assertEqual(self.receiver.requests, [])

    def test_a_failed_attempt_that_is_retried_pings_nothing(self):
        # Runs that raise are retried for scheduled runs only (not Run now).
        cron = self.add_cron(
            uid=u"flaky",
            name=u"collective.cron.test.fail",
            attempts=2,
            retry_delay=1,
            ping_success=self.urls["ping_success"],
            ping_fail=self.urls["ping_fail"],
        )
        IQueueManager(self.portal).register_job(
            cron.uid, datetime.datetime.now(pytz.utc), trigger=u"schedule"
        )
        transaction.commit()
        self.assertTrue(
            wait_for(lambda: len(ILogStore(self.portal).logs(cron.uid)) >= 2)
        )
        # the first attempt failed and was retried: the last one decides
        self.assertEqual(self.settle(1), ["/fail"])
        self.assertIn(b"Attempt 2/2", self.receiver.requests[0][1])


class TestStartPingOnce(PingMixin, unittest.TestCase):
    """A runner run again after a conflict fires the started event again:
    its start is pinged once per running marker."""

    def test_same_marker_pings_once(self):
        self.set_up_receiver()
        cron = self.add_cron(uid=u"again", ping_start=self.urls["ping_start"])
        setSite(self.portal)
        state = get_state(self.portal, cron.uid, create=True)
        state.running = (instance_id(), clock.now(), (u"manual", u"x", u"job-1"))
        transaction.commit()
        notify(StartedCronJobEvent(self.portal, cron))
        notify(StartedCronJobEvent(self.portal, cron))
        self.assertEqual(self.settle(1), ["/start"])
        state.running = (instance_id(), clock.now(), (u"manual", u"x", u"job-2"))
        transaction.commit()
        notify(StartedCronJobEvent(self.portal, cron))
        self.assertEqual(self.settle(2), ["/start", "/start"])


class TestPingFields(PingMixin, unittest.TestCase):
    """The fields through REST, the form, crons.xml and JSON export."""

    def test_rest_sets_shows_and_refuses(self):
        api = self.session(u"siteadmin")
        answer = api.post(
            u"@crons",
            json={
                u"name": u"collective.cron.test.ok",
                u"periodicity": u"@daily",
                u"uid": u"p1",
                u"user": u"siteadmin",
                u"ping_start": u"https://hc-ping.com/uuid/start",
                u"ping_success": u"https://hc-ping.com/uuid",
            },
        )
        self.assertEqual(answer.status_code, 201, answer.text)
        data = api.get(u"@crons/p1").json()
        self.assertEqual(data[u"ping_start"], u"https://hc-ping.com/uuid/start")
        self.assertEqual(data[u"ping_success"], u"https://hc-ping.com/uuid")
        self.assertEqual(data[u"ping_fail"], u"")
        refused = api.patch(u"@crons/p1", json={u"ping_fail": u"file:///etc/passwd"})
        self.assertError(refused, 400, field=u"ping_fail")
        refused = api.patch(u"@crons/p1", json={u"ping_fail": 3})
        self.assertError(refused, 400, field=u"ping_fail")
        self.assertEqual(self.crontab().crons[u"p1"].ping_fail, u"")

    def test_form_names_the_field_and_saves_nothing(self):
        self.add_cron(uid=u"f1", user=u"siteadmin")
        url = self.portal_url + u"/@@cron-settings/f1/edit"
        session = requests.Session()
        session.auth = self.manager()
        page = session.get(url, timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn(u"form.widgets.ping_start", page.text)
        token = re.search(r'name="_authenticator" value="([^"]+)"', page.text).group(1)
        data = {
            u"form.widgets.name": u"collective.cron.test.ok",
            u"form.widgets.periodicity": u"@daily",
            u"form.widgets.user": u"siteadmin",
            u"form.widgets.environ": u"{}",
            u"form.widgets.logs_limit": u"20",
            u"form.widgets.missed": u"run_once",
            u"form.widgets.timeout": u"0",
            u"form.widgets.attempts": u"1",
            u"form.widgets.retry_delay": u"60",
            u"form.widgets.overlap:list": u"forbid",
            u"form.widgets.ping_fail": u"ftp://example.org/x",
            u"form.buttons.save": u"Save",
            u"_authenticator": token,
        }
        answer = session.post(url, data=data, timeout=30)
        self.assertEqual(answer.status_code, 200)
        self.assertIn(u"Give an http:// or https:// address", answer.text)
        self.assertEqual(self.crontab().crons[u"f1"].ping_fail, u"")
        data[u"form.widgets.ping_fail"] = u"https://hc-ping.com/uuid/fail"
        answer = session.post(url, data=data, timeout=30)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(
            self.crontab().crons[u"f1"].ping_fail, u"https://hc-ping.com/uuid/fail"
        )

    def test_form_translated(self):
        self.add_cron(uid=u"t1", user=u"siteadmin")
        registry = getUtility(IRegistry)
        registry["plone.available_languages"] = [u"en", u"fr", u"de"]
        registry["plone.use_request_negotiation"] = True
        transaction.commit()
        url = self.portal_url + u"/@@cron-settings/t1/edit"
        for language, text in (
            ("fr", u"URL de ping : début"),
            ("de", u"Ping-URL: Fehler"),
        ):
            page = requests.get(
                url,
                auth=self.manager(),
                headers={"Accept-Language": language},
                timeout=30,
            )
            self.assertIn(text, page.text, language)

    def test_a_site_without_the_new_records(self):
        """Settings added after a site registered its alert records: the
        others still decide, the new ones read as their defaults (pings
        on), and the first save of the alerts page registers them."""
        registry = getUtility(IRegistry)
        for name in ("pings", "on_overdue", "on_no_worker"):
            del registry.records[alerts.ALERTS_PREFIX + "." + name]
        transaction.commit()
        config = alerts.settings()
        self.assertIsNotNone(config)
        self.assertFalse(config.enabled)
        self.assertTrue(alerts.option(config, "pings"))
        self.assertTrue(pings.enabled())
        url = self.portal_url + "/@@cron-settings/alerts"
        session = requests.Session()
        session.auth = self.manager()
        page = session.get(url, timeout=30)
        checkbox = re.search(r'<input[^>]*id="form-widgets-pings-0"[^>]*>', page.text)
        self.assertIn("checked", checkbox.group(0))
        token = re.search(r'name="_authenticator" value="([^"]+)"', page.text).group(1)
        data = {
            "form.widgets.failures": "1",
            "form.widgets.webhook_attempts": "3",
            "form.widgets.on_overdue:list": "selected",
            "form.buttons.save": "Save",
            "_authenticator": token,
        }
        self.assertEqual(session.post(url, data=data, timeout=30).status_code, 200)
        transaction.begin()
        self.assertIn(alerts.ALERTS_PREFIX + ".pings", registry.records)
        self.assertFalse(alerts.settings().pings)  # unticked on the form
        self.assertTrue(alerts.settings().on_overdue)

    def test_export_and_import(self):
        self.add_cron(uid=u"x1", ping_fail=u"https://hc-ping.com/uuid/fail")
        self.add_cron(uid=u"x2")
        transaction.begin()
        setSite(self.portal)
        body = crons_xml(self.portal)
        self.assertIn(b'ping_fail="https://hc-ping.com/uuid/fail"', body)
        self.assertEqual(body.count(b"ping_"), 1)
        entries = dict(parse_crons_xml(body)[1])
        cron = build_cron(dict(entries[u"x1"], uid=u"x1"))
        self.assertEqual(cron.ping_fail, u"https://hc-ping.com/uuid/fail")
        exported = export_crontab(self.portal)
        crons = dict((item[u"uid"], item) for item in exported[u"crons"])
        self.assertEqual(crons[u"x1"][u"ping_fail"], u"https://hc-ping.com/uuid/fail")
        self.assertEqual(Crontab.load(self.portal).crons[u"x2"].ping_start, u"")


def test_suite():
    """The runs are made by the huey worker and the receiver is Python 3's
    ThreadingHTTPServer: on Python 2.7 this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
