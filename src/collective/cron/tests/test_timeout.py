# -*- coding: utf-8 -*-
"""*Timeout* (issue 12): overdue runs are reported, runners may stop cooperatively.

On the layers' real ZODB, registry and queue; the clock is frozen and the
runners below move it forward (``collective.cron.clock.advance``) to stand
for work that takes time.
"""

from collective.cron import builder
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import exportimport
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import Runner
from collective.cron.state import run_overdue
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import register_runner
from collective.cron.tests.frozen import START
from collective.cron.tests.test_dashboard_forms import FormTestCase
from collective.cron.tests.test_exportimport import FakeExportContext
from collective.cron.tests.test_exportimport import FakeImportContext
from collective.cron.tests.test_restapi import RestApiMixin
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

import json
import transaction
import unittest

SLOW = u"collective.cron.test.slow"
SEEN = []


class SlowRunner(Runner):
    """Works in steps of 30 s (frozen clock) until should_stop() or 5 steps."""

    def run(self):
        del SEEN[:]
        for step in range(5):
            if self.should_stop():
                self.log(u"stopped after %d steps" % (step,))
                break
            SEEN.append(step)
            clock.advance(seconds=30)
        if self.environ.get(u"fail"):
            raise ValueError(u"broken")


class TimeoutTestCase(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    runner = SLOW

    def setUp(self):
        super(TimeoutTestCase, self).setUp()
        setRoles(self.portal, TEST_USER_ID, [u"Manager"])
        register_runner(self, SlowRunner, SLOW)

    def run_once(self, cron):
        clock.freeze(at(5))
        claimed = self.claim(cron, at(5))
        self.assertEqual(claimed["action"], "run")
        return self.run_claimed(cron, claimed)


class TestModel(TimeoutTestCase):

    def test_values(self):
        for value, expected in ((None, 0), (u"", 0), (0, 0), (600, 600), (u" 90 ", 90)):
            cron = Cron(name=u"n", periodicity=u"@daily", timeout=value)
            self.assertEqual(cron.timeout, expected)
        legacy = Cron.load({u"uid": u"old", u"name": u"n", u"periodicity": u"@daily"})
        self.assertEqual(legacy.timeout, 0)
        cron = Cron(name=u"n", periodicity=u"@daily", timeout=600)
        self.assertEqual(Cron.load(json.dumps(cron.dump())).timeout, 600)

    def test_bad_values_name_the_field(self):
        for value in (-1, u"ten", 1.5, True, 8 * 24 * 3600, u"-5"):
            with self.assertRaises(InvalidCron) as caught:
                Cron(name=u"n", periodicity=u"@daily", timeout=value)
            self.assertEqual(caught.exception.field, u"timeout")
            self.assertIn(u"whole number of seconds", str(caught.exception))
        with self.assertRaises(InvalidCron) as caught:
            builder.check_types({u"timeout": u"600"})
        self.assertEqual(caught.exception.field, u"timeout")
        self.assertIn(u"must be a whole number, not a text", str(caught.exception))


class TestRuns(TimeoutTestCase):

    def test_without_timeout_the_runner_is_never_asked_to_stop(self):
        log = self.run_once(self.add_cron())
        self.assertEqual(SEEN, [0, 1, 2, 3, 4])
        self.assertEqual((log.status, log.messages), (models.OK, []))

    def test_should_stop_past_the_timeout_and_the_log_says_overdue(self):
        log = self.run_once(self.add_cron(timeout=60))
        # 0 s, 30 s, 60 s: not past yet; 90 s: past the 60 s timeout
        self.assertEqual(SEEN, [0, 1, 2])
        self.assertEqual(log.status, models.WARN)
        self.assertEqual(
            log.messages,
            [
                u"stopped after 3 steps",
                u"Overdue: the run took 90 s, longer than its timeout of 60 s",
            ],
        )

    def test_a_failure_past_the_timeout_stays_a_failure(self):
        log = self.run_once(self.add_cron(timeout=60, environ={u"fail": True}))
        self.assertEqual(log.status, models.FAILURE)
        self.assertIn(
            u"Overdue: the run took 90 s, longer than its timeout of 60 s",
            log.messages,
        )

    def test_a_run_within_its_timeout_is_ok(self):
        log = self.run_once(self.add_cron(timeout=600))
        self.assertEqual((log.status, log.messages), (models.OK, []))

    def test_overdue_while_running(self):
        cron = self.add_cron(timeout=60)
        clock.freeze(at(5))
        self.assertEqual(self.claim(cron, at(5))["action"], "run")
        self.assertFalse(run_overdue(self.portal, cron))
        clock.advance(seconds=60)
        self.assertFalse(run_overdue(self.portal, cron))
        clock.advance(seconds=1)
        self.assertTrue(run_overdue(self.portal, cron))
        untimed = self.add_cron()
        self.claim(untimed, at(5))
        clock.advance(days=1)
        self.assertFalse(run_overdue(self.portal, untimed))


class TestExportImport(TimeoutTestCase):

    def clear(self):
        crontab = Crontab.load(self.portal)
        for uid in list(crontab.crons):
            crontab.remove_cron(uid)
        crontab.save()

    def test_json_round_trip(self):
        self.add_cron(uid=u"t", timeout=600)
        data = exportimport.export_crontab(self.portal)
        self.assertEqual(data[u"crons"][0][u"timeout"], 600)
        self.clear()
        exportimport.import_crontab(self.portal, json.dumps(data))
        self.assertEqual(Crontab.load(self.portal).crons[u"t"].timeout, 600)

    def test_crons_xml_round_trip_and_errors(self):
        self.add_cron(uid=u"t", timeout=600)
        self.add_cron(uid=u"u")
        context = FakeExportContext(self.portal)
        exportimport.export_crons(context)
        text = context.files[u"crons.xml"].decode(u"utf-8")
        self.assertIn(u'timeout="600"', text)
        self.assertEqual(text.count(u"timeout="), 1)
        self.clear()
        exportimport.import_crons(
            FakeImportContext(self.portal, {u"crons.xml": context.files[u"crons.xml"]})
        )
        self.assertEqual(Crontab.load(self.portal).crons[u"t"].timeout, 600)
        body = (
            u'<?xml version="1.0" encoding="UTF-8"?>\n<crontab>'
            u'<cron uid="t" name="%s" periodicity="@daily" timeout="ten"/></crontab>'
            % (SLOW,)
        ).encode(u"utf-8")
        with self.assertRaises(InvalidCron) as caught:
            exportimport.import_crons(
                FakeImportContext(self.portal, {u"crons.xml": body})
            )
        self.assertEqual(caught.exception.field, u"timeout")
        self.assertEqual(Crontab.load(self.portal).crons[u"t"].timeout, 600)


class TestRestApi(RestApiMixin, unittest.TestCase):

    def setUp(self):
        super(TestRestApi, self).setUp()
        clock.freeze(START)
        self.addCleanup(clock.reset)
        self.add_cron(uid=u"u1", periodicity=u"*/5 * * * *", timezone=u"UTC")

    def test_set_and_read(self):
        response = self.api.patch(u"@crons/u1", json={u"timeout": 600})
        self.assertEqual(response.status_code, 204, response.text)
        data = self.api.get(u"@crons/u1").json()
        self.assertEqual((data[u"timeout"], data[u"overdue"]), (600, False))
        # a GET answer sent back is accepted (overdue is read-only)
        self.assertEqual(self.api.patch(u"@crons/u1", json=data).status_code, 204)

    def test_bad_values_are_a_400_naming_the_field(self):
        for value in (u"600", -1, 10**7):
            response = self.api.patch(u"@crons/u1", json={u"timeout": value})
            self.assertEqual(response.status_code, 400, value)
            self.assertIn(u"timeout", response.text)
        transaction.begin()
        self.assertEqual(self.crontab().crons[u"u1"].timeout, 0)


class TestDashboard(FormTestCase):

    def setUp(self):
        super(TestDashboard, self).setUp()
        self.freeze()
        self.addCleanup(clock.reset)

    def test_set_in_the_edit_form_and_shown_overdue_while_running(self):
        from collective.cron import claim

        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.assertEqual(browser.getControl(name="form.widgets.timeout").value, u"0")
        self.fill(browser, timeout=u"120")
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        self.assertEqual(self.crontab().crons[cron.uid].timeout, 120)
        self.assertIn(u"2 min", browser.contents)
        self.assertNotIn(u"cron-overdue", browser.contents)
        # a run starts and goes on past its timeout
        claim.claim_occurrence(self.portal, cron.uid, clock.now(), u"manual", u"m1")
        transaction.commit()
        clock.advance(seconds=121)
        browser.open(self.url)
        self.assertIn(u"Running past its timeout", browser.contents)
        browser.open(self.url + "/" + cron.uid)
        self.assertIn(u"cron-overdue", browser.contents)

    def test_a_bad_value_is_a_field_error(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.fill(browser, timeout=u"-5")
        browser.getControl(u"Save").click()
        self.assertTrue(self.field_error(browser, u"timeout"))
        self.assertEqual(self.crontab().crons[cron.uid].timeout, 0)
