# -*- coding: utf-8 -*-
"""retry_on_conflict with real conflicts: two connections of the layer's
database write the same object, the second commit conflicts, the work is
done again on fresh data."""
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.transactions import pauses
from collective.cron.transactions import retry_on_conflict
from collective.cron.transactions import TooManyConflicts
from persistent import Persistent

import transaction
import unittest


KEY = "collective.cron.test.counter"


class Counter(Persistent):
    """No conflict resolution: concurrent writes always conflict."""

    value = 0


class TestRetryOnConflict(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.db = self.layer["zodbDB"]
        self.write_elsewhere(lambda root: root.__setitem__(KEY, Counter()))
        # The worker's connection, on the thread's transaction manager.
        self.connection = self.db.open()
        self.addCleanup(self.connection.close)
        self.calls = 0
        self.cleanups = 0

    def write_elsewhere(self, change):
        """Commit ``change(root)`` from another connection (another worker)."""
        manager = transaction.TransactionManager()
        connection = self.db.open(transaction_manager=manager)
        try:
            manager.begin()
            change(connection.root())
            manager.commit()
        finally:
            connection.close()

    def add_elsewhere(self, amount):
        def change(root):
            root[KEY].value += amount
        self.write_elsewhere(change)

    def value(self):
        transaction.begin()
        return self.connection.root()[KEY].value

    def cleanup(self):
        self.cleanups += 1

    def increment(self, conflicts):
        """Work that adds 1, while another worker adds 100 in the first
        ``conflicts`` attempts."""
        def work():
            self.calls += 1
            counter = self.connection.root()[KEY]
            counter.value += 1
            if self.calls <= conflicts:
                self.add_elsewhere(100)
            return counter.value
        return work

    def test_a_conflict_is_retried_on_fresh_data(self):
        result = retry_on_conflict(self.increment(1), note=u"test", cleanup=self.cleanup)
        self.assertEqual(self.calls, 2)
        self.assertEqual(result, 101)
        self.assertEqual(self.value(), 101)
        self.assertEqual(self.cleanups, 2)

    def test_without_conflict_the_work_runs_once(self):
        self.assertEqual(retry_on_conflict(self.increment(0)), 1)
        self.assertEqual(self.calls, 1)
        self.assertEqual(self.value(), 1)

    def test_it_gives_up_after_the_attempts(self):
        with self.assertRaises(TooManyConflicts) as raised:
            retry_on_conflict(self.increment(3), attempts=3, note=u"test",
                              cleanup=self.cleanup)
        self.assertEqual(raised.exception.attempts, 3)
        self.assertEqual(self.calls, 3)
        self.assertEqual(self.cleanups, 3)
        # only the other worker's writes were committed
        self.assertEqual(self.value(), 300)

    def test_other_errors_abort_and_are_not_retried(self):
        def work():
            self.calls += 1
            self.connection.root()[KEY].value = 42
            raise ValueError("broken")

        with self.assertRaises(ValueError):
            retry_on_conflict(work, cleanup=self.cleanup)
        self.assertEqual((self.calls, self.cleanups), (1, 1))
        self.assertEqual(self.value(), 0)

    def test_pauses_grow_and_stay_bounded(self):
        waits = list(pauses(10))
        self.assertEqual(len(waits), 10)
        self.assertLess(waits[0], 0.1)
        self.assertGreaterEqual(waits[6], 1.0)
        self.assertTrue(all(wait <= 3.0 for wait in waits))
