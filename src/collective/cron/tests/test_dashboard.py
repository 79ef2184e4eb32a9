# -*- coding: utf-8 -*-
"""The Cron Dashboard in a browser: the list, switches, bulk actions, protection.

The other ``test_dashboard_*`` modules cover the forms, the cron's page and
the translations; ``DashboardTestCase`` is their shared base.
"""

from AccessControl import Unauthorized
from collective.cron import clock
from collective.cron.compat import binary_type
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import FAILURE
from collective.cron.crontab import Log
from collective.cron.crontab import OK
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import zcasync_available
from contextlib import contextmanager
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.registry.interfaces import IRegistry
from plone.testing.zope import Browser
from Products.CMFCore.interfaces import ISiteRoot
from zExceptions import Forbidden
from zope.component import adapter
from zope.component import getGlobalSiteManager
from zope.component import getUtility
from zope.component import queryAdapter
from zope.interface import implementer

import datetime
import lxml.html
import pytz
import transaction
import unittest

PASSWORD = "secret-Passw0rd"
NOW = datetime.datetime(2025, 1, 15, 10, 0, 0, tzinfo=pytz.utc)


@contextmanager
def job_system(factory=None):
    """Replace the registered job system by ``factory`` (None: no job system)."""
    registry = getGlobalSiteManager()
    saved = [
        registration
        for registration in registry.registeredAdapters()
        if registration.provided is IQueueManager
    ]
    for registration in saved:
        registry.unregisterAdapter(
            registration.factory,
            registration.required,
            registration.provided,
            registration.name,
        )
    if factory is not None:
        registry.registerAdapter(factory, (ISiteRoot,), IQueueManager)
    try:
        yield
    finally:
        if factory is not None:
            registry.unregisterAdapter(factory, (ISiteRoot,), IQueueManager)
        for registration in saved:
            registry.registerAdapter(
                registration.factory,
                registration.required,
                registration.provided,
                registration.name,
            )


def fake_queue(state):
    """A job system whose state is ``state`` and whose queue is a list."""

    @implementer(IQueueManager)
    @adapter(ISiteRoot)
    class FakeQueue(object):
        queued = []

        def __init__(self, context):
            self.context = context

        def state(self):
            return dict(state)

        def jobs(self, cron_uid=None):
            return [job for job in self.queued if cron_uid in (None, job["uid"])]

        def register_job(self, cron_uid, when, trigger="schedule", scheduled=None):
            job = {
                "id": u"job-%d" % len(self.queued),
                "uid": cron_uid,
                "when": when,
                "scheduled": scheduled or when,
                "trigger": trigger,
                "status": "pending",
            }
            self.queued.append(job)
            return job["id"]

        def remove_job(self, job_id):
            self.queued[:] = [job for job in self.queued if job["id"] != job_id]

        def remove_jobs(self, cron_uid):
            self.queued[:] = [job for job in self.queued if job["uid"] != cron_uid]

        def mark_site(self, active=True):
            pass

        def job_status(self, job_id):
            return None

        def is_alive(self, instance):
            return None

    return FakeQueue


def engine_facts(contents):
    """The job system box of the dashboard as {label: text}."""
    tree = lxml.html.fromstring(contents)
    facts = tree.xpath('//section[@id="cron-engine"]/dl')
    if not facts:
        return {}
    labels = [u" ".join(dt.text_content().split()) for dt in facts[0].xpath("dt")]
    values = [u" ".join(dd.text_content().split()) for dd in facts[0].xpath("dd")]
    return dict(zip(labels, values))


class TextBrowser(Browser):
    """A test browser whose ``contents`` is text on Python 2 as well."""

    @property
    def contents(self):
        contents = super(TextBrowser, self).contents
        if isinstance(contents, binary_type):
            contents = contents.decode("utf-8")
        return contents


class DashboardTestCase(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING
    warm_up = True

    def setUp(self):
        self.app = self.layer["app"]
        self.portal = self.layer["portal"]
        self.url = self.portal.absolute_url() + "/@@cron-settings"
        acl_users = self.portal.acl_users
        acl_users.userFolderAddUser("member", PASSWORD, ["Member"], [])
        acl_users.userFolderAddUser("siteadmin", PASSWORD, ["Site Administrator"], [])
        if self.warm_up:
            # A running site's job system has its queue already.
            queue = queryAdapter(self.portal, IQueueManager)
            if queue is not None:
                queue.state()
        transaction.commit()

    # -- data ------------------------------------------------------------

    def add_cron(self, **values):
        values.setdefault("name", u"collective.cron.test.ok")
        values.setdefault("periodicity", u"*/5 * * * *")
        crontab = Crontab.load(self.portal)
        cron = Cron(**values)
        crontab.save_cron(cron)
        transaction.commit()
        return cron

    def add_log(self, uid, commit=True, **values):
        values.setdefault("status", OK)
        values.setdefault("started", NOW - datetime.timedelta(minutes=5))
        values.setdefault("date", values["started"])
        values.setdefault("duration", 1.5)
        values.setdefault("instance", u"host:4242")
        log = Log(**values)
        ILogStore(self.portal).append(uid, log, 1000)
        if commit:
            transaction.commit()
        return log

    def crontab(self):
        """The crontab as the last request left it."""
        transaction.begin()
        return Crontab.load(self.portal)

    def set_record(self, name, value):
        getUtility(IRegistry)[name] = value
        transaction.commit()

    def freeze(self):
        clock.freeze(NOW)

    # -- browsing ----------------------------------------------------------

    def browser(
        self, user=SITE_OWNER_NAME, password=SITE_OWNER_PASSWORD, language=None
    ):
        browser = TextBrowser(self.app)
        browser.handleErrors = False
        if user:
            browser.addHeader("Authorization", str("Basic %s:%s" % (user, password)))
        if language:
            browser.addHeader("Accept-Language", str(language))
        return browser

    def human_browser(self, **kwargs):
        """A browser that gets error pages, as people do."""
        browser = self.browser(**kwargs)
        browser.handleErrors = True
        browser.raiseHttpErrors = False
        return browser


class TestProtection(DashboardTestCase):

    def pages(self, uid):
        base = self.url
        return [
            base,
            base + "/add",
            base + "/switch",
            base + "/bulk",
            base + "/" + uid,
            base + "/" + uid + "/edit",
            base + "/" + uid + "/switch",
            base + "/" + uid + "/run",
            base + "/" + uid + "/delete",
            base + "/" + uid + "/logs",
            base + "/" + uid + "/logs/clear",
            base + "/unknown-uid",
            base + "/unknown-uid/edit",
        ]

    def assert_refused(self, browser, uid):
        """Plone answers Unauthorized with its login or "insufficient
        privileges" page: the dashboard never shows and nothing changes."""
        requests = [(url, None) for url in self.pages(uid)]
        requests.append(
            (self.url + "/bulk", "uids:list=%s&form.button.delete=1&confirmed=1" % uid)
        )
        requests.append((self.url + "/" + uid + "/delete", "form.button.confirm=1"))
        for url, data in requests:
            if data is None:
                browser.open(url)
            else:
                browser.post(url, data)
            self.assertNotIn(u'id="collective-cron"', browser.contents, url)
            self.assertTrue(
                u"login" in browser.url or u"insufficient-privileges" in browser.url,
                (url, browser.url),
            )
        self.assertIn(uid, self.crontab().crons)

    def assert_views_refuse(self, uid):
        """Every page checks the permission itself, whatever the traversal."""
        from collective.cron.interfaces import ICollectiveCronLayer
        from zope.component import getMultiAdapter
        from zope.interface import alsoProvides

        request = self.layer["request"]
        alsoProvides(request, ICollectiveCronLayer)
        dashboard = getMultiAdapter((self.portal, request), name=u"cron-settings")
        pages = [dashboard]
        for name in (u"add", u"switch", u"bulk", u"unknown-uid", uid):
            pages.append(dashboard.publishTraverse(request, name))
        cron_page = pages[-1]
        for name in (u"edit", u"switch", u"run", u"delete", u"logs"):
            pages.append(cron_page.publishTraverse(request, name))
        pages.append(pages[-1].publishTraverse(request, u"clear"))
        for page in pages:
            with self.assertRaises(Unauthorized, msg=repr(page)):
                page()

    def test_anonymous_is_refused_everywhere(self):
        cron = self.add_cron()
        self.assert_refused(self.human_browser(user=None), cron.uid)
        logout()
        self.assert_views_refuse(cron.uid)

    def test_member_is_refused_everywhere(self):
        cron = self.add_cron()
        self.assert_refused(
            self.human_browser(user="member", password=PASSWORD), cron.uid
        )
        login(self.portal, "member")
        self.assert_views_refuse(cron.uid)

    def test_site_administrator_manages_crons(self):
        cron = self.add_cron()
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url)
        self.assertIn(u"Cron Dashboard", browser.contents)
        browser.getLink(cron.name).click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid)

    def test_configlet_in_site_setup(self):
        tool = self.portal.portal_controlpanel
        configlet = [
            action
            for action in tool.listActions()
            if action.getId() == "collective.cron"
        ][0]
        self.assertEqual(configlet.appId, "collective.cron")
        self.assertEqual(configlet.category, "Products")
        self.assertEqual(configlet.permissions, ("collective.cron: Manage crons",))
        browser = self.browser()
        browser.open(self.portal.absolute_url() + "/@@overview-controlpanel")
        browser.getLink("Cron Dashboard").click()
        self.assertEqual(browser.url, self.url)


class TestList(DashboardTestCase):

    def test_empty(self):
        browser = self.browser()
        browser.open(self.url)
        self.assertIn(u"No cron yet.", browser.contents)
        self.assertIn(u"Add a cron", browser.contents)

    def test_a_cron_in_the_list(self):
        self.set_record("plone.portal_timezone", u"Europe/Paris")
        self.freeze()
        cron = self.add_cron(description=u"Tidy the news folder")
        self.add_log(cron.uid, status=FAILURE, messages=[u"boom"], duration=0.25)
        browser = self.browser()
        browser.open(self.url)
        contents = browser.contents
        self.assertIn(u"collective.cron.test.ok", contents)
        self.assertIn(u"Tidy the news folder", contents)
        # the schedule in words and as written
        self.assertIn(u"Every 5 minutes", contents)
        self.assertIn(u"<code>*/5 * * * *</code>", contents)
        # the time zone of the site, used by default
        self.assertIn(u"Europe/Paris", contents)
        # the next run in site time (10:05 UTC is 11:05 in Paris) and relative
        self.assertIn(u'datetime="2025-01-15T10:05:00+00:00"', contents)
        self.assertIn(u"11:05", contents)
        self.assertIn(u"in 5 minutes", contents)
        # the last run: status, time, duration
        self.assertIn(u"cron-status-FAILURE", contents)
        self.assertIn(u"Failure", contents)
        self.assertIn(u"10:55", contents)
        self.assertIn(u"0.25 s", contents)
        self.assertIn(u'id="switch-%s"' % cron.uid, contents)

    def test_inactive_cron_is_not_scheduled(self):
        self.add_cron(activated=False)
        browser = self.browser()
        browser.open(self.url)
        self.assertIn(u"not scheduled", browser.contents)
        self.assertIn(u"Turn on", browser.contents)

    def test_cron_without_runner_is_flagged(self):
        self.add_cron(name=u"no.such.runner")
        browser = self.browser()
        browser.open(self.url)
        self.assertIn(u"no runner", browser.contents)


class TestFreshSite(DashboardTestCase):
    """The first look at the dashboard of a new site."""

    warm_up = False

    def test_a_look_writes_nothing(self):
        # Reading the state of the job system must not create anything:
        # plone.protect would turn the GET into a "confirm action" page.
        browser = self.browser()
        browser.open(self.url)
        self.assertEqual(browser.url, self.url)
        self.assertIn(u"No cron yet.", browser.contents)


class TestEngineBox(DashboardTestCase):

    def test_no_job_system(self):
        self.add_cron()
        with job_system(None):
            self.assertIsNone(queryAdapter(self.portal, IQueueManager))
            browser = self.browser()
            browser.open(self.url)
            self.assertIn(u"No job system is available", browser.contents)
            # the list still works
            self.assertIn(u"collective.cron.test.ok", browser.contents)

    def test_unreachable_queue_without_password(self):
        state = {
            "engine": "huey",
            "queue": "redis://cron:s3cr3t@redis.example.org:6379/0",
            "worker": False,
            "reachable": False,
            "error": "Connection refused",
            "heartbeat": None,
        }
        with job_system(fake_queue(state)):
            browser = self.browser()
            browser.open(self.url)
        contents = browser.contents
        self.assertIn(u"The job queue cannot be reached: Connection refused", contents)
        self.assertIn(u"redis.example.org", contents)
        self.assertNotIn(u"s3cr3t", contents)
        self.assertIn(u"another process must run the jobs", contents)

    def test_password_in_an_error_is_hidden(self):
        secret_url = "redis://cron:s3cr3t@redis.example.org:6379/0"
        state = {
            "engine": "huey",
            "queue": secret_url,
            "reachable": False,
            "error": "Error 111 connecting to %s (password=s3cr3t)" % secret_url,
        }
        with job_system(fake_queue(state)):
            browser = self.browser()
            browser.open(self.url)
        contents = browser.contents
        self.assertIn(u"redis://cron:***@redis.example.org:6379/0", contents)
        self.assertIn(
            u"The job queue cannot be reached: Error 111 connecting to", contents
        )
        self.assertNotIn(u"s3cr3t", contents)

    def test_silent_workers(self):
        self.freeze()
        self.add_cron(periodicity=u"*/5 * * * *")
        state = {
            "engine": "huey",
            "queue": "sqlite:///var/cron.sqlite",
            "worker": True,
            "reachable": True,
            "error": None,
            "heartbeat": NOW - datetime.timedelta(hours=1),
        }
        with job_system(fake_queue(state)):
            browser = self.browser()
            browser.open(self.url)
            self.assertIn(
                u"No worker has shown any sign of life for 1 hour", browser.contents
            )
            self.assertIn(u"5 minutes", browser.contents)
            self.assertIn(u"this process runs jobs", browser.contents)
            # a worker that was alive a minute ago is fine
            state["heartbeat"] = NOW - datetime.timedelta(minutes=1)
            browser.open(self.url)
            self.assertNotIn(u"No worker has shown any sign of life", browser.contents)

    def test_live_job_system(self):
        """The box shows the layer's real job system, as its state says.

        The layer always configures one (zc.async on Python 2.7 when it
        imports, huey on an SQLite file otherwise): no adapter is a failure,
        and huey's SQLite queue in a temporary folder must be reachable.
        """
        expected = "zcasync" if zcasync_available() else "huey"
        state = IQueueManager(self.portal).state()
        self.assertEqual(state["engine"], expected)
        if expected == "huey":
            self.assertIs(state["reachable"], True, state["error"])
        browser = self.browser()
        browser.open(self.url)
        self.assertNotIn(u"No job system is available", browser.contents)
        facts = engine_facts(browser.contents)
        self.assertEqual(facts[u"Engine"], expected)
        self.assertEqual(facts[u"Queue"], state["queue"])
        self.assertEqual(
            facts[u"Queue reachable"],
            u"no" if state["reachable"] is False else u"yes",
        )


class TestCrontabSwitch(DashboardTestCase):

    def test_turn_off_and_on(self):
        self.add_cron()
        browser = self.browser()
        browser.open(self.url)
        browser.getControl(u"Turn the crontab off").click()
        self.assertEqual(browser.url, self.url)
        self.assertIn(
            u"The crontab is off: no cron runs until it is turned on.", browser.contents
        )
        self.assertFalse(self.crontab().activated)
        self.assertIn(u"not scheduled", browser.contents)
        browser.getControl(u"Turn the crontab on").click()
        self.assertIn(u"The crontab is on.", browser.contents)
        self.assertTrue(self.crontab().activated)

    def test_get_only_asks(self):
        browser = self.browser()
        browser.open(self.url + "/switch?activated=0")
        self.assertIn(u"Turn the crontab off", browser.contents)
        self.assertTrue(self.crontab().activated)
        browser.getControl(u"Cancel").click()
        self.assertEqual(browser.url, self.url)
        self.assertTrue(self.crontab().activated)
        browser.open(self.url + "/switch?activated=0")
        browser.getControl(u"Confirm").click()
        self.assertFalse(self.crontab().activated)

    def test_post_without_token_is_refused(self):
        browser = self.browser()
        with self.assertRaises(Forbidden):
            browser.post(self.url + "/switch", "activated=0&form.button.confirm=1")
        self.assertTrue(self.crontab().activated)


class TestBulkActions(DashboardTestCase):

    def setUp(self):
        super(TestBulkActions, self).setUp()
        self.first = self.add_cron(uid=u"first")
        self.second = self.add_cron(uid=u"second", name=u"collective.cron.test.warn")
        self.third = self.add_cron(uid=u"third", activated=False)

    def select(self, browser, *uids):
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="uids:list").value = list(uids)
        return form

    def test_switch_one_row(self):
        browser = self.browser()
        browser.open(self.url)
        browser.getForm(id="cron-bulk").getControl(u"Turn off", index=0).click()
        self.assertIn(u"collective.cron.test.ok is off.", browser.contents)
        crons = self.crontab().crons
        self.assertFalse(crons["first"].activated)
        self.assertTrue(crons["second"].activated)
        browser.getForm(id="cron-bulk").getControl(u"Turn on", index=1).click()
        self.assertTrue(self.crontab().crons["third"].activated)

    def test_deactivate_and_activate(self):
        browser = self.browser()
        browser.open(self.url)
        self.select(browser, "first", "second").getControl(u"Deactivate").click()
        self.assertIn(u"Crons turned off: 2.", browser.contents)
        crons = self.crontab().crons
        self.assertEqual(
            [cron.activated for cron in crons.values()], [False, False, False]
        )
        self.select(browser, "first", "third").getControl(u"Activate").click()
        self.assertIn(u"Crons turned on: 2.", browser.contents)
        crons = self.crontab().crons
        self.assertEqual(
            [cron.activated for cron in crons.values()], [True, False, True]
        )

    def test_delete_asks_first(self):
        self.add_log(u"first")
        browser = self.browser()
        browser.open(self.url)
        self.select(browser, "first", "second").getControl(u"Delete").click()
        self.assertIn(u"Delete these crons?", browser.contents)
        self.assertEqual(len(self.crontab().crons), 3)
        browser.getControl(u"Cancel").click()
        self.assertEqual(len(self.crontab().crons), 3)
        self.select(browser, "first", "second").getControl(u"Delete").click()
        browser.getControl(u"Delete").click()
        self.assertIn(u"Crons deleted: 2.", browser.contents)
        self.assertEqual(list(self.crontab().crons), [u"third"])
        self.assertEqual(ILogStore(self.portal).count(u"first"), 0)

    def test_run_now(self):
        with job_system(fake_queue({"engine": "fake", "reachable": True})):
            browser = self.browser()
            browser.open(self.url)
            self.select(browser, "first", "third").getControl(u"Run now").click()
            self.assertIn(u"Crons queued to run now: 2.", browser.contents)
            queue = IQueueManager(self.portal)
            manual = [job["uid"] for job in queue.jobs() if job["trigger"] == "manual"]
            self.assertEqual(sorted(manual), [u"first", u"third"])

    def test_run_now_without_job_system(self):
        with job_system(None):
            browser = self.browser()
            browser.open(self.url)
            self.select(browser, "first").getControl(u"Run now").click()
        self.assertIn(
            u"Cannot run collective.cron.test.ok now: no job system is available",
            browser.contents,
        )

    def test_nothing_selected(self):
        browser = self.browser()
        browser.open(self.url)
        browser.getForm(id="cron-bulk").getControl(u"Deactivate").click()
        self.assertIn(u"Select at least one cron.", browser.contents)
        self.assertTrue(self.crontab().crons["first"].activated)

    def test_get_changes_nothing(self):
        browser = self.browser()
        browser.open(
            self.url + "/bulk?uids:list=first&form.button.delete=1&confirmed=1"
        )
        self.assertEqual(browser.url, self.url)
        self.assertEqual(len(self.crontab().crons), 3)

    def test_post_without_token_is_refused(self):
        browser = self.browser()
        for data in (
            "uids:list=first&form.button.delete=1&confirmed=1",
            "uids:list=first&form.button.deactivate=1",
            "form.button.switch=first",
        ):
            with self.assertRaises(Forbidden):
                browser.post(self.url + "/bulk", data)
        crons = self.crontab().crons
        self.assertEqual(len(crons), 3)
        self.assertTrue(crons["first"].activated)
