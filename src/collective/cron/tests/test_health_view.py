# -*- coding: utf-8 -*-
"""@@cron-health and REST @cron-health over real HTTP and the real engine
(huey on SQLite, a real worker thread, a really broken queue URL)."""

from collective.cron import clock
from collective.cron.compat import PY2
from collective.cron.health import OVERDUE_GRACE
from collective.cron.health import run_now
from collective.cron.interfaces import ILogStore
from collective.cron.state import get_state
from collective.cron.testing import free_port
from collective.cron.testing import start_test_worker
from collective.cron.testing import wait_for
from collective.cron.tests.test_restapi import RestApiMixin

import datetime
import os
import requests
import transaction
import unittest


class HealthMixin(RestApiMixin):
    def health(self, auth=None, rest=False):
        """GET the report: (HTTP status, JSON)."""
        url = self.portal_url + ("/@cron-health" if rest else "/@@cron-health")
        response = requests.get(
            url, auth=auth, headers={"Accept": "application/json"}, timeout=30
        )
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        return response.status_code, response.json()

    def manager(self):
        return ("siteadmin", u"secret-password")

    def start_worker(self):
        worker = start_test_worker(self.layer)
        # Healthy needs a heartbeat that the worker wrote.
        self.assertTrue(
            wait_for(lambda: self.health(self.manager())[1]["workers"], timeout=20)
        )
        return worker

    def run_and_wait(self, cron, count):
        run_now(self.portal, cron)
        transaction.commit()
        return wait_for(lambda: len(ILogStore(self.portal).logs(cron.uid)) >= count)


class TestHealth(HealthMixin, unittest.TestCase):
    def test_healthy_is_200_and_anonymous_sees_the_status_only(self):
        self.add_cron(uid=u"ok1")
        self.start_worker()
        for rest in (False, True):
            status, data = self.health(rest=rest)
            self.assertEqual((status, data), (200, {"status": "ok"}))
            status, data = self.health(self.manager(), rest=rest)
            self.assertEqual(status, 200)
            self.assertEqual(data["status"], "ok", data)
            self.assertEqual(data["problems"], [])
            self.assertTrue(data["engine"]["reachable"])
            self.assertTrue(data["workers"][0]["alive"])
            self.assertLess(data["workers"][0]["age"], 60)
            self.assertEqual(data["crontab"], {"activated": True, "active": 1})

    def test_a_member_gets_no_details(self):
        status, data = self.health(("member", u"secret-password"))
        self.assertEqual(list(data), ["status"])

    def test_active_crons_without_a_worker_are_unhealthy(self):
        self.add_cron(uid=u"ok1")
        status, data = self.health(self.manager())
        self.assertEqual(status, 503)
        self.assertEqual(data["status"], "unhealthy")
        self.assertIn("no_worker", data["problems"])
        self.assertEqual(self.health()[1], {"status": "unhealthy"})

    def test_no_active_cron_needs_no_worker(self):
        self.add_cron(uid=u"off", activated=False)
        self.assertEqual(self.health(), (200, {"status": "ok"}))

    def test_failing_cron_is_listed_and_the_site_degraded(self):
        self.start_worker()
        cron = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        self.assertTrue(self.run_and_wait(cron, 1))
        self.assertTrue(self.run_and_wait(cron, 2))
        status, data = self.health(self.manager(), rest=True)
        self.assertEqual(status, 200)
        self.assertEqual(data["status"], "degraded")
        self.assertEqual(data["problems"], ["failing"])
        self.assertEqual(len(data["failing"]), 1)
        failing = data["failing"][0]
        self.assertEqual(failing["uid"], u"bad")
        self.assertEqual(failing["name"], u"collective.cron.test.fail")
        self.assertEqual(failing["failures"], 2)
        self.assertTrue(failing["message"])
        self.assertEqual(self.health()[1], {"status": "degraded"})

    def test_overdue_cron_is_unhealthy(self):
        self.start_worker()
        cron = self.add_cron(uid=u"late", periodicity=u"@yearly")
        state = get_state(self.portal, cron.uid, create=True)
        expected = clock.now() - datetime.timedelta(seconds=OVERDUE_GRACE + 60)
        # the occurrence queued is past and was not handled: no worker ran it
        state.expected = expected
        state.handled = expected - datetime.timedelta(days=365)
        transaction.commit()
        status, data = self.health(self.manager())
        self.assertEqual(status, 503)
        self.assertEqual(data["problems"], ["overdue"])
        self.assertEqual(data["overdue"][0]["uid"], u"late")
        self.assertEqual(data["overdue"][0]["expected"], clock.to_iso(expected))
        # handled: no longer overdue
        state = get_state(self.portal, cron.uid)
        state.handled = expected
        transaction.commit()
        self.assertEqual(self.health(), (200, {"status": "ok"}))


class TestBrokenQueue(HealthMixin, unittest.TestCase):
    """A queue URL that points at nothing: a Redis port nobody listens on."""

    def setUp(self):
        super(TestBrokenQueue, self).setUp()
        saved = os.environ.get("COLLECTIVE_CRON_QUEUE")
        os.environ["COLLECTIVE_CRON_QUEUE"] = "redis://:hunter22@127.0.0.1:%d/0" % (
            free_port(),
        )
        self.addCleanup(os.environ.__setitem__, "COLLECTIVE_CRON_QUEUE", saved)

    def test_unreachable_queue_is_503_and_hides_the_password(self):
        status, data = self.health()
        self.assertEqual((status, data), (503, {"status": "unhealthy"}))
        status, data = self.health(self.manager(), rest=True)
        self.assertEqual(status, 503)
        self.assertIn("queue_unreachable", data["problems"])
        self.assertFalse(data["engine"]["reachable"])
        self.assertTrue(data["engine"]["error"])
        self.assertNotIn("hunter22", repr(data))


def test_suite():
    """The report is checked over the huey engine (Python 3); Python 2.7
    has no huey: there this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
