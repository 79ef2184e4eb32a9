# -*- coding: utf-8 -*-
"""Bulk "Pause until…" and "Resume" on the dashboard list (issue 12).

Why: an administrator who stops the site's jobs for a maintenance window
wants them back by themselves at a given time, for some crons or for the
whole crontab (no filter, "all that match"), without editing each cron.
The date is read as the edit form reads it (``pause.parse``, site time);
least privilege is the rule of "Activate".  Real publisher, real ZODB,
the clock frozen at ``NOW`` (10:00 UTC).
"""

from collective.cron import audit
from collective.cron import clock
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import NOW
from collective.cron.tests.test_dashboard import PASSWORD
from zExceptions import Forbidden

import datetime
import transaction

UNTIL = NOW + datetime.timedelta(days=1)


class BulkPauseTestCase(DashboardTestCase):
    def setUp(self):
        super(BulkPauseTestCase, self).setUp()
        self.freeze()
        self.addCleanup(clock.reset)
        self.add_cron(uid=u"first", timezone=u"UTC")
        self.add_cron(uid=u"second", name=u"collective.cron.test.warn")
        self.add_cron(uid=u"third", activated=False)

    def paused(self):
        return dict(
            (uid, cron.paused_until) for uid, cron in self.crontab().crons.items()
        )

    def list_form(self, browser, until=u"2025-01-16 10:00", *uids):
        browser.open(self.url)
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="uids:list").value = list(uids)
        form.getControl(name="paused_until").value = until
        return form


class TestBulkPause(BulkPauseTestCase):
    def test_selected_crons_paused_until_a_date(self):
        browser = self.browser()
        self.list_form(browser, u"2025-01-16 10:00", "first", "third").getControl(
            u"Pause until…"
        ).click()
        self.assertIn(u"Crons paused: 2.", browser.contents)
        self.assertEqual(
            self.paused(), {u"first": UNTIL, u"second": None, u"third": UNTIL}
        )
        self.assertEqual(browser.contents.count(u"Paused until"), 3)  # 2 + label
        self.assertIn(u'datetime="2025-01-16T10:00:00+00:00"', browser.contents)
        self.crontab()
        for uid in (u"first", u"third"):
            entries = audit.entries(self.portal, uid)
            self.assertEqual(entries[0]["action"], audit.PAUSED, uid)

    def test_whole_crontab_after_confirmation(self):
        browser = self.browser()
        form = self.list_form(browser, u"2025-01-16 10:00")
        form.getControl(name="scope").value = [u"matching"]
        form.getControl(u"Pause until…").click()
        self.assertIn(u"all the 3 crons that match", browser.contents)
        self.assertEqual(set(self.paused().values()), set([None]))
        browser.getControl(u"Pause until…").click()
        self.assertIn(u"Crons paused: 3.", browser.contents)
        self.assertEqual(set(self.paused().values()), set([UNTIL]))

    def test_resume(self):
        browser = self.browser()
        self.list_form(browser, u"2025-01-16 10:00", "first", "second").getControl(
            u"Pause until…"
        ).click()
        clock.advance(hours=1)
        self.list_form(browser, u"", "first").getControl(u"Resume").click()
        self.assertIn(u"Crons resumed: 1.", browser.contents)
        crons = self.crontab().crons
        self.assertFalse(crons[u"first"].paused)
        self.assertEqual(
            crons[u"first"].paused_until, NOW + datetime.timedelta(hours=1)
        )
        self.assertTrue(crons[u"second"].paused)

    def test_bad_dates_name_the_field_and_change_nothing(self):
        browser = self.browser()
        for text in (u"tomorrow", u"2025-01-15 09:00", u"2040-01-01 00:00", u""):
            self.list_form(browser, text, "first").getControl(u"Pause until…").click()
            self.assertIn(u"Paused until: ", browser.contents, text)
            self.assertNotIn(u"Crons paused", browser.contents, text)
            self.assertEqual(set(self.paused().values()), set([None]), text)
        self.assertIn(u"Give the date and time the crons resume at.", browser.contents)

    def test_post_without_token_is_refused(self):
        browser = self.browser()
        for data in (
            "uids:list=first&form.button.pause=1&paused_until=2025-01-16+10:00",
            "scope=matching&form.button.pause=1&confirmed=1"
            "&paused_until=2025-01-16+10:00",
        ):
            with self.assertRaises(Forbidden):
                browser.post(self.url + "/bulk", data)
        self.assertEqual(set(self.paused().values()), set([None]))


class TestLeastPrivilege(BulkPauseTestCase):
    def test_site_administrator_cannot_pause_a_managers_cron(self):
        self.portal.acl_users.userFolderAddUser("boss", PASSWORD, ["Manager"], [])
        transaction.commit()
        self.add_cron(uid=u"mine", user=u"siteadmin")
        self.add_cron(uid=u"boss", user=u"boss", name=u"collective.cron.test.warn")
        browser = self.browser(user="siteadmin", password=PASSWORD)
        self.list_form(browser, u"2025-01-16 10:00", "mine", "boss").getControl(
            u"Pause until…"
        ).click()
        self.assertIn(u"Crons paused: 1.", browser.contents)
        self.assertIn(u"runs as a user with more rights than you", browser.contents)
        paused = self.paused()
        self.assertEqual((paused[u"mine"], paused[u"boss"]), (UNTIL, None))
