# -*- coding: utf-8 -*-
"""The page of one cron: settings, run now, switch, delete, logs, not found."""

from collective.cron.crontab import FAILURE
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import WARN
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import fake_queue
from collective.cron.tests.test_dashboard import job_system
from collective.cron.tests.test_dashboard import NOW
from zExceptions import Forbidden

import datetime


class TestCronPage(DashboardTestCase):

    def test_settings(self):
        self.freeze()
        cron = self.add_cron(
            description=u"Send the digest",
            periodicity=u"30 2 * * 1",
            timezone=u"America/New_York",
            environ={u"to": u"news@example.org"},
            logs_limit=9,
            missed=u"skip",
        )
        browser = self.browser()
        browser.open(self.url)
        browser.getLink(u"collective.cron.test.ok").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        contents = browser.contents
        self.assertIn(u"Send the digest", contents)
        self.assertIn(u"30 2 * * 1", contents)
        self.assertIn(u"America/New_York", contents)
        self.assertIn(u"news@example.org", contents)
        self.assertIn(u"<dd>9</dd>", contents)
        self.assertIn(u"Skip the missed occurrences", contents)
        self.assertIn(u"System user (Manager role)", contents)
        # five next runs: Mondays 02:30 in New York (07:30 UTC in winter)
        upcoming = contents[contents.index(u'class="cron-upcoming"') :]
        upcoming = upcoming[: upcoming.index(u"</ol>")]
        self.assertEqual(upcoming.count(u"<li>"), 5)
        self.assertIn(u'datetime="2025-01-20T07:30:00+00:00"', upcoming)
        self.assertIn(u'datetime="2025-02-17T07:30:00+00:00"', upcoming)

    def test_logs_newest_first_with_everything(self):
        self.freeze()
        cron = self.add_cron()
        started = NOW - datetime.timedelta(hours=2)
        self.add_log(cron.uid, commit=False, started=started, messages=[u"first run"])
        self.add_log(
            cron.uid,
            commit=False,
            started=started + datetime.timedelta(minutes=5),
            status=WARN,
            trigger=u"manual",
            messages=[u"something to look at", u"and another thing"],
            duration=125,
        )
        self.add_log(
            cron.uid,
            commit=False,
            started=started + datetime.timedelta(minutes=10),
            status=NOTRUN,
            trigger=u"catch-up",
            messages=[u"missed"],
            duration=None,
        )
        self.add_log(
            cron.uid,
            started=started + datetime.timedelta(minutes=15),
            status=FAILURE,
            messages=[u"this runner fails on purpose"],
            detail=u'Traceback (most recent call last):\n  File "x.py"\nValueError: on purpose',
            instance=u"worker-7:99",
        )
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        contents = browser.contents
        logs = contents[contents.index(u'id="logs"') :]
        order = [
            logs.index(text)
            for text in (
                u"this runner fails on purpose",
                u"missed",
                u"something to look at",
                u"first run",
            )
        ]
        self.assertEqual(order, sorted(order))
        for text in (
            u"cron-status-FAILURE",
            u"cron-status-NOTRUN",
            u"cron-status-WARN",
            u"cron-status-OK",
            u"Failure",
            u"Not run",
            u"Warning",
            u"Scheduled",
            u"Manual",
            u"Catch-up",
            u"worker-7:99",
            u"host:4242",
            u"2 min 5 s",
            u"1.5 s",
            u"and another thing",
            u"4 in all",
        ):
            self.assertIn(text, logs)
        # the traceback of a failure can be opened
        self.assertIn(u"<details", logs)
        self.assertIn(u"ValueError: on purpose", logs)
        self.assertEqual(logs.count(u"<details"), 1)

    def test_logs_pagination(self):
        cron = self.add_cron(logs_limit=100)
        for number in range(24):
            self.add_log(
                cron.uid,
                commit=False,
                started=NOW + datetime.timedelta(minutes=number),
                messages=[u"run #%02d" % number],
            )
        self.add_log(
            cron.uid,
            started=NOW + datetime.timedelta(minutes=24),
            messages=[u"run #24"],
        )
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        self.assertEqual(browser.contents.count(u'class="cron-log '), 20)
        self.assertIn(u"run #24", browser.contents)
        self.assertIn(u"run #05", browser.contents)
        self.assertNotIn(u"run #04", browser.contents)
        self.assertIn(u"25 in all", browser.contents)
        browser.open(self.url + "/" + cron.uid + "?b_start:int=20")
        self.assertEqual(browser.contents.count(u'class="cron-log '), 5)
        self.assertIn(u"run #04", browser.contents)
        self.assertIn(u"run #00", browser.contents)
        self.assertNotIn(u"run #05", browser.contents)
        # the batch navigation of Plone leads there
        browser.open(self.url + "/" + cron.uid)
        self.assertIn(u"b_start:int=20", browser.contents)

    def test_remove_one_log(self):
        cron = self.add_cron()
        self.add_log(cron.uid, commit=False, messages=[u"old"])
        self.add_log(cron.uid, messages=[u"new"])
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        # the first "Remove" is the newest log
        browser.getControl(u"Remove", index=0).click()
        self.assertIn(u"The log was removed.", browser.contents)
        self.crontab()
        logs = ILogStore(self.portal).logs(cron.uid)
        self.assertEqual([log.messages for log in logs], [[u"old"]])

    def test_remove_a_log_that_moved(self):
        cron = self.add_cron()
        minute = datetime.timedelta(minutes=1)
        self.add_log(cron.uid, started=NOW, messages=[u"old"])
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        form = browser.getControl(u"Remove", index=0)
        # meanwhile a worker adds a log and the oldest one goes
        store = ILogStore(self.portal)
        self.add_log(cron.uid, commit=False, started=NOW + minute, messages=[u"new"])
        store.remove(cron.uid, 0)
        self.add_log(cron.uid, started=NOW + 2 * minute, messages=[u"newer"])
        form.click()
        self.assertIn(u"This log is not there any more.", browser.contents)
        self.crontab()
        self.assertEqual(
            [log.messages for log in ILogStore(self.portal).logs(cron.uid)],
            [[u"new"], [u"newer"]],
        )

    def test_clear_all_logs(self):
        cron = self.add_cron()
        self.add_log(cron.uid, commit=False)
        self.add_log(cron.uid)
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        browser.getLink(id="cron-clear-logs").click()
        # GET asks first
        self.assertEqual(browser.url, self.url + "/" + cron.uid + "/logs/clear")
        self.crontab()
        self.assertEqual(ILogStore(self.portal).count(cron.uid), 2)
        browser.getControl(u"Clear the logs").click()
        self.assertIn(u"The logs were cleared.", browser.contents)
        self.assertIn(u"No log yet.", browser.contents)
        self.crontab()
        self.assertEqual(ILogStore(self.portal).count(cron.uid), 0)

    def test_clear_logs_without_token_is_refused(self):
        cron = self.add_cron()
        self.add_log(cron.uid)
        browser = self.browser()
        for data in ("form.button.confirm=1", "form.button.confirm=1&index=0"):
            with self.assertRaises(Forbidden):
                browser.post(self.url + "/" + cron.uid + "/logs/clear", data)
        self.crontab()
        self.assertEqual(ILogStore(self.portal).count(cron.uid), 1)

    def test_switch(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        browser.getControl(u"Turn off").click()
        self.assertIn(u"collective.cron.test.ok is off.", browser.contents)
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        self.assertFalse(self.crontab().crons[cron.uid].activated)
        browser.getControl(u"Turn on").click()
        self.assertTrue(self.crontab().crons[cron.uid].activated)

    def test_switch_get_and_no_token(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/switch?activated=0")
        self.assertIn(u"Turn collective.cron.test.ok off", browser.contents)
        self.assertTrue(self.crontab().crons[cron.uid].activated)
        with self.assertRaises(Forbidden):
            browser.post(
                self.url + "/" + cron.uid + "/switch",
                "activated=0&form.button.confirm=1",
            )
        self.assertTrue(self.crontab().crons[cron.uid].activated)

    def test_delete(self):
        cron = self.add_cron()
        self.add_log(cron.uid)
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        browser.getLink(id="cron-delete").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid + "/delete")
        self.assertIn(u"Delete collective.cron.test.ok?", browser.contents)
        self.assertIn(cron.uid, self.crontab().crons)
        browser.getControl(u"Cancel").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        self.assertIn(cron.uid, self.crontab().crons)
        browser.getLink(id="cron-delete").click()
        browser.getControl(u"Delete").click()
        self.assertEqual(browser.url, self.url)
        self.assertIn(u"collective.cron.test.ok was deleted.", browser.contents)
        self.assertNotIn(cron.uid, self.crontab().crons)
        self.assertEqual(ILogStore(self.portal).count(cron.uid), 0)

    def test_delete_without_token_is_refused(self):
        cron = self.add_cron()
        browser = self.browser()
        with self.assertRaises(Forbidden):
            browser.post(self.url + "/" + cron.uid + "/delete", "form.button.confirm=1")
        self.assertIn(cron.uid, self.crontab().crons)


class TestRunNow(DashboardTestCase):

    def test_run_now(self):
        """Run now on the layer's real job system queues one manual job.

        The layer always has a working queue (huey on SQLite, or zc.async):
        a refusal here is a failure; the refusals are the next tests.
        """
        cron = self.add_cron()
        queue = IQueueManager(self.portal)
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        browser.getControl(u"Run now").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        self.assertNotIn(u"Cannot run", browser.contents)
        self.assertIn(u"collective.cron.test.ok is queued to run now", browser.contents)
        self.crontab()
        manual = [job for job in queue.jobs(cron.uid) if job["trigger"] == u"manual"]
        self.assertEqual(len(manual), 1)
        # the queued job shows on the cron's page
        self.assertIn(u"Manual", browser.contents)

    def test_run_now_through_the_job_system(self):
        cron = self.add_cron()
        with job_system(fake_queue({"engine": "fake", "reachable": True})):
            browser = self.browser()
            browser.open(self.url + "/" + cron.uid)
            browser.getControl(u"Run now").click()
            self.assertIn(
                u"collective.cron.test.ok is queued to run now", browser.contents
            )
            jobs = IQueueManager(self.portal).jobs(cron.uid)
            self.assertEqual(
                [job["trigger"] for job in jobs if job["trigger"] == "manual"],
                [u"manual"],
            )

    def test_run_now_without_job_system(self):
        cron = self.add_cron()
        with job_system(None):
            browser = self.browser()
            browser.open(self.url + "/" + cron.uid)
            self.assertIn(
                u"No job system is available: nothing is queued.", browser.contents
            )
            browser.getControl(u"Run now").click()
        self.assertIn(
            u"Cannot run collective.cron.test.ok now: no job system is available",
            browser.contents,
        )

    def test_run_now_with_a_broken_job_system(self):
        cron = self.add_cron()
        broken = fake_queue(
            {"engine": "fake", "reachable": False, "error": "disk full"}
        )

        def refuse(self, *args, **kwargs):
            raise IOError("disk full")

        broken.register_job = refuse
        with job_system(broken):
            browser = self.browser()
            browser.open(self.url + "/" + cron.uid)
            browser.getControl(u"Run now").click()
        self.assertIn(
            u"Cannot run collective.cron.test.ok now: disk full", browser.contents
        )

    def test_get_asks_first(self):
        cron = self.add_cron()
        with job_system(fake_queue({"engine": "fake", "reachable": True})):
            browser = self.browser()
            browser.open(self.url + "/" + cron.uid + "/run")
            self.assertIn(u"Run collective.cron.test.ok now", browser.contents)
            self.assertEqual(IQueueManager(self.portal).jobs(cron.uid), [])
            browser.getControl(u"Run now").click()
            self.assertEqual(len(IQueueManager(self.portal).jobs(cron.uid)), 1)

    def test_post_without_token_is_refused(self):
        cron = self.add_cron()
        with job_system(fake_queue({"engine": "fake", "reachable": True})):
            browser = self.browser()
            with self.assertRaises(Forbidden):
                browser.post(
                    self.url + "/" + cron.uid + "/run", "form.button.confirm=1"
                )
            self.assertEqual(IQueueManager(self.portal).jobs(cron.uid), [])


class TestNotFound(DashboardTestCase):

    def test_unknown_uid(self):
        cron = self.add_cron()
        browser = self.human_browser()
        for path in (
            u"/no-such-cron",
            u"/no-such-cron/edit",
            u"/no-such-cron/logs/clear",
            u"/%s/no-such-page" % cron.uid,
            u"/%s/logs/no-such-page" % cron.uid,
        ):
            browser.open(self.url + path)
            self.assertEqual(browser.headers["status"], "404 Not Found", path)
            # a page of the site, with a way back, not a traceback
            self.assertIn(u'id="collective-cron"', browser.contents)
            self.assertIn(u"Back to the Cron Dashboard", browser.contents)
            self.assertIn(u"portal-footer", browser.contents)
            self.assertNotIn(u"Traceback", browser.contents)
        browser.open(self.url + u"/no-such-cron")
        self.assertIn(u"There is no cron with the id", browser.contents)
        self.assertIn(u"no-such-cron", browser.contents)

    def test_post_to_an_unknown_uid_changes_nothing(self):
        cron = self.add_cron()
        browser = self.human_browser()
        browser.post(self.url + "/no-such-cron/delete", "form.button.confirm=1")
        self.assertEqual(browser.headers["status"], "404 Not Found")
        self.assertIn(cron.uid, self.crontab().crons)


class TestPageFrame(DashboardTestCase):
    """The dashboard shows Plone's control-panel menu; the pages below it
    show the breadcrumbs back instead (the menu costs a third of a page).

    Plone 6 draws that menu as tabs above the page; Plone 5.2 as a portlet
    beside it, which every page keeps (it is not the costly part there).
    """

    MENU = u'class="nav nav-tabs"'

    def test_dashboard_has_the_control_panel_menu(self):
        browser = self.browser()
        browser.open(self.portal.absolute_url() + "/@@mail-controlpanel")
        plone_draws_tabs = self.MENU in browser.contents
        browser.open(self.url)
        self.assertIn(u"@@mail-controlpanel", browser.contents)
        self.assertEqual(self.MENU in browser.contents, plone_draws_tabs)

    def test_pages_below_lead_back_without_the_menu(self):
        cron = self.add_cron()
        browser = self.browser()
        for path in (u"/" + cron.uid, u"/" + cron.uid + u"/edit", u"/add"):
            browser.open(self.url + path)
            contents = browser.contents
            self.assertNotIn(self.MENU, contents, path)
            trail = contents[contents.index(u'class="cron-breadcrumbs"') :]
            trail = trail[: trail.index(u"</nav>")]
            self.assertIn(u'id="setup-link"', trail, path)
            self.assertIn(u'href="%s"' % self.url, trail, path)
            # still a page of Plone's: its toolbar and status messages
            self.assertIn(u'id="content"', contents, path)


class TestReliabilitySettingsShown(DashboardTestCase):
    """The cron's page says how its runs are retried, what happens when
    they overlap and where they ping (set on the edit form)."""

    def test_defaults_and_settings(self):
        plain = self.add_cron(uid=u"plain")
        tuned = self.add_cron(
            uid=u"tuned",
            attempts=3,
            retry_delay=120,
            overlap=u"queue_one",
            ping_fail=u"https://hc-ping.com/uuid/fail",
        )
        browser = self.browser()
        browser.open(self.url + "/" + plain.uid)
        self.assertNotIn(u"cron-attempts", browser.contents)
        self.assertNotIn(u"Ping URL", browser.contents)
        self.assertIn(u"Forbid: skip a run while the previous one", browser.contents)
        browser.open(self.url + "/" + tuned.uid)
        contents = browser.contents
        self.assertIn(u'<dd class="cron-attempts">3</dd>', contents)
        self.assertIn(u'<dd class="cron-retry-delay">120</dd>', contents)
        self.assertIn(u"Queue one: run once more right after", contents)
        self.assertIn(u"<code>https://hc-ping.com/uuid/fail</code>", contents)
        self.assertNotIn(u"Ping URL: start", contents)
