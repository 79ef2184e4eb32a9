# -*- coding: utf-8 -*-
"""One registry record per cron: uids of any script, writes of what changed,
concurrent edits, the 2.x list record read beside and migrated, read-only."""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.registry import CRONS_PREFIX
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.registry import record_name
from collective.cron.registry import stored_crons
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry.interfaces import IRegistry
from ZODB.POSException import ConflictError
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import json
import transaction
import unittest

UIDS = (u"caf\xe9", u"\u65e5\u672c", u"\U0001f600", u"a.b c/d", u"plain-uid_1")


def text_of(data):
    return u"%s" % (json.dumps(data),)


class TestRecords(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.registry = getUtility(IRegistry)

    def test_uids_of_any_script_load_by_uid(self):
        crontab = Crontab.load()
        for index, uid in enumerate(UIDS):
            crontab.save_cron(Cron(name=u"n%d" % index, periodicity=u"@daily", uid=uid))
        names = [record_name(uid) for uid in UIDS]
        self.assertEqual(len(set(names)), len(UIDS))
        for name in names:
            self.assertIn(name, self.registry.records)
        self.assertEqual(names[-1], CRONS_PREFIX + u"uplain-uid_1")
        for index, uid in enumerate(UIDS):
            self.assertEqual(Crontab.load_cron(uid).name, u"n%d" % index)
        # creation order, not the order of the record names
        self.assertEqual(list(Crontab.load().crons), list(UIDS))

    def test_verbatim_and_encoded_names_do_not_collide(self):
        # "x636166c3a9" is the hex form of "café": kept apart by a letter.
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"hex", periodicity=u"@daily", uid=u"x636166c3a9"))
        crontab.save_cron(Cron(name=u"cafe", periodicity=u"@daily", uid=u"caf\xe9"))
        self.assertEqual(Crontab.load_cron(u"x636166c3a9").name, u"hex")
        self.assertEqual(Crontab.load_cron(u"caf\xe9").name, u"cafe")

    def test_escaped_non_ascii_uid_in_the_2x_record(self):
        # json.dumps writes "caf\\u00e9": the old substring lookup missed it.
        self.registry[CRONTAB_RECORD] = [
            text_of({u"uid": u"caf\xe9", u"name": u"a", u"periodicity": u"@daily"}),
            text_of({u"uid": u"caf", u"name": u"b", u"periodicity": u"@daily"}),
        ]
        self.assertIn(u"\\u00e9", self.registry[CRONTAB_RECORD][0])
        self.assertEqual(Crontab.load_cron(u"caf\xe9").name, u"a")
        self.assertEqual(Crontab.load_cron(u"caf").name, u"b")

    def test_save_writes_only_what_changed(self):
        crontab = Crontab.load()
        for uid in (u"u1", u"u2", u"u3"):
            crontab.add_cron(Cron(name=uid, periodicity=u"@daily", uid=uid))
        crontab.save()
        self.assertEqual(crontab.last_saved["written"], [u"u1", u"u2", u"u3"])
        before = dict((uid, self.registry[record_name(uid)]) for uid in (u"u1", u"u3"))
        crontab = Crontab.load()
        crontab.crons[u"u2"].description = u"changed"
        crontab.remove_cron(u"u3")
        crontab.save()
        self.assertEqual(crontab.last_saved, {"written": [u"u2"], "removed": [u"u3"]})
        self.assertEqual(self.registry[record_name(u"u1")], before[u"u1"])
        self.assertNotIn(record_name(u"u3"), self.registry.records)
        again = Crontab.load()
        self.assertEqual(list(again.crons), [u"u1", u"u2"])
        self.assertEqual(again.crons[u"u2"].description, u"changed")
        # nothing changed: nothing written
        again.save()
        self.assertEqual(again.last_saved, {"written": [], "removed": []})

    def test_save_cron_writes_one_record(self):
        crontab = Crontab.load()
        for uid in (u"u1", u"u2"):
            crontab.add_cron(Cron(name=uid, periodicity=u"@daily", uid=uid))
        crontab.save()
        crontab = Crontab.load()
        crontab.crons[u"u1"].name = u"other"
        cron = crontab.crons[u"u2"]
        cron.description = u"edited"
        crontab.save_cron(cron)
        self.assertEqual(crontab.last_saved, {"written": [u"u2"], "removed": []})
        self.assertEqual(Crontab.load_cron(u"u1").name, u"u1")

    def test_read_only_writes_nothing(self):
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"u1"))
        self.registry[CRONTAB_RECORD] = [
            text_of({u"uid": u"old", u"name": u"b", u"periodicity": u"@daily"})
        ]
        transaction.savepoint()
        jar = self.portal._p_jar
        self.assertEqual(jar._registered_objects, [])
        frozen = Crontab.load(read_only=True)
        frozen.crons[u"u1"].name = u"changed"
        frozen.add_cron(Cron(name=u"c", periodicity=u"@daily", uid=u"u2"))
        frozen.remove_cron(u"old")
        self.assertFalse(frozen.save())
        self.assertFalse(frozen.save_cron(frozen.crons[u"u1"]))
        self.assertEqual(jar._registered_objects, [])
        self.assertEqual(len(self.registry[CRONTAB_RECORD]), 1)
        self.assertEqual(list(Crontab.load().crons), [u"u1", u"old"])


LEGACY = [
    text_of(
        {
            u"uid": u"2x-cleanup",
            u"name": u"cleanup",
            u"user": u"admin",
            u"activated": True,
            u"periodicity": u"0 3 * * *",
            u"logs_limit": 2,
            u"environ": {u"days": 30},
            # newest first
            u"logs": [
                {u"date": u"2014-07-07 03:00:04", u"status": 0, u"messages": [u"x"]},
                {u"date": u"2014-01-06 03:00:01", u"status": 2, u"messages": [u"w"]},
                {u"date": u"2014-01-05 03:00:02", u"status": 1, u"messages": []},
            ],
        }
    ),
    text_of({u"uid": u"caf\xe9", u"name": u"mail", u"periodicity": u"@hourly"}),
    u"{broken",
]


class TestLegacyRecord(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.registry = getUtility(IRegistry)
        self.registry[u"plone.portal_timezone"] = u"UTC"
        self.registry[CRONTAB_RECORD] = list(LEGACY)

    def test_read_before_migration(self):
        crontab = Crontab.load()
        self.assertEqual(list(crontab.crons), [u"2x-cleanup", u"caf\xe9"])
        self.assertEqual(crontab.unreadable, [u"{broken"])
        self.assertEqual(Crontab.load_cron(u"2x-cleanup").environ, {u"days": 30})
        self.assertEqual(stored_crons(self.registry), [])

    def test_first_write_migrates(self):
        crontab = Crontab.load()
        crontab.save_cron(Cron(name=u"new", periodicity=u"@daily", uid=u"new"))
        self.assertEqual(self.registry[CRONTAB_RECORD], [])
        self.assertIn(CRONTAB_RECORD, self.registry.records)
        again = Crontab.load()
        self.assertEqual(list(again.crons), [u"2x-cleanup", u"caf\xe9", u"new"])
        self.assertEqual(again.unreadable, [u"{broken"])
        cleanup = again.crons[u"2x-cleanup"]
        self.assertEqual((cleanup.user, cleanup.logs_limit), (u"admin", 2))
        # logs_limit 2 keeps the two newest, oldest first
        logs = ILogStore(self.portal).logs(u"2x-cleanup")
        self.assertEqual([log.status for log in logs], [2, 0])
        self.assertEqual([log.messages for log in logs], [[u"w"], [u"x"]])
        self.assertEqual(len(stored_crons(self.registry)), 4)

    def test_own_record_wins_and_later_imports_are_picked_up(self):
        Crontab.load().save()
        self.assertEqual(self.registry[CRONTAB_RECORD], [])
        # an import into the old record after the migration
        self.registry[CRONTAB_RECORD] = [
            text_of({u"uid": u"caf\xe9", u"name": u"stale", u"periodicity": u"@daily"}),
            text_of({u"uid": u"late", u"name": u"late", u"periodicity": u"@daily"}),
        ]
        crontab = Crontab.load()
        self.assertEqual(crontab.crons[u"caf\xe9"].name, u"mail")
        self.assertEqual(list(crontab.crons), [u"2x-cleanup", u"caf\xe9", u"late"])
        crontab.save()
        self.assertEqual(self.registry[CRONTAB_RECORD], [])
        self.assertEqual(Crontab.load_cron(u"late").name, u"late")
        self.assertEqual(Crontab.load_cron(u"caf\xe9").name, u"mail")


class TestConcurrentEdits(unittest.TestCase):
    """Two people edit two crons at the same time: both commits succeed."""

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        crontab = Crontab.load(self.portal)
        for index in range(60):
            uid = u"cron-%03d" % index
            crontab.add_cron(Cron(name=uid, periodicity=u"@yearly", uid=uid))
        crontab.save()
        transaction.commit()
        self.site = getSite()
        self.addCleanup(setSite, self.site)

    def edit_in(self, connection, uid, text):
        portal = connection.root()["Application"][self.portal.getId()]
        setSite(portal)
        crontab = Crontab.load(portal)
        cron = crontab.crons[uid]
        cron.description = text
        crontab.save_cron(cron)

    def edit_concurrently(self, first, second):
        db = self.layer["zodbDB"]
        managers = [transaction.TransactionManager(), transaction.TransactionManager()]
        connections = [db.open(transaction_manager=tm) for tm in managers]
        try:
            for tm in managers:
                tm.begin()
            self.edit_in(connections[0], first, u"first")
            self.edit_in(connections[1], second, u"second")
            managers[0].commit()
            try:
                managers[1].commit()
            except Exception:
                managers[1].abort()
                raise
        finally:
            for connection in connections:
                connection.close()
            setSite(self.site)

    def test_the_same_cron_conflicts(self):
        # The check below can fail: the same record edited twice conflicts.
        with self.assertRaises(ConflictError):
            self.edit_concurrently(u"cron-001", u"cron-001")

    def test_two_edits_do_not_conflict(self):
        # side by side in the record BTree (one bucket)
        self.edit_concurrently(u"cron-001", u"cron-002")
        transaction.begin()
        setSite(self.site)
        crontab = Crontab.load(self.portal)
        self.assertEqual(crontab.crons[u"cron-001"].description, u"first")
        self.assertEqual(crontab.crons[u"cron-002"].description, u"second")
