# -*- coding: utf-8 -*-
"""The add and edit forms of the Cron Dashboard."""
from collective.cron.interfaces import ILogStore
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import PASSWORD
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import TEST_USER_ID
from six.moves.urllib.parse import urlencode
from zExceptions import Forbidden

import re
import transaction


class FormTestCase(DashboardTestCase):

    def open_add_form(self):
        browser = self.browser()
        browser.open(self.url)
        browser.getLink(id="cron-add").click()
        self.assertEqual(browser.url, self.url + "/add")
        return browser

    def fill(self, browser, **values):
        for name, value in values.items():
            control = browser.getControl(name="form.widgets.%s" % name)
            control.value = value
        return browser

    def field_error(self, browser, name):
        """The text of the error shown on field ``name`` (empty: none)."""
        contents = browser.contents
        start = contents.find(u'id="formfield-form-widgets-%s"' % name)
        if start < 0:
            return u""
        ends = [
            position
            for position in (
                contents.find(u'id="formfield-', start + 1),
                contents.find(u'class="formControls"', start + 1),
            )
            if position > 0
        ]
        block = contents[start : min(ends)] if ends else contents[start:]
        errors = re.findall(
            r'class="(?:invalid-feedback|error)"[^>]*>([^<]*)<', block
        )
        return u" ".join(error.strip() for error in errors if error.strip())


class TestAddForm(FormTestCase):

    def test_add_a_cron(self):
        browser = self.open_add_form()
        browser.getControl(name="form.widgets.name:list").value = [u"collective.cron.test.record"]
        self.fill(
            browser,
            description=u"Tidy up",
            periodicity=u"0 3 * * 1-5",
            timezone=u"Europe/Paris",
            user=TEST_USER_ID,
            environ=u'{"days": 30, "folder": "news"}',
            logs_limit=u"7",
        )
        browser.getControl(name="form.widgets.missed:list").value = [u"skip"]
        browser.getControl(u"Save").click()
        self.assertIn(u"collective.cron.test.record was added.", browser.contents)
        crons = list(self.crontab().crons.values())
        self.assertEqual(len(crons), 1)
        cron = crons[0]
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        self.assertEqual(cron.name, u"collective.cron.test.record")
        self.assertEqual(cron.description, u"Tidy up")
        self.assertEqual(cron.periodicity, u"0 3 * * 1-5")
        self.assertEqual(cron.timezone, u"Europe/Paris")
        self.assertEqual(cron.user, TEST_USER_ID)
        self.assertEqual(cron.environ, {u"days": 30, u"folder": u"news"})
        self.assertEqual(cron.logs_limit, 7)
        self.assertEqual(cron.missed, u"skip")
        self.assertTrue(cron.activated)

    def test_defaults(self):
        browser = self.open_add_form()
        self.assertEqual(browser.getControl(name="form.widgets.environ").value, u"{}")
        self.assertEqual(browser.getControl(name="form.widgets.logs_limit").value, u"20")
        self.assertEqual(browser.getControl(name="form.widgets.missed:list").value, [u"run_once"])
        self.assertTrue(browser.getControl(name="form.widgets.activated:list").controls[0].selected)
        self.fill(browser, periodicity=u"@daily", environ=u"")
        browser.getControl(u"Save").click()
        cron = list(self.crontab().crons.values())[0]
        self.assertEqual(cron.periodicity, u"@daily")
        self.assertEqual(cron.environ, {})
        self.assertEqual(cron.timezone, u"")
        self.assertEqual(cron.user, u"")

    def test_the_runners_to_choose_from(self):
        browser = self.open_add_form()
        options = browser.getControl(name="form.widgets.name:list").options
        for name in (
            u"collective.cron.test.ok",
            u"collective.cron.test.warn",
            u"collective.cron.test.fail",
            u"collective.cron.test.record",
        ):
            self.assertIn(name, options)
        # the docstring of a runner says what it does
        self.assertIn(u"Records in the site", browser.contents)

    def test_preview_of_the_next_runs(self):
        self.freeze()
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"0 3 * * *", timezone=u"Europe/Paris")
        browser.getControl(u"Preview").click()
        self.assertEqual(len(self.crontab().crons), 0)
        self.assertIn(u"nothing was saved yet", browser.contents)
        preview = browser.contents[browser.contents.index(u'id="cron-preview"'):]
        preview = preview[: preview.index(u"</section>")]
        # 03:00 in Paris is 02:00 UTC in winter: five days in a row
        for day in (16, 17, 18, 19, 20):
            self.assertIn(u'datetime="2025-01-%dT02:00:00+00:00"' % day, preview)
        self.assertEqual(preview.count(u"<li>"), 5)
        self.assertIn(u"03:00", preview)
        self.assertIn(u"Europe/Paris", preview)
        self.assertIn(u"At 03:00", preview)
        # the form keeps what was typed
        self.assertEqual(browser.getControl(name="form.widgets.periodicity").value, u"0 3 * * *")

    def test_invalid_periodicity_names_the_field(self):
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"61 * * * *")
        browser.getControl(u"Save").click()
        error = self.field_error(browser, u"periodicity")
        self.assertIn(u"minute", error)
        self.assertIn(u"61", error)
        self.assertNotIn(u"cron-preview", browser.contents)
        self.fill(browser, periodicity=u"0 0 * * funday")
        browser.getControl(u"Save").click()
        self.assertIn(u"day of week", self.field_error(browser, u"periodicity"))
        self.fill(browser, periodicity=u"@sometimes")
        browser.getControl(u"Preview").click()
        self.assertIn(u"@sometimes", self.field_error(browser, u"periodicity"))
        self.assertEqual(len(self.crontab().crons), 0)

    def test_broken_parameters(self):
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"@daily", environ=u'{"days": ')
        browser.getControl(u"Save").click()
        self.assertIn(u"The parameters are not valid JSON", self.field_error(browser, u"environ"))
        self.fill(browser, environ=u"[1, 2]")
        browser.getControl(u"Save").click()
        self.assertIn(u"must be a JSON object", self.field_error(browser, u"environ"))
        self.assertEqual(len(self.crontab().crons), 0)

    def test_unknown_user(self):
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"@daily", user=u"nobody")
        browser.getControl(u"Save").click()
        self.assertIn(u'No user "nobody"', self.field_error(browser, u"user"))
        self.assertEqual(len(self.crontab().crons), 0)
        # users of the Zope root count too
        self.fill(browser, user=SITE_OWNER_NAME)
        browser.getControl(u"Save").click()
        self.assertEqual(list(self.crontab().crons.values())[0].user, SITE_OWNER_NAME)

    def test_login_of_a_user(self):
        # A login that is not the user's id: found as the run finds it.
        self.portal.acl_users.source_users.addUser(
            "jane-id", "jane@example.org", PASSWORD
        )
        transaction.commit()
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"@daily", user=u"jane@example.org")
        browser.getControl(u"Save").click()
        self.assertEqual(self.field_error(browser, u"user"), u"")
        self.assertEqual(list(self.crontab().crons.values())[0].user, u"jane@example.org")

    def test_unknown_timezone(self):
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"@daily", timezone=u"Europe/Pariss")
        browser.getControl(u"Save").click()
        error = self.field_error(browser, u"timezone")
        self.assertIn(u"Europe/Pariss", error)
        self.assertIn(u"Europe/Paris&quot;?", error.replace(u'"', u"&quot;"))
        self.assertEqual(len(self.crontab().crons), 0)

    def test_logs_limit_bounds(self):
        browser = self.open_add_form()
        self.fill(browser, periodicity=u"@daily", logs_limit=u"0")
        browser.getControl(u"Save").click()
        self.assertTrue(self.field_error(browser, u"logs_limit"))
        self.assertEqual(len(self.crontab().crons), 0)

    def test_cancel(self):
        browser = self.open_add_form()
        browser.getControl(u"Cancel").click()
        self.assertEqual(browser.url, self.url)
        self.assertEqual(len(self.crontab().crons), 0)

    def test_get_saves_nothing(self):
        browser = self.browser()
        browser.open(self.url + "/add")
        token = browser.getControl(name="_authenticator").value
        query = urlencode(
            {
                "form.widgets.name:list": "collective.cron.test.ok",
                "form.widgets.periodicity": "* * * * *",
                "form.widgets.logs_limit": "20",
                "form.widgets.missed:list": "run_once",
                "form.widgets.environ": "{}",
                "form.buttons.save": "Save",
                "_authenticator": token,
            }
        )
        browser.open(self.url + "/add?" + query)
        self.assertEqual(browser.url, self.url + "/add?" + query)
        self.assertEqual(len(self.crontab().crons), 0)

    def test_post_without_token_is_refused(self):
        browser = self.browser()
        data = urlencode(
            {
                "form.widgets.name:list": "collective.cron.test.ok",
                "form.widgets.periodicity": "* * * * *",
                "form.widgets.logs_limit": "20",
                "form.widgets.missed:list": "run_once",
                "form.widgets.environ": "{}",
                "form.buttons.save": "Save",
            }
        )
        with self.assertRaises(Forbidden):
            browser.post(self.url + "/add", data)
        self.assertEqual(len(self.crontab().crons), 0)


class TestEditForm(FormTestCase):

    def test_edit(self):
        cron = self.add_cron(description=u"Before", environ={u"a": 1})
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid)
        browser.getLink(id="cron-edit").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid + "/edit")
        # the form shows what is stored, and the next runs of it
        self.assertEqual(browser.getControl(name="form.widgets.periodicity").value, u"*/5 * * * *")
        self.assertEqual(browser.getControl(name="form.widgets.description").value, u"Before")
        self.assertIn(u'"a": 1', browser.getControl(name="form.widgets.environ").value)
        self.assertIn(u'id="cron-preview"', browser.contents)
        self.fill(browser, description=u"After", periodicity=u"@hourly", environ=u'{"b": 2}')
        browser.getControl(name="form.widgets.activated:list").controls[0].selected = False
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        crons = self.crontab().crons
        self.assertEqual(list(crons), [cron.uid])
        saved = crons[cron.uid]
        self.assertEqual(saved.description, u"After")
        self.assertEqual(saved.periodicity, u"@hourly")
        self.assertEqual(saved.environ, {u"b": 2})
        self.assertFalse(saved.activated)

    def test_smaller_logs_limit_drops_the_oldest_logs(self):
        cron = self.add_cron()
        for number in range(5):
            self.add_log(cron.uid, commit=False, messages=[u"run %d" % number])
        self.add_log(cron.uid, messages=[u"run 5"])
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.fill(browser, logs_limit=u"2")
        browser.getControl(u"Save").click()
        self.crontab()
        logs = ILogStore(self.portal).logs(cron.uid)
        self.assertEqual([log.messages for log in logs], [[u"run 4"], [u"run 5"]])

    def test_invalid_input_stores_nothing(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.fill(browser, periodicity=u"* * * *", description=u"Changed")
        browser.getControl(u"Save").click()
        self.assertTrue(self.field_error(browser, u"periodicity"))
        saved = self.crontab().crons[cron.uid]
        self.assertEqual(saved.periodicity, u"*/5 * * * *")
        self.assertEqual(saved.description, u"")

    def test_a_name_without_runner(self):
        cron = self.add_cron(name=u"no.such.runner")
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.assertIn(u"No job runner is registered under the name", browser.contents)
        control = browser.getControl(name="form.widgets.name:list")
        self.assertEqual(control.value, [u"no.such.runner"])
        self.assertIn(u"no.such.runner (no runner registered)", browser.contents)
        # saving keeps it, with a warning
        browser.getControl(u"Save").click()
        self.assertIn(u"Changes saved.", browser.contents)
        self.assertIn(u'No job runner is registered under the name "no.such.runner"', browser.contents)
        # choosing a registered runner fixes it
        browser.getLink(id="cron-edit").click()
        browser.getControl(name="form.widgets.name:list").value = [u"collective.cron.test.ok"]
        browser.getControl(u"Save").click()
        self.assertEqual(self.crontab().crons[cron.uid].name, u"collective.cron.test.ok")
        self.assertNotIn(u"No job runner is registered", browser.contents)

    def test_cancel(self):
        cron = self.add_cron()
        browser = self.browser()
        browser.open(self.url + "/" + cron.uid + "/edit")
        self.fill(browser, description=u"Not saved")
        browser.getControl(u"Cancel").click()
        self.assertEqual(browser.url, self.url + "/" + cron.uid)
        self.assertEqual(self.crontab().crons[cron.uid].description, u"")

    def test_post_without_token_is_refused(self):
        cron = self.add_cron()
        browser = self.browser()
        data = urlencode(
            {
                "form.widgets.name:list": "collective.cron.test.ok",
                "form.widgets.periodicity": "@yearly",
                "form.widgets.logs_limit": "20",
                "form.widgets.missed:list": "run_once",
                "form.widgets.environ": "{}",
                "form.buttons.save": "Save",
            }
        )
        with self.assertRaises(Forbidden):
            browser.post(self.url + "/" + cron.uid + "/edit", data)
        self.assertEqual(self.crontab().crons[cron.uid].periodicity, u"*/5 * * * *")
