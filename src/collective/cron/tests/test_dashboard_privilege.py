# -*- coding: utf-8 -*-
"""Least privilege on the dashboard's actions (issue 10, point 7).

Running a cron, or turning it on, makes its code run with the rights of its
run-as user: a Site Administrator may not do either to a cron that runs as
the system user (every permission) or as a Manager, one by one or in bulk
(``actions.may_make_it_run``, the rule of ``builder.check_run_as``).
Turning a cron off or deleting it stops code from running: allowed.  The
job system is the layer's real one.
"""

from collective.cron.interfaces import IQueueManager
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import PASSWORD

import transaction


class PrivilegeTestCase(DashboardTestCase):
    def setUp(self):
        super(PrivilegeTestCase, self).setUp()
        self.portal.acl_users.userFolderAddUser("boss", PASSWORD, ["Manager"], [])
        transaction.commit()
        # Saved by a script (nobody logged in): trusted, as an upgrade is.
        self.add_cron(uid=u"mine", user=u"siteadmin", activated=False)
        self.add_cron(uid=u"system", user=u"", activated=False)
        self.add_cron(
            uid=u"boss",
            user=u"boss",
            activated=False,
            name=u"collective.cron.test.warn",
        )

    def siteadmin(self):
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url)
        return browser

    def manual_runs(self):
        self.crontab()
        queue = IQueueManager(self.portal)
        return sorted(job["uid"] for job in queue.jobs() if job["trigger"] == u"manual")

    def active(self):
        return sorted(
            uid for uid, cron in self.crontab().crons.items() if cron.activated
        )

    def select(self, browser, *uids):
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="uids:list").value = list(uids)
        return form


class TestBulkActions(PrivilegeTestCase):
    def test_site_administrator_cannot_activate_crons_with_more_rights(self):
        browser = self.siteadmin()
        self.select(browser, "mine", "system", "boss").getControl(u"Activate").click()
        self.assertEqual(self.active(), [u"mine"])
        self.assertIn(u"Left as they were (2)", browser.contents)
        self.assertIn(u"only a Manager may run them or turn them on", browser.contents)

    def test_site_administrator_cannot_run_crons_with_more_rights(self):
        browser = self.siteadmin()
        self.select(browser, "mine", "boss").getControl(u"Run now").click()
        self.assertEqual(self.manual_runs(), [u"mine"])
        self.assertIn(u"Crons queued to run now: 1.", browser.contents)
        self.assertIn(
            u"collective.cron.test.warn runs as a user with more rights than you",
            browser.contents,
        )

    def test_all_that_match_are_checked_too(self):
        browser = self.siteadmin()
        data = (
            "scope=matching&form.button.run=1&confirmed=1&_authenticator=%s"
            % self.token(browser)
        )
        browser.post(self.url + "/bulk", data)
        self.assertEqual(self.manual_runs(), [u"mine"])

    def test_one_row_switch_is_checked(self):
        browser = self.siteadmin()
        data = "form.button.switch=system&_authenticator=%s" % self.token(browser)
        browser.post(self.url + "/bulk", data)
        self.assertEqual(self.active(), [])
        self.assertIn(u"only a Manager may run it or turn it on", browser.contents)

    def test_site_administrator_may_stop_any_cron(self):
        crontab = self.crontab()
        for cron in crontab.crons.values():
            cron.activated = True
        crontab.save()
        transaction.commit()
        browser = self.siteadmin()
        self.select(browser, "system", "boss").getControl(u"Deactivate").click()
        self.assertIn(u"Crons turned off: 2.", browser.contents)
        self.assertEqual(self.active(), [u"mine"])

    def test_manager_may_do_anything(self):
        browser = self.browser(user="boss", password=PASSWORD)
        browser.open(self.url)
        self.select(browser, "mine", "system", "boss").getControl(u"Activate").click()
        self.assertEqual(self.active(), [u"boss", u"mine", u"system"])
        self.select(browser, "system", "boss").getControl(u"Run now").click()
        self.assertEqual(self.manual_runs(), [u"boss", u"system"])

    def token(self, browser):
        return browser.getForm(id="cron-bulk").getControl(name="_authenticator").value


class TestOneCron(PrivilegeTestCase):
    def test_run_now_is_refused(self):
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url + "/system")
        browser.getControl(u"Run now").click()
        self.assertIn(u"only a Manager may run it or turn it on", browser.contents)
        self.assertEqual(self.manual_runs(), [])

    def test_turning_on_is_refused(self):
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url + "/boss")
        browser.getControl(u"Turn on").click()
        self.assertIn(u"only a Manager may run it or turn it on", browser.contents)
        self.assertEqual(self.active(), [])

    def test_own_cron(self):
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url + "/mine")
        browser.getControl(u"Turn on").click()
        browser.getControl(u"Run now").click()
        self.assertEqual(self.active(), [u"mine"])
        self.assertEqual(self.manual_runs(), [u"mine"])
