# -*- coding: utf-8 -*-
"""The crontab in the registry: save, load, 2.x records, read-only, events."""
from collective.cron import crontab as models
from collective.cron.registry import ACTIVATED_RECORD
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Log
from collective.cron.interfaces import ICrontabSynchronisationEvent
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IModifiedCrontabEvent
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry.interfaces import IRegistry
from zope.component import getGlobalSiteManager
from zope.component import getUtility

import datetime
import json
import logging
import pytz
import six
import unittest


class CapturedLogs(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


class RegistryTestCase(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.registry = getUtility(IRegistry)


class TestRegistryManager(RegistryTestCase):

    def test_empty(self):
        crontab = Crontab.load()
        self.assertTrue(crontab.activated)
        self.assertEqual(len(crontab.crons), 0)
        self.assertIs(crontab.site, self.portal)

    def test_save_and_load(self):
        crontab = Crontab.load()
        crontab.add_cron(
            Cron(name=u"a", periodicity=u"@daily", uid=u"u1", environ={u"k": 1})
        )
        crontab.add_cron(Cron(name=u"b", periodicity=u"*/5 * * * *", uid=u"u2"))
        crontab.activated = False
        crontab.save()
        stored = self.registry[CRONTAB_RECORD]
        self.assertEqual(len(stored), 2)
        self.assertTrue(all(isinstance(item, six.text_type) for item in stored))
        self.assertEqual(json.loads(stored[0])["environ"], {u"k": 1})
        self.assertNotIn("logs", json.loads(stored[0]))
        self.assertFalse(self.registry[ACTIVATED_RECORD])
        again = Crontab.load()
        self.assertEqual(list(again.crons), [u"u1", u"u2"])
        self.assertFalse(again.activated)
        self.assertEqual(again.crons[u"u1"], crontab.crons[u"u1"])

    def test_save_cron(self):
        crontab = Crontab.load()
        cron = Cron(name=u"a", periodicity=u"@daily")
        crontab.save_cron(cron)
        self.assertIn(cron.uid, Crontab.load().crons)

    def test_site_timezone_is_the_default(self):
        self.registry["plone.portal_timezone"] = u"Europe/Paris"
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"u1"))
        cron = Crontab.load().crons[u"u1"]
        self.assertEqual(cron.timezone, u"")
        self.assertEqual(cron.effective_timezone, u"Europe/Paris")

    def test_read_only(self):
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"u1"))
        events = []
        handler = events.append
        gsm = getGlobalSiteManager()
        gsm.registerHandler(handler, (IModifiedCrontabEvent,))
        gsm.registerHandler(handler, (ICrontabSynchronisationEvent,))
        self.addCleanup(gsm.unregisterHandler, handler, (IModifiedCrontabEvent,))
        self.addCleanup(gsm.unregisterHandler, handler, (ICrontabSynchronisationEvent,))
        frozen = Crontab.load(read_only=True)
        frozen.add_cron(Cron(name=u"b", periodicity=u"@daily", uid=u"u2"))
        frozen.activated = False
        self.assertFalse(frozen.save())
        frozen.manager.activated = False
        frozen.manager.crons = []
        self.assertEqual(events, [])
        self.assertTrue(self.registry[ACTIVATED_RECORD])
        self.assertEqual(list(Crontab.load().crons), [u"u1"])

    def test_events(self):
        events = []
        handler = events.append
        gsm = getGlobalSiteManager()
        gsm.registerHandler(handler, (IModifiedCrontabEvent,))
        gsm.registerHandler(handler, (ICrontabSynchronisationEvent,))
        self.addCleanup(gsm.unregisterHandler, handler, (IModifiedCrontabEvent,))
        self.addCleanup(gsm.unregisterHandler, handler, (ICrontabSynchronisationEvent,))
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"a", periodicity=u"@daily"))
        modified = [e for e in events if IModifiedCrontabEvent.providedBy(e)]
        synchronise = [e for e in events if ICrontabSynchronisationEvent.providedBy(e)]
        self.assertEqual((len(modified), len(synchronise)), (1, 1))
        self.assertIs(modified[0].crontab, crontab)
        self.assertIs(synchronise[0].object, self.portal)
        self.assertIs(synchronise[0].crontab, crontab)

    def test_load_one_cron(self):
        crontab = Crontab.load()
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"u1"))
        crontab.add_cron(Cron(name=u"b", periodicity=u"@hourly", uid=u"u11"))
        crontab.activated = False
        crontab.save()
        cron = Crontab.load_cron(u"u1")
        self.assertEqual(cron.name, u"a")
        self.assertEqual(list(cron.crontab.crons), [u"u1"])
        self.assertFalse(cron.active)
        self.assertIsNone(Crontab.load_cron(u"nope"))
        with self.assertRaises(RuntimeError):
            cron.crontab.save()
        self.assertEqual(len(Crontab.load().crons), 2)

    def test_removing_a_cron_forgets_its_logs(self):
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"u1"))
        store = ILogStore(self.portal)
        store.append(u"u1", Log(status=models.OK))
        crontab.remove_cron(u"u1")
        crontab.save()
        self.assertEqual(store.count(u"u1"), 0)


class Test2xData(RegistryTestCase):
    """Records written by collective.cron 2.x read back and move their logs."""

    def setUp(self):
        super(Test2xData, self).setUp()
        self.registry["plone.portal_timezone"] = u"Europe/Paris"
        self.registry[CRONTAB_RECORD] = [
            six.text_type(
                json.dumps(
                    {
                        "uid": "0f6c",
                        "name": "cleanup",
                        "user": "admin",
                        "activated": True,
                        "periodicity": "0 3 * * *",
                        "logs_limit": 2,
                        "environ": {"days": 30},
                        "logs": [
                            {"date": "2013-01-01 03:00:01", "status": 1, "messages": []},
                            {"date": "2013-01-02 03:00:01", "status": 2, "messages": ["w"]},
                            {"date": "2013-07-03 03:00:01", "status": 0, "messages": ["x"]},
                        ],
                    }
                )
            ),
            u"{this is not json",
            six.text_type(json.dumps({"uid": "bad1", "name": "n", "periodicity": "61 * * * *"})),
            six.text_type(json.dumps({"uid": "1a2b", "name": "mail", "periodicity": "@hourly"})),
        ]

    def load_with_captured_warnings(self):
        captured = CapturedLogs()
        logger = logging.getLogger("collective.cron")
        logger.addHandler(captured)
        self.addCleanup(logger.removeHandler, captured)
        return Crontab.load(), captured.records

    def test_good_crons_load_and_bad_ones_are_reported(self):
        crontab, warnings = self.load_with_captured_warnings()
        self.assertEqual(list(crontab.crons), [u"0f6c", u"1a2b"])
        self.assertEqual(len(warnings), 2)
        self.assertIn("#2", warnings[0])
        self.assertIn("this is not json", warnings[0])
        self.assertIn("uid=bad1", warnings[1])
        self.assertIn("minute", warnings[1])

    def test_logs_in_local_time(self):
        crontab, _ = self.load_with_captured_warnings()
        logs = crontab.crons[u"0f6c"].logs
        self.assertEqual([log.status for log in logs], [1, 2, 0])
        self.assertEqual(
            logs[0].date, datetime.datetime(2013, 1, 1, 2, 0, 1, tzinfo=pytz.utc)
        )
        # summer time in Paris: two hours ahead of UTC
        self.assertEqual(
            logs[2].date, datetime.datetime(2013, 7, 3, 1, 0, 1, tzinfo=pytz.utc)
        )

    def test_save_moves_logs_to_the_store_and_keeps_broken_entries(self):
        crontab, _ = self.load_with_captured_warnings()
        crontab.save()
        stored = self.registry[CRONTAB_RECORD]
        self.assertEqual(len(stored), 4)
        self.assertNotIn("logs", json.loads(stored[0]))
        self.assertIn(u"{this is not json", stored)
        store = ILogStore(self.portal)
        # logs_limit of 2 applies: the oldest went
        self.assertEqual([log.status for log in store.logs(u"0f6c")], [2, 0])
        again = Crontab.load()
        self.assertEqual([log.status for log in again.crons[u"0f6c"].logs], [2, 0])
        # a second save does not copy them again
        again.save()
        self.assertEqual(store.count(u"0f6c"), 2)
