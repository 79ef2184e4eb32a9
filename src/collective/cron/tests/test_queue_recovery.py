# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""Redis restarted empty: the worker rebuilds the queue from the ZODB.

A real redis-server is stopped while a worker runs, a cron is saved during
the outage, and a new, empty server starts on the same port (what a
restart without persistence or a failover to an empty replica looks
like).  The crons must be queued again, the occurrences that passed
meanwhile follow the missed-run policy and are logged, and the outage is
logged once, without huey's traceback storm.
"""

from collective.cron import crontab as models
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import huey_available
from collective.cron.testing import wait_for

import datetime
import logging
import pytz
import transaction
import unittest


class Records(logging.Handler):
    """Every record of level WARNING and above, from every logger."""

    def __init__(self):
        logging.Handler.__init__(self, logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def saying(self, text):
        return [r for r in self.records if text in r.getMessage()]


def latest_hour():
    now = datetime.datetime.now(pytz.utc)
    return now.replace(minute=0, second=0, microsecond=0)


class RedisRestartTests(object):
    def setUp(self):
        from collective.cron.testing import start_test_worker

        self.portal = self.layer["portal"]
        self.redis = self.layer["redis"]
        self.records = Records()
        root = logging.getLogger()
        root.addHandler(self.records)
        self.addCleanup(root.removeHandler, self.records)
        self.worker = start_test_worker(self.layer)
        self.addCleanup(self._stop_worker)

    def _stop_worker(self):
        from collective.cron.engines import huey as engine

        if self.redis.process is None:
            self.redis.start()
        engine.stop_worker(graceful=True)

    def add_cron(self, uid, periodicity=u"0 * * * *"):
        cron = Cron(
            uid=uid,
            name=u"collective.cron.test.record",
            periodicity=periodicity,
            missed=u"run_once",
        )
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        return cron

    def logs(self, uid):
        transaction.begin()
        return ILogStore(self.portal).logs(uid)

    def queued(self, uid):
        return [job["scheduled"] for job in IQueueManager(self.portal).jobs(uid)]

    def test_restarted_empty(self):
        from collective.cron.engines import huey as engine
        from collective.cron.state import get_state

        before = self.add_cron(u"before")
        self.assertEqual(len(self.queued(u"before")), 1)
        self.assertIn(u"/plone", engine.marked_sites(self.worker.huey))

        self.redis.halt()
        self.assertTrue(wait_for(lambda: self.worker.queue_down, timeout=15))
        # huey's consumer threads try the queue several times a second.
        wait_for(lambda: False, timeout=3)
        # The outage spans three hourly occurrences: the last handled one
        # is three hours back (what an hour-long outage does to a cron
        # every 20 minutes, without waiting hours).
        latest = latest_hour()
        state = get_state(self.portal, before.uid)
        state.handled = latest - datetime.timedelta(hours=3)
        transaction.commit()
        # Saved during the outage: kept in the ZODB, queued nowhere yet.
        during = self.add_cron(u"during")
        self.assertIn(u"during", Crontab.load(self.portal).crons)
        # Its run state was written with the save although the queue did not
        # answer: its occurrences are owed from the save on, not from when
        # the reconciler first sees it.
        transaction.begin()
        self.assertEqual(get_state(self.portal, u"during").expected, during.next)
        self.assertTrue(self.records.saying("did not take"))

        self.redis.start()  # empty, on the same port
        self.assertEqual(engine.marked_sites(self.worker.huey), [])
        ran = wait_for(
            lambda: [log for log in self.logs(before.uid) if log.status == models.OK],
            timeout=60,
        )
        self.assertEqual(len(ran), 1, ran)
        self.assertEqual(ran[0].trigger, u"catch-up")
        self.assertEqual(ran[0].scheduled, latest)
        missed = [log for log in self.logs(before.uid) if log.status == models.NOTRUN]
        self.assertEqual(
            [log.scheduled for log in missed],
            [latest - datetime.timedelta(hours=n) for n in (2, 1)],
        )
        self.assertTrue(all(u"missed" in log.messages[0] for log in missed))
        # The cron saved during the outage has its job; the marks are back.
        self.assertTrue(wait_for(lambda: self.queued(u"during"), timeout=10))
        self.assertEqual(self.queued(u"during"), [during.next])
        self.assertEqual(self.queued(u"before"), [latest + datetime.timedelta(hours=1)])
        self.assertIn(u"/plone", engine.marked_sites(self.worker.huey))

        # The outage was said once, its end once, and huey said nothing.
        self.assertEqual(len(self.records.saying("does not answer")), 1)
        self.assertEqual(len(self.records.saying("checking what it lost")), 1)
        self.assertEqual(len(self.records.saying("rebuilding the job queue")), 1)
        self.assertGreater(self.worker.outage_filter.dropped, 3)
        huey_tracebacks = [
            r for r in self.records.records if r.name.startswith("huey") and r.exc_info
        ]
        self.assertEqual(huey_tracebacks, [])


if huey_available():
    from collective.cron.testing import COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING

    class TestRedisRestart(RedisRestartTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
