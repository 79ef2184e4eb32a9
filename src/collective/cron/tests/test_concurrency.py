# -*- coding: utf-8 -*-
"""A long run never delays the other crons; a site has a limit of runs.

With a real huey worker on SQLite (Python 3): two crons run for a long
time and a short cron due meanwhile starts within the usual latency; with
a limit of one run per site, the short cron waits for the long one and then
runs (deferred, not dropped).
"""

from collective.cron import concurrency
from collective.cron.compat import PY2
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import Runner
from collective.cron.interfaces import ICron
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import start_test_worker
from collective.cron.testing import wait_for
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import getGlobalSiteManager

import datetime
import os
import pytz
import threading
import time
import transaction
import unittest

FAR = u"0 0 1 1 *"
RELEASE = threading.Event()
STARTED = []


class BlockingRunner(Runner):
    """Runs until the test releases it (at most 60 s)."""

    def run(self):
        STARTED.append(self.cron.uid)
        RELEASE.wait(60)


class TestSiteSlots(unittest.TestCase):
    """The per-site count itself (no engine)."""

    def setUp(self):
        # every run counts as long at once
        long_seconds, concurrency.LONG_SECONDS = concurrency.LONG_SECONDS, 0
        self.addCleanup(setattr, concurrency, "LONG_SECONDS", long_seconds)

    def test_short_runs_do_not_count(self):
        concurrency.LONG_SECONDS = 60
        first = concurrency.acquire(u"/short", limit=1)
        second = concurrency.acquire(u"/short", limit=1, wait=0)
        self.assertEqual(concurrency.running(u"/short"), 2)
        concurrency.release(u"/short", first)
        concurrency.release(u"/short", second)
        self.assertEqual(concurrency.running(u"/short"), 0)

    def test_over_the_limit_the_engine_is_told_to_defer(self):
        calls = []

        @concurrency.per_site(lambda delay: LookupError(delay))
        def task(site_path, uid, scheduled, trigger, job_id):
            calls.append(uid)
            self.assertEqual(concurrency.running(site_path), 1)
            concurrency.WAIT_SECONDS, wait = 0.1, concurrency.WAIT_SECONDS
            self.addCleanup(setattr, concurrency, "WAIT_SECONDS", wait)
            with self.assertRaises(LookupError) as caught:
                limited_again(site_path, u"b", u"", u"schedule", u"job-b")
            self.assertEqual(caught.exception.args, (concurrency.RETRY_DELAY,))
            return u"done"

        @concurrency.per_site(lambda delay: LookupError(delay))
        def limited_again(site_path, uid, scheduled, trigger, job_id):
            calls.append(uid)

        os.environ["COLLECTIVE_CRON_SITE_LIMIT"] = "1"
        self.addCleanup(os.environ.pop, "COLLECTIVE_CRON_SITE_LIMIT", None)
        self.assertEqual(task(u"/site", u"a", u"", u"schedule", u"job-a"), u"done")
        self.assertEqual(calls, [u"a"])
        self.assertEqual(concurrency.running(u"/site"), 0)
        # the deferred job runs once a slot is free, and is forgotten
        limited_again(u"/site", u"b", u"", u"schedule", u"job-b")
        self.assertEqual(calls, [u"a", u"b"])
        self.assertNotIn(u"job-b", concurrency._deferred)

    def test_sites_count_apart(self):
        concurrency.acquire(u"/one", limit=1)
        self.addCleanup(concurrency.release, u"/one")
        concurrency.acquire(u"/two", limit=1)
        concurrency.release(u"/two")
        with self.assertRaises(concurrency.SiteBusy):
            concurrency.acquire(u"/one", limit=1, wait=0.1)

    def test_a_job_over_the_limit_waits_a_little_for_a_slot(self):
        concurrency.acquire(u"/site", limit=1)
        timer = threading.Timer(0.2, concurrency.release, (u"/site",))
        timer.start()
        started = time.time()
        concurrency.acquire(u"/site", limit=1, wait=5)
        concurrency.release(u"/site")
        self.assertLess(time.time() - started, 4)
        timer.join()


@unittest.skipIf(PY2, "huey has no Python 2.7 release (zc.async runs one job at once)")
class TestLongRuns(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)
        registry = getGlobalSiteManager()
        registry.registerAdapter(
            BlockingRunner, (ISiteRoot, ICron), IJobRunner, name=u"test.block"
        )
        self.addCleanup(
            registry.unregisterAdapter,
            BlockingRunner,
            (ISiteRoot, ICron),
            IJobRunner,
            name=u"test.block",
        )
        RELEASE.clear()
        del STARTED[:]
        # Released before the layer stops the worker (it waits for runs).
        self.addCleanup(RELEASE.set)

    def limit(self, value):
        os.environ["COLLECTIVE_CRON_SITE_LIMIT"] = value
        self.addCleanup(os.environ.pop, "COLLECTIVE_CRON_SITE_LIMIT", None)

    def add(self, uid, name):
        crontab = Crontab.load(self.portal)
        cron = Cron(uid=uid, name=name, periodicity=FAR)
        crontab.save_cron(cron)
        transaction.commit()
        return cron

    def due_now(self, uid):
        when = datetime.datetime.now(pytz.utc)
        self.queue.register_job(uid, when, trigger=u"schedule")
        transaction.commit()
        return when

    def logs(self, uid):
        return ILogStore(self.portal).logs(uid)

    def test_a_short_cron_starts_while_two_long_runs_go_on(self):
        self.limit("3")
        # the two long runs count against the limit at once
        long_seconds, concurrency.LONG_SECONDS = concurrency.LONG_SECONDS, 0
        self.addCleanup(setattr, concurrency, "LONG_SECONDS", long_seconds)
        start_test_worker(self.layer, threads=4)
        for uid in (u"long-1", u"long-2"):
            self.add(uid, u"test.block")
            self.due_now(uid)
        self.assertTrue(wait_for(lambda: len(STARTED) == 2, timeout=20))
        self.add(u"short", u"collective.cron.test.ok")
        due = self.due_now(u"short")
        [log] = wait_for(lambda: self.logs(u"short"), timeout=20)
        # the usual latency: huey looks at its schedule every second
        self.assertLess((log.started - due).total_seconds(), 3.0)
        self.assertEqual(sorted(STARTED), [u"long-1", u"long-2"])
        self.assertEqual(self.logs(u"long-1"), [])
        RELEASE.set()
        self.assertTrue(wait_for(lambda: self.logs(u"long-2"), timeout=20))

    def test_over_the_site_limit_a_run_waits_and_is_not_dropped(self):
        self.limit("1")
        # the long run counts at once (not after LONG_SECONDS)
        long_seconds, concurrency.LONG_SECONDS = concurrency.LONG_SECONDS, 0
        self.addCleanup(setattr, concurrency, "LONG_SECONDS", long_seconds)
        start_test_worker(self.layer, threads=2)
        self.add(u"long", u"test.block")
        self.due_now(u"long")
        self.assertTrue(wait_for(lambda: STARTED == [u"long"], timeout=20))
        self.add(u"short", u"collective.cron.test.ok")
        self.due_now(u"short")
        time.sleep(3)
        transaction.begin()
        self.assertEqual(self.logs(u"short"), [])
        self.assertEqual(self.queue.jobs(u"short")[0]["uid"], u"short")
        released = time.time()
        RELEASE.set()
        [log] = wait_for(lambda: self.logs(u"short"), timeout=20)
        self.assertLess(time.time() - released, 5.0)
