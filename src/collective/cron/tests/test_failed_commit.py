# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""A run whose commit fails (the ZEO server went away) leaves no live marker.

The claim commits a running marker naming this worker; the run's own
transaction then fails at the commit, not with a conflict but as a storage
that went away does (ZEO's ``ClientDisconnected``, raised here by a real
transaction participant voting no).  The marker stays in the database and
names a worker that is alive: it must not be taken for a run in progress,
or every later occurrence of the cron is "not run: still running" until
the process restarts.
"""

from collective.cron import crontab as models
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import huey_available
from collective.cron.testing import wait_for
from collective.cron.tests.runners import RecordingRunner
from zope.component import getGlobalSiteManager

import datetime
import pytz
import transaction
import unittest

RUNNER = u"collective.cron.test.commit-fails-once"


class StorageGoesAway(object):
    """A transaction participant that votes no, as a storage whose server
    went away during the commit does."""

    transaction_manager = transaction.manager

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        from ZEO.Exceptions import ClientDisconnected

        raise ClientDisconnected("the ZEO server went away (test)")

    def tpc_abort(self, txn):
        pass

    def tpc_finish(self, txn):
        pass

    def sortKey(self):
        return "~collective.cron.test.storage-goes-away"


class CommitFailsOnce(RecordingRunner):
    failures = []

    def run(self):
        super(CommitFailsOnce, self).run()
        if not CommitFailsOnce.failures:
            CommitFailsOnce.failures.append(self.cron.uid)
            transaction.get().join(StorageGoesAway())


class FailedCommitTests(object):
    def setUp(self):
        from collective.cron.testing import start_test_worker

        self.portal = self.layer["portal"]
        CommitFailsOnce.failures[:] = []
        registry = getGlobalSiteManager()
        registry.registerAdapter(CommitFailsOnce, provided=IJobRunner, name=RUNNER)
        self.addCleanup(
            registry.unregisterAdapter,
            CommitFailsOnce,
            provided=IJobRunner,
            name=RUNNER,
        )
        start_test_worker(self.layer)

    def tearDown(self):
        from collective.cron.engines import huey as engine

        engine.stop_worker(graceful=True)

    def run_now(self, cron):
        IQueueManager(self.portal).register_job(
            cron.uid, datetime.datetime.now(pytz.utc), trigger=u"manual"
        )
        transaction.commit()

    def test_marker_released_after_a_failed_commit(self):
        from collective.cron.reconciler import reconcile_site
        from collective.cron.state import get_state
        from collective.cron.state import instance_id
        from collective.cron.state import running_is_stale

        cron = Cron(uid=u"zeo", name=RUNNER, periodicity=u"@yearly")
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        self.run_now(cron)
        # The claim committed its marker; the run's commit failed.
        state = wait_for(
            lambda: CommitFailsOnce.failures
            and get_state(self.portal, cron.uid).running is not None
            and get_state(self.portal, cron.uid),
        )
        wait_for(lambda: False, timeout=1)
        transaction.begin()
        state = get_state(self.portal, cron.uid)
        self.assertEqual(state.running[0], instance_id())
        self.assertEqual(ILogStore(self.portal).logs(cron.uid), [])
        self.assertTrue(running_is_stale(self.portal, state))
        # The reconciler releases it and says the attempt was interrupted.
        reconcile_site(self.portal)
        transaction.commit()
        self.assertIsNone(get_state(self.portal, cron.uid).running)
        logs = ILogStore(self.portal).logs(cron.uid)
        self.assertEqual([log.status for log in logs], [models.WARN])
        self.assertIn(u"Interrupted", u" ".join(logs[0].messages))
        # The next run runs (not "still running").
        self.run_now(cron)
        logs = wait_for(lambda: len(ILogStore(self.portal).logs(cron.uid)) > 1)
        logs = ILogStore(self.portal).logs(cron.uid)
        self.assertEqual([log.status for log in logs], [models.WARN, models.OK])

    def test_a_live_run_stays_live(self):
        # Only a failed transaction makes this process's marker stale.
        from collective.cron.state import get_state
        from collective.cron.state import instance_id
        from collective.cron.state import running_is_stale

        cron = Cron(uid=u"live", name=RUNNER, periodicity=u"@yearly")
        Crontab.load(self.portal).save_cron(cron)
        state = get_state(self.portal, cron.uid, create=True)
        state.running = (
            instance_id(),
            datetime.datetime.now(pytz.utc),
            (u"manual", u"2026-01-01T00:00:00+00:00", u"job-live"),
        )
        transaction.commit()
        self.assertFalse(running_is_stale(self.portal, state))


if huey_available():
    from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING

    class TestFailedCommit(FailedCommitTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
