# -*- coding: utf-8 -*-
"""``@@cron-health`` reads a cron's logs only when they may have changed.

Why: the report used to build every cron and read the last log of every
active one at each request, and uptime monitors (and each
``@@cron-metrics`` scrape) ask for it every few seconds: O(crons) log
books at 10,000 crons.  It now reads summaries of the records and the
logs of a cron only when its run state changed since they were read (a
log is written with a write of that state).  These tests count the log
reads of the real log store and the crons the real registry manager
parses, on real runs (claim and run on the layer's real ZODB, the clock
frozen), and check that the report says what reading everything says.
"""

from collective.cron import clock
from collective.cron import health
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.logstore import LogStore
from collective.cron.registry import CrontabRegistryManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.tests.frozen import at
from collective.cron.tests.frozen import FrozenCrons

import transaction
import unittest

FAR = u"0 0 1 1 *"
MANY = 25


class TestHealthReads(FrozenCrons, unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        super(TestHealthReads, self).setUp()
        # what an earlier test of this process left in the memo
        health._digests.clear()
        self.bad = self.add_cron(
            uid=u"bad", name=u"collective.cron.test.fail", periodicity=FAR
        )
        self.good = self.add_cron(
            uid=u"good", name=u"collective.cron.test.ok", periodicity=FAR
        )
        for number in range(MANY):
            self.add_cron(
                uid=u"quiet-%02d" % number,
                name=u"collective.cron.test.ok",
                periodicity=FAR,
                activated=number != 3,
            )
        transaction.commit()
        self.minutes = 0
        self.run_once(self.bad)
        self.run_once(self.bad)
        self.run_once(self.good)
        self.reads = []
        self.parsed = []
        self.count(LogStore, "last", self.reads)
        self.count(LogStore, "logs", self.reads)
        self.count(CrontabRegistryManager, "_parse", self.parsed)

    def count(self, cls, name, calls):
        real = getattr(cls, name)

        def counting(store, uid, *args, **kwargs):
            calls.append((name, uid))
            return real(store, uid, *args, **kwargs)

        setattr(cls, name, counting)
        self.addCleanup(setattr, cls, name, real)

    def run_once(self, cron):
        """A manual run, claimed and run as a worker does (yearly crons:
        no occurrence falls between two runs)."""
        self.minutes += 5
        clock.freeze(at(self.minutes))
        claimed = self.claim(
            cron, at(self.minutes), trigger=u"manual", job_id=u"job-%d" % self.minutes
        )
        transaction.commit()
        self.assertEqual(claimed["action"], "run")
        self.run_claimed(cron, claimed)
        transaction.commit()

    def report(self):
        report = health.site_health(self.portal)
        transaction.abort()
        return report

    def test_a_second_report_reads_no_log_and_parses_no_cron(self):
        first = self.report()
        # the first report of this process reads the active crons' logs
        # (26: the turned-off one is not looked at), no cron is built
        self.assertEqual(self.parsed, [])
        self.assertNotIn(("last", u"quiet-03"), self.reads)
        self.assertEqual(len([read for read in self.reads if read[0] == "last"]), 26)
        del self.reads[:]
        second = self.report()
        self.assertEqual(self.reads, [])
        self.assertEqual(self.parsed, [])
        self.assertEqual(second["failing"], first["failing"])
        self.assertEqual(second["problems"], first["problems"])

    def test_the_report_says_what_the_logs_say(self):
        report = self.report()
        self.assertEqual(report["crontab"], {"activated": True, "active": 26})
        self.assertEqual([cron["uid"] for cron in report["failing"]], [u"bad"])
        failing = report["failing"][0]
        self.assertEqual(failing["failures"], 2)
        self.assertEqual(failing["name"], u"collective.cron.test.fail")
        self.assertIn(u"fails on purpose", failing["message"])
        self.assertEqual(failing["since"], self.logs(self.bad)[-1].date)
        self.assertIn("failing", report["problems"])

    def test_a_new_run_is_read_alone(self):
        self.report()
        self.run_once(self.bad)
        del self.reads[:]
        report = self.report()
        self.assertEqual(self.reads, [("last", u"bad"), ("logs", u"bad")])
        self.assertEqual(report["failing"][0]["failures"], 3)
        # the cron recovers: the next report says so, reading its log only
        self.bad.name = u"collective.cron.test.ok"
        Crontab.load(self.portal).save_cron(self.bad)
        transaction.commit()
        self.run_once(self.bad)
        del self.reads[:]
        report = self.report()
        self.assertEqual(self.reads, [("last", u"bad")])
        self.assertEqual(report["failing"], [])
        self.assertNotIn("failing", report["problems"])

    def test_logs_cleared_by_hand_are_seen(self):
        self.assertEqual(len(self.report()["failing"]), 1)
        ILogStore(self.portal).clear(self.bad.uid)
        transaction.commit()
        del self.reads[:]
        report = self.report()
        self.assertEqual(report["failing"], [])
        self.assertEqual(self.reads, [("last", u"bad")])

    def test_a_log_removed_by_hand_is_seen(self):
        self.assertEqual(self.report()["failing"][0]["failures"], 2)
        ILogStore(self.portal).remove(self.bad.uid, -1)
        transaction.commit()
        report = self.report()
        self.assertEqual(report["failing"][0]["failures"], 1)


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
