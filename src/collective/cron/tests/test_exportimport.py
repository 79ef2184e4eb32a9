# -*- coding: utf-8 -*-
"""crons.xml (GenericSetup) and JSON export/import of the crontab."""

from collective.cron import crontab as models
from collective.cron import exportimport
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.compat import as_text
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Log
from collective.cron.exportimport import CrontabImportError
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IModifiedCrontabEvent
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.app.testing import applyProfile
from plone.registry.interfaces import IRegistry
from zope.component import getGlobalSiteManager
from zope.component import getUtility

import json
import logging
import unittest

NIGHTLY = u"collective.cron.testing-nightly"
QUARTERLY = u"collective.cron.testing-quarterly"
GONE = u"collective.cron.testing-gone"


class FakeImportContext(object):
    """The little of GenericSetup's import context that the step uses."""

    def __init__(self, site, files):
        self.site = site
        self.files = files

    def getSite(self):
        return self.site

    def readDataFile(self, filename, subdir=None):
        body = self.files.get(filename)
        if body is not None and not isinstance(body, bytes):
            body = body.encode(u"utf-8")
        return body

    def getLogger(self, name):
        return logging.getLogger(name)


class FakeExportContext(FakeImportContext):
    def __init__(self, site):
        super(FakeExportContext, self).__init__(site, {})

    def writeDataFile(self, filename, text, content_type, subdir=None):
        self.files[filename] = text


class ExportImportTestCase(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        self.saves = []
        gsm = getGlobalSiteManager()
        gsm.registerHandler(self.saves.append, (IModifiedCrontabEvent,))
        self.addCleanup(
            gsm.unregisterHandler, self.saves.append, (IModifiedCrontabEvent,)
        )

    def add(self, **values):
        values.setdefault(u"name", u"collective.cron.test.ok")
        values.setdefault(u"periodicity", u"@daily")
        cron = Cron(**values)
        Crontab.load(self.portal).save_cron(cron)
        return cron

    def dumped(self):
        return Crontab.load(self.portal).dump()

    def import_xml(self, body):
        exportimport.import_crons(FakeImportContext(self.portal, {u"crons.xml": body}))


class TestProfile(ExportImportTestCase):
    """The collective.cron:testing profile ships crons, as an add-on would."""

    def test_profile_adds_its_crons(self):
        applyProfile(self.portal, u"collective.cron:testing")
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [NIGHTLY, QUARTERLY])
        nightly = crontab.crons[NIGHTLY]
        self.assertEqual(nightly.name, u"collective.cron.test.record")
        self.assertEqual(nightly.periodicity, u"0 3 * * *")
        self.assertEqual(nightly.timezone, u"Europe/Paris")
        self.assertEqual(nightly.logs_limit, 10)
        self.assertTrue(nightly.activated)
        self.assertEqual(nightly.environ, {u"days": 30, u"folders": [u"news", u"events"]})
        self.assertEqual(nightly.description, u"Records what it was given, every night")
        quarterly = crontab.crons[QUARTERLY]
        self.assertFalse(quarterly.activated)
        self.assertEqual(quarterly.logs_limit, models.DEFAULT_LOGS_LIMIT)
        self.assertEqual(quarterly.environ, {})
        self.assertTrue(crontab.activated)
        self.assertEqual(len(self.saves), 1)

    def test_importing_twice_changes_nothing(self):
        applyProfile(self.portal, u"collective.cron:testing")
        before = getUtility(IRegistry)[CRONTAB_RECORD]
        del self.saves[:]
        applyProfile(self.portal, u"collective.cron:testing")
        self.assertEqual(getUtility(IRegistry)[CRONTAB_RECORD], before)
        self.assertEqual(self.saves, [])

    def test_profile_removes_and_edits_by_uid(self):
        self.add(uid=GONE)
        ILogStore(self.portal).append(GONE, Log(status=models.OK))
        self.add(
            uid=NIGHTLY,
            periodicity=u"@hourly",
            user=u"admin",
            description=u"old",
            missed=u"skip",
        )
        self.add(uid=u"mine")
        applyProfile(self.portal, u"collective.cron:testing")
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [NIGHTLY, u"mine", QUARTERLY])
        nightly = crontab.crons[NIGHTLY]
        # what the profile says changes, the rest stays
        self.assertEqual(nightly.periodicity, u"0 3 * * *")
        self.assertEqual(nightly.description, u"Records what it was given, every night")
        self.assertEqual(nightly.user, u"admin")
        self.assertEqual(nightly.missed, u"skip")
        self.assertEqual(ILogStore(self.portal).count(GONE), 0)


class TestCronsXml(ExportImportTestCase):
    def test_no_file_no_change(self):
        self.add(uid=u"u1")
        del self.saves[:]
        exportimport.import_crons(FakeImportContext(self.portal, {}))
        self.assertEqual(self.saves, [])

    def test_global_switch(self):
        self.import_xml(u'<crontab activated="false"/>')
        self.assertFalse(Crontab.load(self.portal).activated)
        self.import_xml(u"<crontab/>")
        self.assertFalse(Crontab.load(self.portal).activated)
        self.import_xml(u'<crontab activated="true"/>')
        self.assertTrue(Crontab.load(self.portal).activated)

    def test_removing_what_is_not_there(self):
        self.import_xml(u'<crontab><cron uid="x" remove="true"/></crontab>')
        self.assertEqual(self.saves, [])

    def assertRefused(self, body, field=None, text=None):
        self.add(uid=u"u1")
        before = self.dumped()
        del self.saves[:]
        with self.assertRaises(CrontabImportError) as raised:
            self.import_xml(body)
        self.assertEqual(self.dumped(), before)
        self.assertEqual(self.saves, [])
        if field is not None:
            self.assertEqual(raised.exception.field, field)
        if text is not None:
            self.assertIn(text, str(raised.exception))
        return raised.exception

    def test_bad_files_change_nothing(self):
        good = u'<cron uid="new" name="n" periodicity="@daily"/>'
        self.assertRefused(u"<crontab>", text=u"well-formed")
        self.assertRefused(u"<crons/>", text=u"<crontab>")
        self.assertRefused(u"<crontab>%s<job/></crontab>" % good, text=u"<job>")
        self.assertRefused(
            u'<crontab>%s<cron uid="b" name="n" periodicity="61 * * * *"/></crontab>'
            % good,
            field=u"periodicity",
            text=u'uid="b"',
        )
        self.assertRefused(
            u'<crontab>%s<cron uid="b" name="n" periodicity="@daily">'
            u"<environ>[1]</environ></cron></crontab>" % good,
            field=u"environ",
        )
        self.assertRefused(
            u'<crontab><cron uid="u1" name="n" periodicty="@daily"/></crontab>',
            field=u"periodicty",
        )
        self.assertRefused(
            u'<crontab><cron uid="u1" activated="maybe"/></crontab>', field=u"activated"
        )
        self.assertRefused(
            u'<crontab><cron name="n" periodicity="@daily"/></crontab>', field=u"uid"
        )
        self.assertRefused(
            u'<crontab><cron uid="n"><notes>x</notes></cron></crontab>', field=u"notes"
        )
        # a new cron needs a name and a periodicity
        self.assertRefused(
            u'<crontab><cron uid="new" name="n"/></crontab>', field=u"periodicity"
        )

    def test_not_installed(self):
        registry = getUtility(IRegistry)
        del registry.records[CRONTAB_RECORD]
        with self.assertRaises(CrontabImportError) as raised:
            self.import_xml(u"<crontab/>")
        self.assertIn(u"profile-collective.cron:default", str(raised.exception))

    def test_export(self):
        applyProfile(self.portal, u"collective.cron:testing")
        context = FakeExportContext(self.portal)
        exportimport.export_crons(context)
        body = context.files[u"crons.xml"]
        self.assertTrue(body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'))
        text = body.decode(u"utf-8")
        self.assertIn(u'activated="true"', text)
        self.assertIn(u'uid="collective.cron.testing-nightly"', text)
        self.assertIn(
            u'<environ>{"days": 30, "folders": ["news", "events"]}</environ>', text
        )
        self.assertIn(
            u"<description>Records what it was given, every night</description>", text
        )
        self.assertNotIn(u"remove", text)

    def test_export_then_import(self):
        applyProfile(self.portal, u"collective.cron:testing")
        self.add(uid=u"accents", description=u'Café <&> "quoted"', environ={u"k": u"é"})
        context = FakeExportContext(self.portal)
        exportimport.export_crons(context)
        before = self.dumped()
        del self.saves[:]
        # into the same site: nothing to do
        self.import_xml(context.files[u"crons.xml"])
        self.assertEqual(self.saves, [])
        # into an empty crontab: the same crons again
        crontab = Crontab.load(self.portal)
        for uid in list(crontab.crons):
            crontab.remove_cron(uid)
        crontab.save()
        self.import_xml(context.files[u"crons.xml"])
        self.assertEqual(self.dumped(), before)


class TestJson(ExportImportTestCase):
    def setUp(self):
        super(TestJson, self).setUp()
        self.add(uid=u"a", environ={u"x": 1})
        self.add(uid=u"b")
        self.add(uid=u"c")
        ILogStore(self.portal).append(u"a", Log(status=models.OK))
        ILogStore(self.portal).append(u"c", Log(status=models.OK))
        del self.saves[:]

    def test_export(self):
        data = exportimport.export_crontab(self.portal)
        self.assertEqual(data[u"activated"], True)
        self.assertEqual([cron[u"uid"] for cron in data[u"crons"]], [u"a", u"b", u"c"])
        self.assertEqual(data[u"crons"][0][u"environ"], {u"x": 1})
        self.assertNotIn(u"logs", data[u"crons"][0])
        # it is JSON
        self.assertEqual(json.loads(json.dumps(data)), data)

    def test_same_file_changes_nothing(self):
        data = exportimport.export_crontab(self.portal)
        result = exportimport.import_crontab(self.portal, json.dumps(data))
        self.assertFalse(result[u"saved"])
        self.assertEqual(result[u"unchanged"], [u"a", u"b", u"c"])
        self.assertEqual(self.saves, [])

    def test_replace(self):
        data = exportimport.export_crontab(self.portal)
        crons = data[u"crons"]
        crons[2][u"periodicity"] = u"@hourly"
        data[u"crons"] = [
            crons[2],
            {u"uid": u"d", u"name": u"n", u"periodicity": u"@weekly"},
            crons[0],
        ]
        data[u"activated"] = False
        result = exportimport.import_crontab(self.portal, data)
        self.assertEqual(result[u"added"], [u"d"])
        self.assertEqual(result[u"updated"], [u"c"])
        self.assertEqual(result[u"removed"], [u"b"])
        self.assertEqual(result[u"unchanged"], [u"a"])
        self.assertTrue(result[u"saved"])
        self.assertFalse(result[u"activated"])
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [u"c", u"d", u"a"])
        self.assertEqual(crontab.crons[u"c"].periodicity, u"@hourly")
        self.assertFalse(crontab.activated)
        self.assertEqual(len(self.saves), 1)
        # logs of the crons that stay are kept
        self.assertEqual(ILogStore(self.portal).count(u"c"), 1)
        self.assertEqual(ILogStore(self.portal).count(u"a"), 1)

    def test_reordering_alone_is_a_change(self):
        data = exportimport.export_crontab(self.portal)
        data[u"crons"].reverse()
        result = exportimport.import_crontab(self.portal, data)
        self.assertTrue(result[u"saved"])
        self.assertEqual(list(Crontab.load(self.portal).crons), [u"c", u"b", u"a"])

    def test_merge(self):
        data = {
            u"crons": [
                {u"uid": u"b", u"name": u"other", u"periodicity": u"@daily"},
                {u"uid": u"d", u"name": u"n", u"periodicity": u"@weekly"},
            ]
        }
        result = exportimport.import_crontab(self.portal, data, mode=u"merge")
        self.assertEqual(result[u"added"], [u"d"])
        self.assertEqual(result[u"updated"], [u"b"])
        self.assertEqual(result[u"removed"], [])
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [u"a", u"b", u"c", u"d"])
        self.assertEqual(crontab.crons[u"b"].name, u"other")
        self.assertTrue(crontab.activated)

    def assertRefused(self, data, field=None, position=None, **kwargs):
        before = self.dumped()
        with self.assertRaises(CrontabImportError) as raised:
            exportimport.import_crontab(self.portal, data, **kwargs)
        self.assertEqual(self.dumped(), before)
        self.assertEqual(self.saves, [])
        self.assertEqual(raised.exception.field, field)
        self.assertEqual(raised.exception.position, position)
        return raised.exception

    def test_one_bad_cron_changes_nothing(self):
        good = {u"uid": u"d", u"name": u"n", u"periodicity": u"@weekly"}
        error = self.assertRefused(
            {
                u"activated": False,
                u"crons": [good, {u"uid": u"e", u"name": u"n", u"periodicity": u"@often"}],
            },
            field=u"periodicity",
            position=2,
        )
        self.assertEqual(error.uid, u"e")
        self.assertIn(u"#2 (uid e)", str(error))
        self.assertRefused(
            {
                u"crons": [
                    good,
                    {u"uid": u"e", u"name": u"n", u"periodicity": u"@daily", u"environ": u"{"},
                ]
            },
            field=u"environ",
            position=2,
        )
        self.assertRefused({u"crons": [good, good]}, field=u"uid", position=2)
        self.assertRefused(
            {u"crons": [{u"name": u"n", u"periodicity": u"@daily"}]}, field=u"uid", position=1
        )
        self.assertRefused(
            {u"crons": [dict(good, user=u"ghost")]}, field=u"user", position=1
        )
        error = self.assertRefused(
            {u"crons": [dict(good, user=u"jos\xe9")]}, field=u"user", position=1
        )
        self.assertIn(u"jos\xe9", as_text(error))
        self.assertRefused(
            {u"crons": [dict(good, activated=u"no")]}, field=u"activated", position=1
        )
        self.assertRefused({u"crons": [u"text"]}, position=1)
        self.assertRefused({u"crons": {}}, field=u"crons")
        self.assertRefused({u"activated": u"no"}, field=u"activated")
        self.assertRefused(u"[1, 2]")
        self.assertRefused(u"{nope")
        self.assertRefused({u"crons": []}, field=u"mode", mode=u"append")
