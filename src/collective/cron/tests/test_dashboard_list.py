# -*- coding: utf-8 -*-
"""The dashboard list at scale: batching, search, filters, sorts, bulk on
"all that match" (issue 11)."""

from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import FAILURE
from collective.cron.crontab import OK
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import NOW

import datetime
import re
import transaction


class ListTestCase(DashboardTestCase):
    """Five crons with names, schedules, switches and last runs that differ."""

    def setUp(self):
        super(ListTestCase, self).setUp()
        self.freeze()
        self.addCleanup(clock.reset)
        crontab = Crontab.load(self.portal)
        for uid, name, periodicity, activated, description in (
            (
                u"c1",
                u"collective.cron.test.ok",
                u"0 12 * * *",
                True,
                u"Daily NOON report",
            ),
            (u"c2", u"Beta.unknown", u"30 10 * * *", True, u""),
            (u"c3", u"alpha.unknown", u"0 11 * * *", False, u""),
            (u"c4", u"collective.cron.test.warn", u"15 10 * * *", True, u"cleanup"),
            (u"c5", u"delta.unknown", u"45 10 * * *", True, u"noon-ish"),
        ):
            crontab.add_cron(
                Cron(
                    uid=uid,
                    name=name,
                    periodicity=periodicity,
                    activated=activated,
                    description=description,
                )
            )
        crontab.save()
        transaction.commit()
        minutes = datetime.timedelta(minutes=1)
        self.add_log(u"c1", commit=False, status=OK, date=NOW - 30 * minutes)
        self.add_log(u"c2", commit=False, status=FAILURE, date=NOW - 10 * minutes)
        self.add_log(u"c5", commit=False, status=FAILURE, date=NOW - 20 * minutes)
        transaction.commit()

    def shown(self, query=u""):
        """The uids of the rows of the list, in order."""
        browser = self.browser()
        browser.open(self.url + (u"?" + query if query else u""))
        self.contents = browser.contents
        return re.findall(r'<tr id="cron-([^"]+)"', browser.contents)


class TestBatching(ListTestCase):

    def test_page_two(self):
        self.assertEqual(self.shown(u"b_size=2"), [u"c1", u"c2"])
        self.assertEqual(self.shown(u"b_size=2&b_start=2"), [u"c3", u"c4"])
        self.assertEqual(self.shown(u"b_size=2&b_start=4"), [u"c5"])

    def test_navigation_keeps_the_query(self):
        self.shown(u"b_size=2&sort_on=name&q=unknown")
        links = re.findall(r'href="([^"]*b_start[^"]*)"', self.contents)
        self.assertTrue(links)
        for link in links:
            self.assertIn(u"b_size=2", link)
            self.assertIn(u"q=unknown", link)
            self.assertIn(u"sort_on=name", link)

    def test_past_the_end_shows_the_last_page(self):
        self.assertEqual(self.shown(u"b_size=2&b_start=40"), [u"c5"])

    def test_page_size_is_capped(self):
        self.assertEqual(len(self.shown(u"b_size=100000")), 5)
        self.assertIn(u'<option value="20"', self.contents)


class TestSearch(ListTestCase):

    def test_name_case_insensitive(self):
        self.assertEqual(self.shown(u"q=UNKNOWN"), [u"c2", u"c3", u"c5"])

    def test_description(self):
        self.assertEqual(self.shown(u"q=noon"), [u"c1", u"c5"])

    def test_uid(self):
        self.assertEqual(self.shown(u"q=c4"), [u"c4"])

    def test_nothing_matches(self):
        self.assertEqual(self.shown(u"q=zzz"), [])
        self.assertIn(u"No cron matches.", self.contents)


class TestFilters(ListTestCase):

    def test_active(self):
        self.assertEqual(
            self.shown(u"status:list=active"), [u"c1", u"c2", u"c4", u"c5"]
        )

    def test_paused(self):
        self.assertEqual(self.shown(u"status:list=paused"), [u"c3"])

    def test_failing(self):
        self.assertEqual(self.shown(u"status:list=failing"), [u"c2", u"c5"])

    def test_no_runner(self):
        self.assertEqual(self.shown(u"status:list=norunner"), [u"c2", u"c3", u"c5"])

    def test_combined_with_search(self):
        self.assertEqual(
            self.shown(u"status:list=failing&status:list=norunner&q=beta"), [u"c2"]
        )


class TestSorts(ListTestCase):

    def test_name(self):
        self.assertEqual(
            self.shown(u"sort_on=name"), [u"c3", u"c2", u"c1", u"c4", u"c5"]
        )
        self.assertEqual(
            self.shown(u"sort_on=name&sort_order=descending"),
            [u"c5", u"c4", u"c1", u"c2", u"c3"],
        )

    def test_next_run(self):
        # 10:00 frozen: c4 10:15, c2 10:30, c5 10:45, c1 12:00; c3 is off
        self.assertEqual(
            self.shown(u"sort_on=next"), [u"c4", u"c2", u"c5", u"c1", u"c3"]
        )
        self.assertEqual(
            self.shown(u"sort_on=next&sort_order=descending"),
            [u"c1", u"c5", u"c2", u"c4", u"c3"],
        )

    def test_last_run(self):
        self.assertEqual(
            self.shown(u"sort_on=last_run"), [u"c1", u"c5", u"c2", u"c3", u"c4"]
        )
        self.assertEqual(
            self.shown(u"sort_on=last_run&sort_order=descending"),
            [u"c2", u"c5", u"c1", u"c3", u"c4"],
        )

    def test_status(self):
        self.assertEqual(
            self.shown(u"sort_on=status"), [u"c2", u"c5", u"c1", u"c3", u"c4"]
        )
        self.assertEqual(
            self.shown(u"sort_on=status&sort_order=descending"),
            [u"c1", u"c2", u"c5", u"c3", u"c4"],
        )


class TestBulkOnMatching(ListTestCase):

    def test_deactivate_all_matching_after_confirmation(self):
        browser = self.browser()
        browser.open(self.url + u"?q=unknown&b_size=2")
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="scope").value = [u"matching"]
        form.getControl(u"Deactivate").click()
        # nothing changed yet: the confirmation says how many
        self.assertIn(u"all the 3 crons that match", browser.contents)
        self.assertTrue(self.crontab().crons[u"c2"].activated)
        browser.getForm(id="cron-confirm").getControl(
            name="form.button.confirm"
        ).click()
        self.assertIn(u"Crons turned off: 3.", browser.contents)
        crons = self.crontab().crons
        self.assertEqual(
            sorted(uid for uid, cron in crons.items() if not cron.activated),
            [u"c2", u"c3", u"c5"],
        )
        # back to the list as it was
        self.assertIn(u"q=unknown", browser.url)

    def test_delete_all_matching(self):
        browser = self.browser()
        browser.open(self.url + u"?status:list=failing")
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="scope").value = [u"matching"]
        form.getControl(u"Delete").click()
        self.assertIn(u"All the 2 crons that match", browser.contents)
        browser.getForm(id="cron-confirm").getControl(
            name="form.button.confirm"
        ).click()
        self.assertEqual(sorted(self.crontab().crons), [u"c1", u"c3", u"c4"])

    def test_cancel_changes_nothing(self):
        browser = self.browser()
        browser.open(self.url + u"?q=unknown")
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="scope").value = [u"matching"]
        form.getControl(u"Deactivate").click()
        browser.getForm(id="cron-confirm").getControl(name="form.button.cancel").click()
        self.assertTrue(
            all(
                cron.activated
                for cron in self.crontab().crons.values()
                if cron.uid != u"c3"
            )
        )
