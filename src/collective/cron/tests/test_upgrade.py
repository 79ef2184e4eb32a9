# -*- coding: utf-8 -*-
"""The upgrade step from collective.cron 2.x to profile version 3000."""

from collective.cron.compat import text_type
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICrontabSynchronisationEvent
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IModifiedCrontabEvent
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import WARN
from collective.cron.logstore import ANNOTATION_KEY
from collective.cron.registry import ACTIVATED_RECORD
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.registry import stored_crons
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry import field
from plone.registry import Record
from plone.registry.interfaces import IRegistry
from zope.annotation.interfaces import IAnnotations
from zope.component import getGlobalSiteManager
from zope.component import getUtility

import datetime
import json
import pytz
import time
import unittest

PROFILE = u"collective.cron:default"

# What collective.cron 2.x left in a registry: one JSON text per cron, the
# logs inside, dates in the server's local time, integer statuses.
CLEANUP = {
    u"uid": u"5b0e7d3c-1b8c-4c5e-9d0e-2f4b8a1c9e01",
    u"name": u"my.site.cleanup",
    u"user": u"admin",
    u"activated": True,
    u"periodicity": u"0 3 * * *",
    u"logs_limit": 2,
    u"environ": {u"days": 30, u"path": u"/plone/news"},
    u"logs": [
        {u"date": u"2014-01-05 03:00:02", u"status": 1, u"messages": []},
        {u"date": u"2014-01-06 03:00:01", u"status": 2, u"messages": [u"3 items left"]},
        {
            u"date": u"2014-07-07 03:00:04",
            u"status": 0,
            u"messages": [u"Traceback ..."],
        },
    ],
}
NEWSLETTER = {
    u"uid": u"a9d6c2f0-55e1-4c1e-8a59-6b3e2d7f4c10",
    u"name": u"my.site.newsletter",
    u"user": u"",
    u"activated": False,
    u"periodicity": u"30 8 * * 1",
    u"logs_limit": 5,
    u"environ": {},
    u"logs": [
        {u"date": u"2014-03-03 08:30:00", u"status": 3, u"messages": [u"no runner"]}
    ],
}
# As 2.x really kept them: newest first.
SYNC = {
    u"uid": u"4f1c3b7e-2d9a-4a4e-b3f0-8c1d2e3f4a5b",
    u"name": u"my.site.sync",
    u"user": u"admin",
    u"activated": True,
    u"periodicity": u"0 * * * *",
    u"logs_limit": 4,
    u"environ": {},
    u"logs": [
        {u"date": u"2014-05-02 12:00:03", u"status": 1, u"messages": []},
        {u"date": u"2014-05-02 11:00:02", u"status": 0, u"messages": [u"IOError"]},
        {u"date": u"2014-05-02 10:00:01", u"status": 2, u"messages": [u"2 skipped"]},
    ],
}
BROKEN = u'{"uid": "broken", "name": '


def utc(*args):
    return datetime.datetime(*args, tzinfo=pytz.utc)


class TestUpgradeFrom2x(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        self.setup = self.portal.portal_setup
        self.registry = getUtility(IRegistry)
        self.events = []
        gsm = getGlobalSiteManager()
        for interface in (IModifiedCrontabEvent, ICrontabSynchronisationEvent):
            gsm.registerHandler(self.events.append, (interface,))
            self.addCleanup(gsm.unregisterHandler, self.events.append, (interface,))
        self.registry[u"plone.portal_timezone"] = u"Europe/Paris"

    def make_2x_site(self, crons, activated=True, value_type=None):
        """Records as 2.x made them, no 3.x state, a 2.x profile version."""
        for name in (CRONTAB_RECORD, ACTIVATED_RECORD):
            if name in self.registry.records:
                del self.registry.records[name]
        value_type = value_type or field.Text(title=u"cron")
        self.registry.records[CRONTAB_RECORD] = Record(
            field.List(title=u"Crontab", value_type=value_type), crons
        )
        self.registry.records[ACTIVATED_RECORD] = Record(
            field.Bool(title=u"Activated"), activated
        )
        annotations = IAnnotations(self.portal)
        if ANNOTATION_KEY in annotations:
            del annotations[ANNOTATION_KEY]
        self.setup.setLastVersionForProfile(PROFILE, u"1000")
        del self.events[:]

    def texts(self, *crons):
        return [text_type(json.dumps(cron)) for cron in crons]

    def upgrade(self):
        steps = [
            step
            for step in self.setup.listUpgrades(PROFILE)
            if not isinstance(step, list)
        ]
        self.assertEqual(
            [step[u"dest"] for step in steps], [(u"3000",), (u"3001",), (u"3002",)]
        )
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), (u"3002",))

    def test_crons_are_kept(self):
        self.make_2x_site(self.texts(CLEANUP, NEWSLETTER) + [BROKEN])
        self.upgrade()
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [CLEANUP[u"uid"], NEWSLETTER[u"uid"]])
        cleanup = crontab.crons[CLEANUP[u"uid"]]
        self.assertEqual(cleanup.name, u"my.site.cleanup")
        self.assertEqual(cleanup.user, u"admin")
        self.assertEqual(cleanup.periodicity, u"0 3 * * *")
        self.assertEqual(cleanup.environ, {u"days": 30, u"path": u"/plone/news"})
        self.assertEqual(cleanup.logs_limit, 2)
        self.assertTrue(cleanup.activated)
        self.assertFalse(crontab.crons[NEWSLETTER[u"uid"]].activated)
        self.assertTrue(crontab.activated)
        # the unreadable entry is still there for somebody to repair
        self.assertIn(BROKEN, stored_crons(self.registry))
        self.assertEqual(self.registry[CRONTAB_RECORD], [])

    def test_logs_move_to_the_store_in_utc(self):
        self.make_2x_site(self.texts(CLEANUP, NEWSLETTER))
        self.upgrade()
        self.assertEqual(len(stored_crons(self.registry)), 2)
        for text in stored_crons(self.registry):
            self.assertNotIn(u"logs", json.loads(text))
        store = ILogStore(self.portal)
        logs = store.logs(CLEANUP[u"uid"])
        # logs_limit 2: the oldest went
        self.assertEqual([log.status for log in logs], [WARN, FAILURE])
        # Paris is UTC+1 in winter, UTC+2 in summer
        self.assertEqual(logs[0].date, utc(2014, 1, 6, 2, 0, 1))
        self.assertEqual(logs[1].date, utc(2014, 7, 7, 1, 0, 4))
        self.assertEqual(logs[0].messages, [u"3 items left"])
        (newsletter,) = store.logs(NEWSLETTER[u"uid"])
        self.assertEqual(newsletter.status, NOTRUN)
        self.assertEqual(newsletter.date, utc(2014, 3, 3, 7, 30))

    def test_2x_logs_newest_first_are_stored_in_order(self):
        self.make_2x_site(self.texts(SYNC))
        self.upgrade()
        logs = ILogStore(self.portal).logs(SYNC[u"uid"])
        self.assertEqual([log.status for log in logs], [WARN, FAILURE, OK])
        self.assertEqual(
            [log.date for log in logs],
            [
                utc(2014, 5, 2, 8, 0, 1),
                utc(2014, 5, 2, 9, 0, 2),
                utc(2014, 5, 2, 10, 0, 3),
            ],
        )
        cron = Crontab.load(self.portal).crons[SYNC[u"uid"]]
        self.assertEqual(cron.last_log.date, utc(2014, 5, 2, 10, 0, 3))
        self.assertEqual(cron.last_run, utc(2014, 5, 2, 10, 0, 3))
        self.assertEqual(cron.last_status, u"OK")

    def test_2x_logs_are_read_in_order_before_the_upgrade(self):
        # a 2.x site whose upgrade step has not run yet
        self.make_2x_site(self.texts(SYNC))
        cron = Crontab.load(self.portal).crons[SYNC[u"uid"]]
        self.assertEqual([log.status for log in cron.logs], [WARN, FAILURE, OK])
        self.assertEqual(cron.last_status, u"OK")

    def test_logs_already_stored_are_merged_by_date(self):
        # 3 ran (and logged) on this site before its upgrade step
        self.make_2x_site(self.texts(SYNC))
        store = ILogStore(self.portal)
        store.append(SYNC[u"uid"], Log(date=utc(2014, 5, 2, 8, 30), status=NOTRUN))
        store.append(SYNC[u"uid"], Log(date=utc(2014, 5, 2, 9, 30), status=OK))
        self.upgrade()
        logs = store.logs(SYNC[u"uid"])
        # logs_limit 4: the oldest of the five went
        self.assertEqual(
            [log.date for log in logs],
            [
                utc(2014, 5, 2, 8, 30),
                utc(2014, 5, 2, 9, 0, 2),
                utc(2014, 5, 2, 9, 30),
                utc(2014, 5, 2, 10, 0, 3),
            ],
        )
        cron = Crontab.load(self.portal).crons[SYNC[u"uid"]]
        self.assertEqual(cron.last_run, utc(2014, 5, 2, 10, 0, 3))

    def test_without_site_timezone_the_server_zone_is_used(self):
        self.registry[u"plone.portal_timezone"] = None
        self.make_2x_site(self.texts(NEWSLETTER))
        self.upgrade()
        (log,) = ILogStore(self.portal).logs(NEWSLETTER[u"uid"])
        naive = datetime.datetime(2014, 3, 3, 8, 30)
        expected = datetime.datetime.fromtimestamp(
            time.mktime(naive.timetuple()), pytz.utc
        )
        self.assertEqual(log.date, expected)

    def test_queue_is_synchronised(self):
        self.make_2x_site(self.texts(CLEANUP, NEWSLETTER))
        self.upgrade()
        synchronised = [
            event
            for event in self.events
            if ICrontabSynchronisationEvent.providedBy(event)
        ]
        self.assertEqual(len(synchronised), 1)
        self.assertEqual(
            synchronised[0].object.getPhysicalPath(), self.portal.getPhysicalPath()
        )
        self.assertEqual(
            list(synchronised[0].crontab.crons), [CLEANUP[u"uid"], NEWSLETTER[u"uid"]]
        )

    def test_global_switch_is_kept(self):
        self.make_2x_site(self.texts(CLEANUP), activated=False)
        self.upgrade()
        self.assertFalse(self.registry[ACTIVATED_RECORD])
        self.assertFalse(Crontab.load(self.portal).activated)

    def test_values_that_the_new_field_refuses_are_kept(self):
        # 2.x on Python 2 could hold byte strings: registering the 3 schema
        # alone would reset them to the default (no cron at all).
        crons = [text.encode(u"utf-8") for text in self.texts(CLEANUP, NEWSLETTER)]
        self.make_2x_site(crons, value_type=field.Bytes(title=u"cron"))
        self.upgrade()
        self.assertEqual(
            list(Crontab.load(self.portal).crons), [CLEANUP[u"uid"], NEWSLETTER[u"uid"]]
        )
        self.assertEqual(ILogStore(self.portal).count(CLEANUP[u"uid"]), 2)

    def test_profile_is_applied(self):
        self.make_2x_site(self.texts(CLEANUP))
        self.portal.manage_permission(
            u"collective.cron: Manage crons", [], acquire=True
        )
        self.upgrade()
        roles = [
            role[u"name"]
            for role in self.portal.rolesOfPermission(u"collective.cron: Manage crons")
            if role[u"selected"] == u"SELECTED"
        ]
        self.assertEqual(sorted(roles), [u"Manager", u"Site Administrator"])
        record = self.registry.records[CRONTAB_RECORD]
        self.assertEqual(
            record.field.interfaceName, u"collective.cron.interfaces.IRegistryCrontab"
        )

    def test_running_it_again_changes_nothing(self):
        self.make_2x_site(self.texts(CLEANUP, NEWSLETTER))
        self.upgrade()
        stored = stored_crons(self.registry)
        from collective.cron.upgrades.v3000 import upgrade_to_3000
        from collective.cron.upgrades.v3001 import upgrade_to_3001

        upgrade_to_3000(self.setup)
        upgrade_to_3001(self.setup)
        self.assertEqual(stored_crons(self.registry), stored)
        self.assertEqual(ILogStore(self.portal).count(CLEANUP[u"uid"]), 2)
        self.assertEqual(ILogStore(self.portal).count(NEWSLETTER[u"uid"]), 1)

    def test_site_without_records(self):
        for name in (CRONTAB_RECORD, ACTIVATED_RECORD):
            del self.registry.records[name]
        self.setup.setLastVersionForProfile(PROFILE, u"1000")
        self.upgrade()
        self.assertEqual(self.registry[CRONTAB_RECORD], [])
        self.assertTrue(self.registry[ACTIVATED_RECORD])


class TestUpgradeTo3001(unittest.TestCase):
    """A 3000 site whose list record holds 2.x data (a registry.xml import,
    ``@registry``): step 3001 gives every cron a record of its own."""

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING
    setUp = TestUpgradeFrom2x.__dict__["setUp"]
    make_2x_site = TestUpgradeFrom2x.__dict__["make_2x_site"]
    texts = TestUpgradeFrom2x.__dict__["texts"]

    def test_list_record_moves_to_one_record_per_cron(self):
        newest_first = dict(CLEANUP, logs=list(reversed(CLEANUP[u"logs"])))
        self.make_2x_site(self.texts(newest_first, NEWSLETTER) + [BROKEN])
        self.setup.setLastVersionForProfile(PROFILE, u"3000")
        steps = [s for s in self.setup.listUpgrades(PROFILE) if not isinstance(s, list)]
        self.assertEqual([step[u"dest"] for step in steps], [(u"3001",), (u"3002",)])
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), (u"3002",))
        # emptied, still registered
        self.assertEqual(self.registry[CRONTAB_RECORD], [])
        stored = stored_crons(self.registry)
        self.assertEqual(len(stored), 3)
        self.assertIn(BROKEN, stored)
        crontab = Crontab.load(self.portal)
        self.assertEqual(list(crontab.crons), [CLEANUP[u"uid"], NEWSLETTER[u"uid"]])
        cleanup = crontab.crons[CLEANUP[u"uid"]]
        self.assertEqual(cleanup.environ, {u"days": 30, u"path": u"/plone/news"})
        self.assertEqual((cleanup.user, cleanup.logs_limit), (u"admin", 2))
        # logs_limit 2 keeps the two newest, stored oldest first
        logs = ILogStore(self.portal).logs(CLEANUP[u"uid"])
        self.assertEqual([log.status for log in logs], [WARN, FAILURE])
        self.assertEqual(logs[1].date, utc(2014, 7, 7, 1, 0, 4))
        # again: nothing to do
        from collective.cron.upgrades.v3001 import upgrade_to_3001

        upgrade_to_3001(self.setup)
        self.assertEqual(stored_crons(self.registry), stored)
        self.assertEqual(ILogStore(self.portal).count(CLEANUP[u"uid"]), 2)
