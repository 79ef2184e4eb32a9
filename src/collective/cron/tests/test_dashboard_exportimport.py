# -*- coding: utf-8 -*-
"""The dashboard's "Export (JSON)" and "Import (JSON)" pages."""

from collective.cron.interfaces import ILogStore
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import PASSWORD
from zExceptions import Forbidden

import json


def exported(uid, **values):
    data = {
        u"uid": uid,
        u"name": u"collective.cron.test.ok",
        u"activated": True,
        u"periodicity": u"*/5 * * * *",
        u"timezone": u"",
        u"user": u"",
        u"environ": {},
        u"logs_limit": 5,
        u"description": u"",
        u"missed": u"skip",
    }
    data.update(values)
    return data


class ExportImportTestCase(DashboardTestCase):

    def state(self):
        """The crontab as a comparable value (and the number of logs)."""
        crontab = self.crontab()
        return (
            crontab.activated,
            [cron.dump(include_logs=False) for cron in crontab.crons.values()],
            dict((uid, ILogStore(self.portal).count(uid)) for uid in crontab.crons),
        )

    def upload(self, payload, mode=None, browser=None):
        """Fill the import form with ``payload`` (bytes) and submit it."""
        browser = browser or self.browser()
        browser.open(self.url + "/import")
        if payload is not None:
            control = browser.getControl(name="file")
            control.add_file(payload, "application/json", "crons.json")
        if mode:
            browser.getControl(name="mode").value = [mode]
        browser.getControl("Import").click()
        return browser


class TestExport(ExportImportTestCase):

    def test_link_on_the_dashboard(self):
        browser = self.browser()
        browser.open(self.url)
        browser.getLink("Export (JSON)").click()
        self.assertEqual(browser.url, self.url + "/export")
        browser.open(self.url)
        browser.getLink("Import (JSON)").click()
        self.assertEqual(browser.url, self.url + "/import")

    def test_export_content_and_headers(self):
        self.freeze()
        first = self.add_cron(
            uid=u"first",
            description=u"Café au lait",
            environ={u"days": 30},
            timezone=u"Europe/Paris",
        )
        self.add_cron(uid=u"second", periodicity=u"@daily", activated=False)
        self.add_log(first.uid, messages=[u"a secret of the log"])
        browser = self.browser()
        browser.open(self.url + "/export")
        headers = browser.headers
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        self.assertEqual(
            headers["Content-Disposition"],
            'attachment; filename="collective.cron-%s-2025-01-15.json"'
            % self.portal.getId(),
        )
        data = json.loads(browser.contents)
        self.assertEqual(data["activated"], True)
        self.assertEqual([cron["uid"] for cron in data["crons"]], [u"first", u"second"])
        self.assertEqual(data["crons"][0]["description"], u"Café au lait")
        self.assertEqual(data["crons"][0]["environ"], {u"days": 30})
        self.assertEqual(data["crons"][0]["timezone"], u"Europe/Paris")
        self.assertEqual(data["crons"][1]["periodicity"], u"@daily")
        self.assertFalse(data["crons"][1]["activated"])
        self.assertNotIn(u"logs", data["crons"][0])
        self.assertNotIn(u"a secret of the log", browser.contents)

    def test_export_then_import_gives_the_same_crontab(self):
        cron = self.add_cron(uid=u"first", environ={u"days": 30})
        self.add_log(cron.uid)
        browser = self.browser()
        browser.open(self.url + "/export")
        payload = browser.contents.encode("utf-8")
        before = self.state()
        browser = self.upload(payload)
        self.assertEqual(browser.url, self.url)
        self.assertIn(u"nothing changed", browser.contents)
        self.assertEqual(self.state(), before)


class TestImport(ExportImportTestCase):

    def setUp(self):
        super(TestImport, self).setUp()
        self.add_cron(uid=u"kept", periodicity=u"@hourly")
        self.add_cron(uid=u"other")
        self.add_log(u"kept")
        self.add_log(u"other")

    def payload(self, activated=True):
        return json.dumps(
            {
                u"activated": activated,
                u"crons": [
                    exported(u"kept", periodicity=u"@daily"),
                    exported(u"new", environ={u"folder": u"news"}),
                ],
            }
        ).encode("utf-8")

    def test_form(self):
        browser = self.browser()
        browser.open(self.url + "/import")
        self.assertIn(u"Import crons (JSON)", browser.contents)
        # merge is the default: replacing deletes, so it must be chosen
        self.assertEqual(browser.getControl(name="mode").value, ["merge"])
        self.assertIn(u"Crons that are not in the file are deleted", browser.contents)
        self.assertIn(u"the other crons stay", browser.contents)
        self.assertIn(u'name="_authenticator"', browser.contents)

    def test_replace(self):
        browser = self.upload(self.payload(activated=False), mode="replace")
        # first what will change, and nothing changed yet
        self.assertIn(u"Replace the crontab?", browser.contents)
        self.assertIn(u"other", browser.contents)
        self.assertEqual(sorted(self.crontab().crons), [u"kept", u"other"])
        browser.getControl(name="form.button.confirm").click()
        self.assertEqual(browser.url, self.url)
        self.assertIn(
            u"Crontab imported: 1 added, 1 updated, 1 removed, 0 unchanged; "
            u"the crontab is off.",
            browser.contents,
        )
        crontab = self.crontab()
        self.assertEqual(list(crontab.crons), [u"kept", u"new"])
        self.assertFalse(crontab.activated)
        self.assertEqual(crontab.crons[u"kept"].periodicity, u"@daily")
        self.assertEqual(crontab.crons[u"new"].environ, {u"folder": u"news"})
        # the crons that stay keep their logs
        self.assertEqual(ILogStore(self.portal).count(u"kept"), 1)

    def test_merge(self):
        browser = self.upload(self.payload(), mode="merge")
        self.assertEqual(browser.url, self.url)
        self.assertIn(
            u"Crontab imported: 1 added, 1 updated, 0 removed, 0 unchanged; "
            u"the crontab is on.",
            browser.contents,
        )
        crontab = self.crontab()
        self.assertEqual(sorted(crontab.crons), [u"kept", u"new", u"other"])
        self.assertEqual(crontab.crons[u"kept"].periodicity, u"@daily")
        self.assertEqual(ILogStore(self.portal).count(u"other"), 1)
        # the same file again: nothing to do
        browser = self.upload(self.payload(), mode="merge")
        self.assertIn(u"nothing changed", browser.contents)

    def test_broken_json_changes_nothing(self):
        before = self.state()
        browser = self.upload(b'{"activated": false, "crons": [', mode="replace")
        self.assertEqual(browser.url, self.url + "/import")
        self.assertIn(u'id="cron-import-error"', browser.contents)
        self.assertIn(
            u"The file was not imported and nothing changed: "
            u"The file is not valid JSON",
            browser.contents,
        )
        self.assertEqual(self.state(), before)

    def test_invalid_cron_changes_nothing(self):
        before = self.state()
        payload = json.dumps(
            {
                u"activated": False,
                u"crons": [
                    exported(u"new"),
                    exported(u"bad", periodicity=u"61 * * * *"),
                ],
            }
        ).encode("utf-8")
        for mode in ("replace", "merge"):
            browser = self.upload(payload, mode=mode)
            contents = browser.contents
            self.assertIn(u"nothing changed: Cron #2 (uid bad)", contents)
            self.assertIn(u"61", contents)
            self.assertEqual(self.state(), before, mode)

    def test_no_file(self):
        before = self.state()
        browser = self.upload(None)
        self.assertIn(u"Choose a JSON file to import.", browser.contents)
        self.assertEqual(self.state(), before)

    def test_cancel(self):
        browser = self.browser()
        browser.open(self.url + "/import")
        browser.getControl("Cancel").click()
        self.assertEqual(browser.url, self.url)

    def test_post_without_token_is_refused(self):
        before = self.state()
        browser = self.browser()
        with self.assertRaises(Forbidden):
            browser.post(
                self.url + "/import",
                "mode=replace&form.button.import=1&file=%s"
                % self.payload().decode("utf-8").replace("&", "%26"),
            )
        self.assertEqual(self.state(), before)


class TestProtection(ExportImportTestCase):

    def assert_refused(self, browser):
        before = self.state()
        for url in (self.url + "/export", self.url + "/import"):
            browser.open(url)
            self.assertNotIn(u'id="collective-cron"', browser.contents, url)
            self.assertNotIn(u'"crons"', browser.contents, url)
            self.assertTrue(
                u"login" in browser.url or u"insufficient-privileges" in browser.url,
                (url, browser.url),
            )
        browser.post(
            self.url + "/import",
            'mode=replace&form.button.import=1&file={"crons": []}',
        )
        self.assertTrue(
            u"login" in browser.url or u"insufficient-privileges" in browser.url,
            browser.url,
        )
        self.assertEqual(self.state(), before)

    def test_anonymous_is_refused(self):
        self.add_cron(uid=u"kept")
        self.assert_refused(self.human_browser(user=None))

    def test_member_is_refused(self):
        self.add_cron(uid=u"kept")
        self.assert_refused(self.human_browser(user="member", password=PASSWORD))

    def test_site_administrator_may(self):
        self.add_cron(uid=u"kept")
        browser = self.browser(user="siteadmin", password=PASSWORD)
        browser.open(self.url + "/export")
        self.assertEqual(json.loads(browser.contents)["crons"][0]["uid"], u"kept")
        browser = self.upload(b'{"crons": []}', mode="replace", browser=browser)
        browser.getControl(name="form.button.confirm").click()
        self.assertIn(u"1 removed", browser.contents)
        self.assertEqual(len(self.crontab().crons), 0)


class TestFrench(ExportImportTestCase):

    def test_french(self):
        self.set_record("plone.available_languages", [u"en", u"fr", u"de"])
        self.set_record("plone.use_request_negotiation", True)
        browser = self.browser(language="fr")
        browser.open(self.url)
        browser.getLink(u"Importer (JSON)").click()
        self.assertIn(u"Fusionner", browser.contents)
        browser.getControl(name="file").add_file(b"{", "application/json", "x.json")
        browser.getControl(u"Importer").click()
        self.assertIn(
            u"Le fichier n'a pas été importé et rien n'a changé", browser.contents
        )
