# -*- coding: utf-8 -*-
"""*Pause until* (issue 12): a paused cron is not scheduled, and resumes by itself.

On the layers' real ZODB, registry and queue, with the clock frozen
(``collective.cron.clock``): the model and the builder (site time, UTC
storage, field errors), the schedule, the claim and the reconciler, the
JSON and crons.xml round trips, the REST API and the dashboard's forms.
"""

from collective.cron import builder
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import exportimport
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.interfaces import IQueueManager
from collective.cron.reconciler import reconcile_site
from collective.cron.state import get_state
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import FrozenCrons
from collective.cron.tests.frozen import START
from collective.cron.tests.test_dashboard_forms import FormTestCase
from collective.cron.tests.test_exportimport import FakeExportContext
from collective.cron.tests.test_exportimport import FakeImportContext
from collective.cron.tests.test_restapi import RestApiMixin
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import datetime
import json
import pytz
import transaction
import unittest


class PauseTestCase(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    runner = u"collective.cron.test.ok"

    def setUp(self):
        super(PauseTestCase, self).setUp()
        setRoles(self.portal, TEST_USER_ID, [u"Manager"])

    def stored(self, cron):
        return Crontab.load(self.portal).crons[cron.uid]

    def edit(self, cron, **data):
        crontab = Crontab.load(self.portal)
        edited = builder.build_cron(
            data, current=crontab.crons[cron.uid], site=self.portal
        )
        crontab.save_cron(edited)
        return self.stored(cron)


class TestModel(PauseTestCase):

    def test_existing_and_2x_crons_load_unpaused(self):
        legacy = Cron.load(
            {u"uid": u"old", u"name": u"n", u"periodicity": u"*/5 * * * *"}
        )
        self.assertIsNone(legacy.paused_until)
        self.assertFalse(legacy.paused)
        self.assertIsNone(legacy.dump()[u"paused_until"])

    def test_dump_is_utc_and_loads_back(self):
        cron = Cron(
            name=u"n",
            periodicity=u"@daily",
            paused_until=u"2040-01-15T12:30:00+01:00",
        )
        self.assertEqual(cron.paused_until, at(90))
        self.assertEqual(cron.dump()[u"paused_until"], u"2040-01-15T11:30:00+00:00")
        self.assertEqual(Cron.load(json.dumps(cron.dump())), cron)
        self.assertTrue(cron.paused)
        clock.freeze(at(90))
        self.assertFalse(cron.paused)

    def test_bad_values_name_the_field(self):
        for value, words in (
            (u"next tuesday", u"is not a date and time"),
            (u"2040-13-45 10:00", u"is not a date and time"),
            (u"2060-01-01 00:00", u"years away"),
        ):
            with self.assertRaises(InvalidCron) as caught:
                Cron(name=u"n", periodicity=u"@daily", paused_until=value)
            self.assertEqual(caught.exception.field, u"paused_until")
            self.assertIn(words, str(caught.exception))
        with self.assertRaises(InvalidCron) as caught:
            builder.check_types({u"paused_until": 12})
        self.assertEqual(caught.exception.field, u"paused_until")
        self.assertIn(u"must be a text, not a number", str(caught.exception))

    def test_text_without_offset_is_site_time(self):
        getUtility(IRegistry)["plone.portal_timezone"] = u"Europe/Paris"
        cron = builder.build_cron(
            {
                u"name": u"n",
                u"periodicity": u"@daily",
                u"paused_until": u"2040-01-15 12:30",
            },
            site=self.portal,
        )
        # Paris is UTC+1 in January
        self.assertEqual(cron.paused_until, at(90))

    def test_a_refused_edit_changes_nothing(self):
        cron = self.add_cron()
        with self.assertRaises(InvalidCron):
            self.edit(cron, paused_until=u"soon")
        self.assertIsNone(self.stored(cron).paused_until)


class TestSchedule(PauseTestCase):

    def queued(self, cron):
        return sorted(
            job["scheduled"]
            for job in IQueueManager(self.portal).jobs(cron.uid)
            if job["status"] == "pending"
        )

    def test_a_paused_cron_is_queued_after_the_pause(self):
        cron = self.add_cron()
        self.assertEqual(self.queued(cron), [at(5)])
        cron = self.edit(cron, paused_until=clock.to_iso(at(22)))
        self.assertTrue(cron.paused)
        self.assertEqual(cron.next, at(25))
        self.assertEqual(self.queued(cron), [at(25)])

    def test_an_occurrence_at_the_end_of_the_pause_runs(self):
        cron = self.edit(self.add_cron(), paused_until=clock.to_iso(at(20)))
        self.assertEqual(cron.next, at(20))

    def test_a_job_queued_before_the_pause_is_dropped_without_a_log(self):
        cron = self.add_cron()
        clock.advance(minutes=5)  # at(5) is due, not run yet
        self.edit(cron, paused_until=clock.to_iso(at(22)))
        claimed = self.claim(cron, at(5))
        self.assertEqual((claimed["action"], claimed["reason"]), ("skip", "paused"))
        self.assertEqual(self.logs(cron), [])

    def test_occurrences_in_the_pause_are_not_missed_and_it_resumes(self):
        cron = self.edit(self.add_cron(), paused_until=clock.to_iso(at(22)))
        clock.freeze(at(25))
        claimed = self.claim(cron, at(25))
        self.assertEqual(
            (claimed["action"], claimed["scheduled"], claimed["trigger"]),
            ("run", at(25), u"schedule"),
        )
        log = self.run_claimed(cron, claimed)
        self.assertEqual(log.status, models.OK)
        # 10:05 … 10:20 were paused, not missed: no NOTRUN log
        self.assertEqual([entry.status for entry in self.logs(cron)], [models.OK])
        self.assertEqual(get_state(self.portal, cron.uid).handled, at(25))

    def test_the_reconciler_resumes_after_the_pause(self):
        cron = self.edit(self.add_cron(), paused_until=clock.to_iso(at(22)))
        queue = IQueueManager(self.portal)
        for job in queue.jobs(cron.uid):
            queue.remove_job(job["id"])  # lost with a worker
        clock.freeze(at(12))
        reconcile_site(self.portal, queue)
        self.assertEqual(self.queued(cron), [at(25)])

    def test_a_manual_run_still_runs_during_the_pause(self):
        cron = self.edit(self.add_cron(), paused_until=clock.to_iso(at(60)))
        clock.advance(minutes=7)
        claimed = self.claim(cron, clock.now(), trigger=u"manual", job_id=u"m1")
        self.assertEqual(claimed["action"], "run")

    def test_clearing_ends_the_pause_now_and_keeps_when(self):
        cron = self.edit(self.add_cron(), paused_until=clock.to_iso(at(60)))
        clock.freeze(at(12))
        cron = self.edit(cron, paused_until=None)
        self.assertFalse(cron.paused)
        self.assertEqual(cron.paused_until, at(12))
        self.assertEqual(cron.next, at(15))
        self.assertEqual(self.queued(cron), [at(15)])
        # the first run after it owes nothing of the pause
        clock.freeze(at(15))
        claimed = self.claim(cron, at(15))
        self.assertEqual(claimed["trigger"], u"schedule")
        self.assertEqual(
            get_state(self.portal, cron.uid).running[2][1], at(15).isoformat()
        )


class TestExportImport(PauseTestCase):

    def test_json_round_trip(self):
        cron = self.edit(self.add_cron(uid=u"p"), paused_until=clock.to_iso(at(90)))
        data = exportimport.export_crontab(self.portal)
        self.assertEqual(data[u"crons"][0][u"paused_until"], clock.to_iso(at(90)))
        result = exportimport.import_crontab(self.portal, json.dumps(data))
        self.assertEqual(result[u"unchanged"], [u"p"])
        crontab = Crontab.load(self.portal)
        crontab.remove_cron(cron.uid)
        crontab.save()
        exportimport.import_crontab(self.portal, json.dumps(data))
        self.assertEqual(self.stored(cron).paused_until, at(90))

    def test_crons_xml_round_trip(self):
        cron = self.edit(self.add_cron(uid=u"p"), paused_until=clock.to_iso(at(90)))
        self.add_cron(uid=u"q")
        context = FakeExportContext(self.portal)
        exportimport.export_crons(context)
        text = context.files[u"crons.xml"].decode(u"utf-8")
        self.assertIn(u'paused_until="2040-01-15T11:30:00+00:00"', text)
        self.assertEqual(text.count(u"paused_until"), 1)
        crontab = Crontab.load(self.portal)
        for uid in list(crontab.crons):
            crontab.remove_cron(uid)
        crontab.save()
        exportimport.import_crons(
            FakeImportContext(self.portal, {u"crons.xml": context.files[u"crons.xml"]})
        )
        self.assertEqual(self.stored(cron).paused_until, at(90))

    def test_crons_xml_with_a_bad_pause_changes_nothing(self):
        self.add_cron(uid=u"p")
        body = (
            u'<?xml version="1.0" encoding="UTF-8"?>\n<crontab>'
            u'<cron uid="p" name="collective.cron.test.ok" periodicity="@daily"'
            u' paused_until="whenever"/></crontab>'
        ).encode(u"utf-8")
        with self.assertRaises(InvalidCron) as caught:
            exportimport.import_crons(
                FakeImportContext(self.portal, {u"crons.xml": body})
            )
        self.assertEqual(caught.exception.field, u"paused_until")
        self.assertIsNone(Crontab.load(self.portal).crons[u"p"].paused_until)


class TestRestApi(RestApiMixin, unittest.TestCase):

    def setUp(self):
        super(TestRestApi, self).setUp()
        clock.freeze(START)
        self.addCleanup(clock.reset)
        self.add_cron(uid=u"u1", periodicity=u"*/5 * * * *", timezone=u"UTC")

    def test_pause_and_resume(self):
        response = self.api.patch(
            u"@crons/u1", json={u"paused_until": u"2040-01-15T10:22:00+00:00"}
        )
        self.assertEqual(response.status_code, 204, response.text)
        data = self.api.get(u"@crons/u1").json()
        self.assertTrue(data[u"paused"])
        self.assertEqual(data[u"paused_until"], u"2040-01-15T10:22:00+00:00")
        self.assertEqual(data[u"next"], clock.to_iso(at(25)))
        # a GET answer sent back changes nothing
        response = self.api.patch(u"@crons/u1", json=data)
        self.assertEqual(response.status_code, 204, response.text)
        response = self.api.patch(u"@crons/u1", json={u"paused_until": None})
        self.assertEqual(response.status_code, 204, response.text)
        data = self.api.get(u"@crons/u1").json()
        self.assertFalse(data[u"paused"])
        self.assertEqual(data[u"next"], clock.to_iso(at(5)))

    def test_a_bad_value_is_a_400_naming_the_field(self):
        response = self.api.patch(u"@crons/u1", json={u"paused_until": u"tomorrow"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(u"paused_until", response.text)
        transaction.begin()
        self.assertIsNone(self.crontab().crons[u"u1"].paused_until)


class TestForms(FormTestCase):

    def setUp(self):
        super(TestForms, self).setUp()
        self.set_record("plone.portal_timezone", u"Europe/Paris")
        clock.freeze(datetime.datetime(2040, 1, 15, 10, 0, tzinfo=pytz.utc))
        self.addCleanup(clock.reset)

    def edit_form(self, cron):
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        return browser

    def test_pause_from_the_edit_form_in_site_time(self):
        cron = self.add_cron()
        browser = self.edit_form(cron)
        self.fill(browser, paused_until=u"2040-01-15 12:30")
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        saved = self.crontab().crons[cron.uid]
        self.assertEqual(saved.paused_until, at(90))
        # the cron's page and the list say it, in site time
        self.assertIn(u"Paused until", browser.contents)
        self.assertIn(u"cron-paused", browser.contents)
        browser.open(self.url)
        self.assertIn(u"cron-paused", browser.contents)
        self.assertIn(u"12:30", browser.contents)
        # the edit form shows it back in site time; emptying it resumes now
        browser = self.edit_form(cron)
        self.assertEqual(
            browser.getControl(name="form.widgets.paused_until").value,
            u"2040-01-15 12:30",
        )
        self.fill(browser, paused_until=u"")
        browser.getControl(u"Save").click()
        saved = self.crontab().crons[cron.uid]
        self.assertFalse(saved.paused)
        browser.open(self.url)
        self.assertNotIn(u"cron-paused", browser.contents)

    def test_a_quiet_unpaused_cron_shows_no_pause(self):
        self.add_cron()
        browser = self.browser()
        browser.open(self.url)
        self.assertNotIn(u"cron-paused", browser.contents)

    def test_field_errors_change_nothing(self):
        cron = self.add_cron()
        for value, words in (
            (u"someday", u"YYYY-MM-DD HH:MM"),
            (u"2040-01-15 09:00", u"already past"),
        ):
            browser = self.edit_form(cron)
            self.fill(browser, paused_until=value)
            browser.getControl(u"Save").click()
            self.assertIn(words, self.field_error(browser, u"paused_until"))
            self.assertIsNone(self.crontab().crons[cron.uid].paused_until)

    def test_field_error_in_french(self):
        self.set_record("plone.available_languages", [u"en", u"fr", u"de"])
        self.set_record("plone.use_request_negotiation", True)
        cron = self.add_cron()
        browser = self.browser(language="fr")
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.assertIn(u"En pause jusqu'au", browser.contents)
        self.fill(browser, paused_until=u"someday")
        browser.getControl(name="form.buttons.save").click()
        self.assertIn(u"AAAA-MM-JJ HH:MM", self.field_error(browser, u"paused_until"))
