# -*- coding: utf-8 -*-
"""The log store keeps a bounded history per cron, written in O(1)."""

from collective.cron import crontab as models
from collective.cron.crontab import Log
from collective.cron.interfaces import ILogStore
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING

import unittest


class TestLogStore(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.store = ILogStore(self.layer["portal"])

    def test_empty(self):
        self.assertEqual(self.store.logs(u"nope"), [])
        self.assertIsNone(self.store.last(u"nope"))
        self.assertEqual(self.store.count(u"nope"), 0)

    def test_append_and_read(self):
        for number in range(3):
            self.store.append(u"a", Log(status=models.OK, messages=[str(number)]))
        self.store.append(u"b", Log(status=models.FAILURE))
        self.assertEqual(
            [log.messages for log in self.store.logs(u"a")], [[u"0"], [u"1"], [u"2"]]
        )
        self.assertEqual(self.store.last(u"a").messages, [u"2"])
        self.assertEqual(self.store.count(u"b"), 1)

    def test_limit_keeps_newest(self):
        for number in range(25):
            self.store.append(u"a", Log(status=models.OK, messages=[str(number)]), 10)
        logs = self.store.logs(u"a")
        self.assertEqual(len(logs), 10)
        self.assertEqual(logs[0].messages, [u"15"])
        self.assertEqual(logs[-1].messages, [u"24"])
        self.store.trim(u"a", 3)
        self.assertEqual(
            [log.messages[0] for log in self.store.logs(u"a")], [u"22", u"23", u"24"]
        )

    def test_remove_and_clear(self):
        for number in range(3):
            self.store.append(u"a", Log(status=models.OK, messages=[str(number)]))
        self.store.append(u"b", Log(status=models.OK))
        self.store.remove(u"a", 1)
        self.assertEqual(
            [log.messages[0] for log in self.store.logs(u"a")], [u"0", u"2"]
        )
        with self.assertRaises(IndexError):
            self.store.remove(u"a", 5)
        self.store.clear(u"a")
        self.assertEqual(self.store.count(u"a"), 0)
        self.assertEqual(self.store.count(u"b"), 1)
        self.store.clear()
        self.assertEqual(self.store.count(u"b"), 0)

    def test_append_touches_few_objects(self):
        """An append writes the new record, one bucket and the book: never
        the other books, whatever their number."""
        import transaction

        for uid in range(50):
            for number in range(5):
                self.store.append(str(uid), Log(status=models.OK), 5)
        transaction.savepoint(optimistic=True)
        connection = self.layer["portal"]._p_jar
        self.store.append("7", Log(status=models.OK), 5)
        registered = [obj for obj in connection._registered_objects]
        # book, its IOBTree bucket (small trees are one bucket), the new record
        self.assertLessEqual(len(registered), 3)
