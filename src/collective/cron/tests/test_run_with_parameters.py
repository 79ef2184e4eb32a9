# -*- coding: utf-8 -*-
"""Run now with parameters (issue 12): a one-off run whose parameters
override the cron's for that run only, run by a real huey worker, from the
cron page's form and from POST @crons/<uid>/run."""

from collective.cron import audit
from collective.cron.compat import PY2
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.health import run_now
from collective.cron.interfaces import ILogStore
from collective.cron.testing import start_test_worker
from collective.cron.testing import wait_for
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_restapi import RestApiMixin
from collective.cron.tests.test_zcasync_engine import HAVE_ZCASYNC
from zope.annotation.interfaces import IAnnotations

import json
import transaction
import unittest

RECORD = u"collective.cron.test.record"
FAR = u"0 0 1 1 *"


class Worker(object):
    """A real huey worker on the layer's database, and what it ran."""

    def runs(self):
        return IAnnotations(self.portal).get("collective.cron.test.runs", [])

    def logs(self, uid):
        return ILogStore(self.portal).logs(uid)

    def wait_for_logs(self, uid, count):
        return wait_for(lambda: len(self.logs(uid)) >= count and self.logs(uid))


class TestRunWithParameters(Worker, DashboardTestCase):
    """Through the one run-now rule, then from the cron page's form."""

    def test_parameters_override_for_that_run_only(self):
        cron = self.add_cron(
            uid=u"p", name=RECORD, periodicity=FAR, environ={u"k": u"v", u"n": 1}
        )
        start_test_worker(self.layer)
        job_id = run_now(self.portal, cron, {u"n": 2, u"extra": [1, 2]})
        transaction.commit()
        logs = self.wait_for_logs(u"p", 1)
        self.assertEqual(self.runs(), [(u"p", {u"k": u"v", u"n": 2, u"extra": [1, 2]})])
        self.assertEqual(logs[0].trigger, u"manual")
        self.assertEqual(
            logs[0].messages,
            [u'Run now with parameters {"extra": [1, 2], "n": 2}', u"recorded"],
        )
        # The cron keeps its own parameters: the next run has them.
        transaction.begin()
        self.assertEqual(
            Crontab.load_cron(u"p", self.portal).environ, {u"k": u"v", u"n": 1}
        )
        run_now(self.portal, cron)
        transaction.commit()
        logs = self.wait_for_logs(u"p", 2)
        self.assertEqual(self.runs()[-1], (u"p", {u"k": u"v", u"n": 1}))
        self.assertEqual(logs[-1].messages, [u"recorded"])
        # Both runs are in the audit trail, the first with its parameters.
        entries = audit.entries(self.portal, u"p")
        self.assertEqual(entries[1]["action"], audit.RUN)
        self.assertEqual(
            entries[1]["note"],
            {"job_id": job_id, "parameters": {u"n": 2, u"extra": [1, 2]}},
        )
        self.assertNotIn("parameters", entries[0]["note"])

    def test_secret_parameters_are_masked_in_the_log_and_trail(self):
        cron = self.add_cron(uid=u"s", name=RECORD, periodicity=FAR)
        start_test_worker(self.layer)
        run_now(self.portal, cron, {u"api_token": u"t0ps3cret"})
        transaction.commit()
        logs = self.wait_for_logs(u"s", 1)
        # the runner got the real value, nobody else sees it
        self.assertEqual(self.runs(), [(u"s", {u"api_token": u"t0ps3cret"})])
        self.assertEqual(
            logs[0].messages[0], u'Run now with parameters {"api_token": "***"}'
        )
        self.assertNotIn(u"t0ps3cret", repr(audit.entries(self.portal, u"s")))

    def test_from_the_cron_page(self):
        self.add_cron(uid=u"f", name=RECORD, periodicity=FAR, environ={u"a": 1})
        start_test_worker(self.layer)
        browser = self.browser()
        browser.open(self.url + "/f")
        browser.getControl(name="parameters").value = '{"a": 5}'
        browser.getControl(u"Run with these parameters").click()
        self.assertEqual(browser.url, self.url + "/f")
        self.assertIn(u"is queued to run now", browser.contents)
        self.wait_for_logs(u"f", 1)
        self.assertEqual(self.runs(), [(u"f", {u"a": 5})])
        browser.open(self.url + "/f")
        audit_table = browser.contents[browser.contents.index(u'id="audit"') :]
        self.assertIn(u"cron-audit-run", audit_table)
        self.assertIn(u'parameters: {"a": 5}', audit_table)


class TestFormRefusals(DashboardTestCase):
    """Bad input queues nothing and says why, under the field."""

    def test_invalid_json_names_the_field(self):
        self.add_cron(uid=u"f", environ={u"a": 1})
        browser = self.human_browser()
        browser.open(self.url + "/f/run-with-parameters")
        browser.getControl(name="parameters").value = "{not json"
        browser.getControl(u"Run with these parameters").click()
        self.assertEqual(browser.headers["status"].split()[0], "400")
        self.assertIn(u'id="parameters-error"', browser.contents)
        self.assertIn(u"Parameters are not valid JSON", browser.contents)
        self.assertIn(u"{not json", browser.contents)
        transaction.begin()
        self.assertEqual(
            [entry["action"] for entry in audit.entries(self.portal, u"f")],
            [audit.CREATED],
        )

    def test_not_an_object(self):
        self.add_cron(uid=u"f")
        browser = self.human_browser()
        browser.open(self.url + "/f/run-with-parameters")
        browser.getControl(name="parameters").value = "[1, 2]"
        browser.getControl(u"Run with these parameters").click()
        self.assertIn(u"Parameters must be a JSON object", browser.contents)

    def test_a_post_without_the_token_is_refused(self):
        from zExceptions import Forbidden

        self.add_cron(uid=u"f")
        browser = self.browser()
        with self.assertRaises(Forbidden):
            browser.post(self.url + "/f/run-with-parameters", "parameters=%7B%7D")
        transaction.begin()
        self.assertEqual(len(audit.entries(self.portal, u"f")), 1)


class TestRestRunWithParameters(Worker, RestApiMixin, unittest.TestCase):
    """POST @crons/<uid>/run with {"parameters": {...}} over real HTTP."""

    def test_run_with_parameters(self):
        self.add_cron(uid=u"r", name=RECORD, periodicity=FAR, environ={u"x": 1})
        start_test_worker(self.layer)
        response = self.api.post(
            u"@crons/r/run", data=json.dumps({u"parameters": {u"x": 2}})
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()[u"parameters"], {u"x": 2})
        logs = self.wait_for_logs(u"r", 1)
        self.assertEqual(self.runs(), [(u"r", {u"x": 2})])
        self.assertEqual(logs[0].messages[0], u'Run now with parameters {"x": 2}')
        self.assertEqual(self.crontab().crons[u"r"].environ, {u"x": 1})
        cron = self.api.get(u"@crons/r").json()
        self.assertEqual(cron[u"audit"][0][u"action"], u"run")
        self.assertEqual(cron[u"audit"][0][u"actor"], u"admin")
        self.assertEqual(cron[u"audit"][0][u"note"][u"parameters"], {u"x": 2})

    def test_bad_parameters_say_which_field(self):
        self.add_cron(uid=u"r")
        response = self.api.post(u"@crons/r/run", data=json.dumps({u"parameters": 3}))
        self.assertError(response, 400, u"BadRequest", field=u"parameters")
        response = self.api.post(u"@crons/r/run", data=json.dumps({u"params": {}}))
        self.assertError(response, 400, u"BadRequest", field=u"parameters")
        transaction.begin()
        self.assertEqual(len(audit.entries(self.portal, u"r")), 1)

    def test_json_content_type_is_required(self):
        self.add_cron(uid=u"r")
        response = self.api.post(
            u"@crons/r/run",
            data=u"parameters=%7B%7D",
            headers={u"Content-Type": u"application/x-www-form-urlencoded"},
        )
        self.assertError(response, 415, u"UnsupportedMediaType")


if HAVE_ZCASYNC:
    from collective.cron.testing_zcasync import ZCASYNC_WORKER_FUNCTIONAL_TESTING

    class TestZCAsyncRunWithParameters(Worker, unittest.TestCase):
        """The same override with a real zc.async dispatcher (Python 2.7)."""

        layer = ZCASYNC_WORKER_FUNCTIONAL_TESTING

        def setUp(self):
            self.portal = self.layer["portal"]

        def test_parameters_override_for_that_run_only(self):
            cron = Cron(uid=u"z", name=RECORD, periodicity=FAR, environ={u"a": 1})
            Crontab.load(self.portal).save_cron(cron)
            run_now(self.portal, cron, {u"a": 2})
            transaction.commit()
            logs = self.wait_for_logs(u"z", 1)
            self.assertEqual(self.runs(), [(u"z", {u"a": 2})])
            self.assertEqual(logs[0].messages[0], u'Run now with parameters {"a": 2}')
            transaction.begin()
            self.assertEqual(Crontab.load_cron(u"z", self.portal).environ, {u"a": 1})


def test_suite():
    """The worker is huey's on Python 3; on Python 2.7 (no huey) zc.async's
    runs the override when it is installed."""
    if PY2:
        if HAVE_ZCASYNC:
            return unittest.defaultTestLoader.loadTestsFromTestCase(
                TestZCAsyncRunWithParameters
            )
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
