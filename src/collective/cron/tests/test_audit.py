# -*- coding: utf-8 -*-
"""The audit trail (issue 12): who created, changed, switched, paused, ran,
imported or deleted each cron, and when; bounded; one book per cron."""

from collective.cron import audit
from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.exportimport.jsonfile import import_crontab
from collective.cron.health import run_now
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import fake_queue
from collective.cron.tests.test_dashboard import job_system
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

import datetime
import pytz
import transaction
import unittest

NOON = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=pytz.utc)


class AuditTestCase(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        clock.freeze(NOON)
        self.addCleanup(clock.reset)

    def add(self, uid=u"a", **kwargs):
        kwargs.setdefault("name", u"collective.cron.test.ok")
        kwargs.setdefault("periodicity", u"0 3 * * *")
        crontab = Crontab.load(self.portal)
        crontab.save_cron(Cron(uid=uid, **kwargs))
        return crontab

    def edit(self, uid=u"a", **changes):
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[uid]
        for name, value in changes.items():
            setattr(cron, name, value)
        crontab.save_cron(cron)
        return crontab

    def actions(self, uid=u"a"):
        return [entry["action"] for entry in audit.entries(self.portal, uid)]


class TestChanges(AuditTestCase):
    def test_created_by_whom_and_when(self):
        self.add(environ={u"k": 1})
        (entry,) = audit.entries(self.portal, u"a")
        self.assertEqual(entry["action"], audit.CREATED)
        self.assertEqual(entry["actor"], TEST_USER_ID)
        self.assertEqual(entry["date"], u"2026-12-04T12:00:00+00:00")
        fields = dict((item["field"], item) for item in entry["changes"])
        self.assertEqual(fields["periodicity"]["old"], None)
        self.assertEqual(fields["periodicity"]["new"], u"0 3 * * *")
        self.assertEqual(fields["environ"]["new"], {u"k": 1})
        self.assertNotIn("position", fields)

    def test_changed_fields_old_to_new_latest_first(self):
        self.add()
        clock.advance(minutes=5)
        self.edit(periodicity=u"*/5 * * * *", description=u"every five")
        latest = audit.entries(self.portal, u"a")[0]
        self.assertEqual(latest["action"], audit.CHANGED)
        self.assertEqual(latest["date"], u"2026-12-04T12:05:00+00:00")
        self.assertEqual(
            latest["changes"],
            [
                {"field": u"periodicity", "old": u"0 3 * * *", "new": u"*/5 * * * *"},
                {"field": u"description", "old": u"", "new": u"every five"},
            ],
        )

    def test_saved_unchanged_is_not_an_entry(self):
        self.add()
        self.edit()
        self.assertEqual(self.actions(), [audit.CREATED])

    def test_turned_off_and_on(self):
        self.add()
        self.edit(activated=False)
        self.edit(activated=True)
        self.assertEqual(
            self.actions(), [audit.TURNED_ON, audit.TURNED_OFF, audit.CREATED]
        )

    def test_paused_and_resumed(self):
        self.add()
        until = NOON + datetime.timedelta(days=2)
        self.edit(paused_until=until)
        self.edit(paused_until=None)
        entries = audit.entries(self.portal, u"a")
        self.assertEqual(
            [entry["action"] for entry in entries],
            [audit.RESUMED, audit.PAUSED, audit.CREATED],
        )
        self.assertEqual(entries[1]["changes"][0]["new"], clock.to_iso(until))

    def test_secrets_are_masked(self):
        self.add(environ={u"api_token": u"abc123", u"url": u"https://x"})
        self.edit(environ={u"api_token": u"xyz789", u"url": u"https://y"})
        latest = audit.entries(self.portal, u"a")[0]
        change = latest["changes"][0]
        self.assertEqual(change["old"], {u"api_token": u"***", u"url": u"https://x"})
        self.assertEqual(change["new"], {u"api_token": u"***", u"url": u"https://y"})
        text = repr(audit.entries(self.portal, u"a"))
        self.assertNotIn(u"abc123", text)
        self.assertNotIn(u"xyz789", text)

    def test_a_changed_secret_alone_says_changed(self):
        found = audit.changes({u"webhook_secret": u"s1"}, {u"webhook_secret": u"s2"})
        self.assertEqual(
            found,
            [{"field": u"webhook_secret", "old": u"***", "new": u"*** (changed)"}],
        )

    def test_ping_urls_and_url_passwords_are_masked(self):
        found = audit.changes(
            {},
            {
                u"environ": {
                    u"ping_url": u"https://hc-ping.com/5f1c-secret-uuid",
                    u"feed": u"https://bob:hunter2@example.org/feed",
                }
            },
        )
        self.assertEqual(
            found[0]["new"],
            {u"ping_url": u"***", u"feed": u"https://bob:***@example.org/feed"},
        )

    def test_whole_crontab_save_records_each_changed_cron(self):
        self.add(u"a")
        self.add(u"b")
        crontab = Crontab.load(self.portal)
        crontab.crons[u"b"].description = u"only b"
        crontab.save()
        self.assertEqual(self.actions(u"a"), [audit.CREATED])
        self.assertEqual(self.actions(u"b"), [audit.CHANGED, audit.CREATED])


class TestDeleted(AuditTestCase):
    def test_who_deleted_it(self):
        self.add(u"gone", name=u"collective.cron.test.ok")
        crontab = Crontab.load(self.portal)
        crontab.remove_cron(u"gone")
        crontab.save()
        self.assertEqual(audit.entries(self.portal, u"gone"), [])
        (entry,) = audit.deleted(self.portal)
        self.assertEqual(entry["action"], audit.DELETED)
        self.assertEqual(entry["uid"], u"gone")
        self.assertEqual(entry["name"], u"collective.cron.test.ok")
        self.assertEqual(entry["actor"], TEST_USER_ID)

    def test_deletions_are_bounded(self):
        for index in range(audit.DELETED_LIMIT + 3):
            audit.record_deleted(self.portal, u"c%d" % index, u"n")
        kept = audit.deleted(self.portal)
        self.assertEqual(len(kept), audit.DELETED_LIMIT)
        self.assertEqual(kept[0]["uid"], u"c%d" % (audit.DELETED_LIMIT + 2))


class TestBounded(AuditTestCase):
    def test_last_entries_only(self):
        self.add()
        for index in range(audit.LIMIT + 5):
            self.edit(description=u"edit %d" % index)
        entries = audit.entries(self.portal, u"a")
        self.assertEqual(len(entries), audit.LIMIT)
        self.assertEqual(
            entries[0]["changes"][0]["new"], u"edit %d" % (audit.LIMIT + 4)
        )


class TestOneBookPerCron(AuditTestCase):
    def test_an_edit_writes_its_own_cron_book_only(self):
        self.add(u"a")
        self.add(u"b")
        transaction.savepoint()
        books = self.portal.__annotations__[audit.ANNOTATION_KEY]
        book_a, book_b = books[u"a"], books[u"b"]
        self.assertFalse(book_a._p_changed)
        self.edit(u"a", description=u"changed")
        self.assertTrue(book_a._p_changed)
        self.assertFalse(book_b._p_changed)
        self.assertFalse(books._p_changed)


class TestImportedAndRun(AuditTestCase):
    def test_import_says_imported(self):
        data = {
            "crons": [
                {
                    "uid": u"imp",
                    "name": u"collective.cron.test.ok",
                    "periodicity": u"@daily",
                }
            ]
        }
        result = import_crontab(self.portal, data)
        self.assertTrue(result["saved"], result)
        (entry,) = audit.entries(self.portal, u"imp")
        self.assertEqual(entry["action"], audit.IMPORTED)
        self.assertEqual(entry["actor"], TEST_USER_ID)

    def test_run_now_is_recorded_with_its_job(self):
        crontab = self.add()
        job_id = run_now(self.portal, crontab.crons[u"a"])
        entry = audit.entries(self.portal, u"a")[0]
        self.assertEqual(entry["action"], audit.RUN)
        self.assertEqual(entry["note"], {"job_id": job_id})


class TestOnTheCronPage(DashboardTestCase):
    """The trail as people see it: the cron page's table, site time."""

    def setUp(self):
        super(TestOnTheCronPage, self).setUp()
        self.set_record("plone.portal_timezone", u"Europe/Paris")
        self.add_cron(uid=u"first", environ={u"webhook_secret": u"hush"})
        self.add_cron(uid=u"second")

    def audit_table(self, browser, uid):
        browser.open(self.url + "/" + uid)
        contents = browser.contents
        return contents[contents.index(u'<section id="audit"') :]

    def test_switched_from_the_page_then_shown_latest_first(self):
        clock.freeze(NOON)
        self.addCleanup(clock.reset)
        browser = self.browser()
        browser.open(self.url + "/first")
        browser.getControl(u"Turn off").click()
        table = self.audit_table(browser, u"first")
        rows = table[: table.index(u"</table>")].split(u"<tr class=")[1:]
        self.assertEqual(len(rows), 2)
        self.assertIn(u"cron-audit-turned_off", rows[0])
        self.assertIn(u"Turned off", rows[0])
        self.assertIn(u"activated: true → false", rows[0])
        self.assertIn(u"admin", rows[0])
        # stored in UTC, shown in the site's time (Paris: UTC+1 in December)
        self.assertIn(u'datetime="2026-12-04T12:00:00+00:00"', rows[0])
        self.assertIn(u"01:00 PM", rows[0])
        self.assertIn(u"cron-audit-created", rows[1])
        self.assertIn(u"webhook_secret", rows[1])
        self.assertNotIn(u"hush", table)

    def test_bulk_run_and_bulk_delete(self):
        with job_system(fake_queue({"engine": "fake", "reachable": True})):
            browser = self.browser()
            browser.open(self.url)
            form = browser.getForm(id="cron-bulk")
            form.getControl(name="uids:list").value = [u"first", u"second"]
            form.getControl(u"Run now").click()
            self.assertIn(u"Crons queued to run now: 2.", browser.contents)
        transaction.begin()
        for uid in (u"first", u"second"):
            entry = audit.entries(self.portal, uid)[0]
            self.assertEqual(entry["action"], audit.RUN)
            self.assertEqual(entry["actor"], u"admin")
        browser.open(self.url)
        form = browser.getForm(id="cron-bulk")
        form.getControl(name="uids:list").value = [u"second"]
        form.getControl(u"Delete").click()
        browser.getControl(u"Delete").click()
        self.assertIn(u"Crons deleted: 1.", browser.contents)
        transaction.begin()
        self.assertEqual(audit.entries(self.portal, u"second"), [])
        (gone,) = audit.deleted(self.portal)
        self.assertEqual((gone["uid"], gone["actor"]), (u"second", u"admin"))

    def test_in_french(self):
        self.set_record("plone.available_languages", [u"en", u"fr", u"de"])
        self.set_record("plone.use_request_negotiation", True)
        browser = self.browser(language="fr")
        browser.open(self.url + "/first")
        self.assertIn(u"Journal d'audit", browser.contents)
        self.assertIn(u"Créé", browser.contents)
        self.assertIn(u"Exécuter avec ces paramètres", browser.contents)


class TestParametersFollowTheRun(AuditTestCase):
    """A run now with parameters that waits for the running one
    (``overlap.QUEUED``: a job of its own) keeps them: they are found by the
    occurrence as well as by the job id; scheduled runs never get them."""

    def test_found_by_job_or_occurrence(self):
        crontab = self.add(environ={u"a": 1})
        cron = crontab.crons[u"a"]
        job_id = run_now(self.portal, cron, {u"a": 2})
        copy = Crontab.load_cron(u"a", self.portal)
        self.assertEqual(
            audit.apply_parameters(self.portal, copy, u"manual", job_id), u'{"a": 2}'
        )
        self.assertEqual(copy.environ, {u"a": 2})
        waiting = Crontab.load_cron(u"a", self.portal)
        shown = audit.apply_parameters(
            self.portal, waiting, u"queued", u"another-job", NOON
        )
        self.assertEqual((shown, waiting.environ), (u'{"a": 2}', {u"a": 2}))
        scheduled = Crontab.load_cron(u"a", self.portal)
        self.assertIsNone(
            audit.apply_parameters(self.portal, scheduled, u"schedule", job_id, NOON)
        )
        self.assertEqual(scheduled.environ, {u"a": 1})
        # the cron itself keeps its parameters
        self.assertEqual(Crontab.load_cron(u"a", self.portal).environ, {u"a": 1})
