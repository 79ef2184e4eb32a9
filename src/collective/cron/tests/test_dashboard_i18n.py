# -*- coding: utf-8 -*-
"""The dashboard in French and German, and the completeness of the catalogs."""
from collective.cron.compat import binary_type
from collective.cron.compat import PY2
from collective.cron.compat import text_type
from collective.cron.crontab import FAILURE
from collective.cron.tests.test_dashboard import DashboardTestCase

import ast
import io
import os
import re
import unittest


PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = os.path.join(PACKAGE, "locales")
LANGUAGES = ("fr", "de")
PLACEHOLDER = re.compile(r"\$\{\w+\}")


def read_catalog(path):
    """{msgid: (msgstr, default)} of a .po or .pot file (one-line entries)."""
    entries = {}
    with io.open(path, encoding="utf-8") as stream:
        blocks = stream.read().split(u"\n\n")
    for block in blocks:
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr "(.*)"$', block, re.M)
        default = re.search(r'^#\. Default: "(.*)"$', block, re.M)
        if msgid is None or not msgid.group(1):
            continue
        entries[msgid.group(1)] = (
            msgstr.group(1) if msgstr else u"",
            default.group(1) if default else msgid.group(1),
        )
    return entries


def source_messages():
    """msgids given to ``_()`` in the package's Python code (tests aside),
    and the "periodicity_error_*" ids that periodicity.py passes around."""
    found = set()
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [name for name in dirs if name not in ("tests", "locales")]
        for name in files:
            if not name.endswith(".py") or name.startswith("testing"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as stream:
                source = stream.read()
            head = source[:300].decode("utf-8", "replace")
            if (u"# py3-only" in head and PY2) or (u"# py2-only" in head and not PY2):
                continue
            try:
                tree = ast.parse(source)
            except SyntaxError:  # noqa: somebody's work in progress
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                texts = [_constant(arg) for arg in node.args]
                if getattr(node.func, "id", None) == "_" and texts[0]:
                    found.add(texts[0])
                for text in texts:
                    if text and text.startswith(u"periodicity_error_"):
                        found.add(text)
    return found


def _constant(node):
    value = getattr(node, "value", getattr(node, "s", None))
    if isinstance(value, binary_type):
        return value.decode("utf-8")
    if isinstance(value, text_type):
        return value
    return None


class TestCatalogs(unittest.TestCase):

    def test_every_message_is_in_the_template(self):
        template = read_catalog(os.path.join(LOCALES, "collective.cron.pot"))
        missing = sorted(
            msgid for msgid in source_messages() if msgid.replace(u'"', u'\\"') not in template
        )
        self.assertEqual(
            missing, [], "run src/collective/cron/locales/update.py and translate"
        )

    def test_french_and_german_are_complete(self):
        template = read_catalog(os.path.join(LOCALES, "collective.cron.pot"))
        self.assertTrue(len(template) > 150)
        for language in LANGUAGES:
            catalog = read_catalog(
                os.path.join(LOCALES, language, "LC_MESSAGES", "collective.cron.po")
            )
            self.assertEqual(sorted(catalog), sorted(template), language)
            for msgid, (msgstr, default) in catalog.items():
                self.assertTrue(msgstr, "%s: %s is not translated" % (language, msgid))
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(msgstr)),
                    sorted(PLACEHOLDER.findall(template[msgid][1])),
                    "%s: %s keeps other placeholders" % (language, msgid),
                )

    def test_compiled_catalogs_are_up_to_date(self):
        from pythongettext.msgfmt import Msgfmt

        for language in LANGUAGES:
            po = os.path.join(LOCALES, language, "LC_MESSAGES", "collective.cron.po")
            with open(po, "rb") as stream:
                compiled = Msgfmt(stream, name=po).get()
            with open(po[:-3] + ".mo", "rb") as stream:
                self.assertEqual(
                    stream.read(), compiled, "%s: run locales/update.py" % language
                )


class TestTranslatedDashboard(DashboardTestCase):

    def setUp(self):
        super(TestTranslatedDashboard, self).setUp()
        self.set_record("plone.available_languages", [u"en", u"fr", u"de"])
        self.set_record("plone.use_request_negotiation", True)

    def test_french(self):
        self.freeze()
        cron = self.add_cron()
        self.add_log(cron.uid, status=FAILURE, duration=0.25)
        browser = self.browser(language="fr")
        browser.open(self.url)
        contents = browser.contents
        self.assertIn(u"Tableau de bord des crons", contents)
        self.assertIn(u"Toutes les 5 minutes", contents)
        self.assertIn(u"dans 5 minutes", contents)
        self.assertIn(u"Échec", contents)
        self.assertIn(u"0,25 s", contents)
        self.assertIn(u"Désactiver la crontab", contents)
        self.assertIn(u"Exécuter maintenant", contents)
        self.assertIn(u"Système de tâches", contents)
        # dates in the French format of Plone (English: "Jan 15, 2025 10:05 AM")
        self.assertIn(u"15/01/2025 10:05", contents)
        self.assertNotIn(u"Every 5 minutes", contents)
        self.assertNotIn(u"Cron Dashboard", contents)

    def test_french_forms_and_errors(self):
        browser = self.browser(language="fr")
        browser.open(self.url + "/add")
        self.assertIn(u"Ajouter un cron", browser.contents)
        self.assertIn(u"Périodicité", browser.contents)
        self.assertIn(u"Exécuteur de tâche", browser.contents)
        browser.getControl(name="form.widgets.periodicity").value = u"61 * * * *"
        browser.getControl(name="form.widgets.timezone").value = u"Europe/Pariss"
        browser.getControl(name="form.widgets.user").value = u"nobody"
        browser.getControl(u"Enregistrer").click()
        contents = browser.contents
        self.assertIn(u"Champ minute invalide « 61 »", contents)
        self.assertIn(u"vouliez-vous dire « Europe/Paris » ?", contents)
        self.assertIn(u"Aucun utilisateur « nobody »", contents)
        self.assertEqual(len(self.crontab().crons), 0)

    def test_french_messages(self):
        cron = self.add_cron()
        browser = self.browser(language="fr")
        browser.open(self.url + "/" + cron.uid)
        self.assertIn(u"Réglages", browser.contents)
        browser.getControl(u"Désactiver").click()
        self.assertIn(u"collective.cron.test.ok est désactivé.", browser.contents)
        browser = self.human_browser(language="fr")
        browser.open(self.url + "/no-such-cron")
        self.assertEqual(browser.headers["status"], "404 Not Found")
        self.assertIn(u"pas de cron avec l", browser.contents)

    def test_german(self):
        self.freeze()
        self.add_cron(periodicity=u"@hourly")
        browser = self.browser(language="de")
        browser.open(self.url)
        contents = browser.contents
        self.assertIn(u"Cron-Dashboard", contents)
        self.assertIn(u"Crontab ausschalten", contents)
        self.assertIn(u"in 1 Stunde", contents)
        self.assertIn(u"Jetzt ausführen", contents)
        browser.getLink(u"Cron hinzufügen").click()
        self.assertIn(u"Periodizität", browser.contents)
