# -*- coding: utf-8 -*-
"""The reconciler builds a cron only when it has something to do for it.

Every worker reconciles every site each minute; building every cron (JSON,
schedule and zone validation, logs) took 2.5 to 3 s at 10,000 crons.  The
reconciler reads the crons' summaries instead.  These tests count the
records the real registry manager parses into crons during a
``reconcile_site`` on the site's real job system, and check that what the
reconciler must do (queue a missing job, release a run whose worker died,
log it) is still done.
"""

from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.reconciler import reconcile_site
from collective.cron.registry import CrontabRegistryManager
from collective.cron.registry import record_name
from collective.cron.state import get_state
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING

import datetime
import transaction
import unittest

FAR = u"0 0 1 1 *"
MANY = 25


class TestReconcilerReads(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        crontab = Crontab.load(self.portal)
        for number in range(MANY):
            crontab.add_cron(
                Cron(
                    uid=u"reads-%02d" % number,
                    name=u"collective.cron.test.ok",
                    periodicity=FAR,
                    activated=number != 3,
                )
            )
        crontab.save()
        transaction.commit()
        self.parsed = []
        real = CrontabRegistryManager._parse
        parsed = self.parsed

        def counting(manager, text, name, local_timezone):
            parsed.append(name)
            return real(manager, text, name, local_timezone)

        CrontabRegistryManager._parse = counting
        self.addCleanup(setattr, CrontabRegistryManager, "_parse", real)

    def reconcile(self):
        queued = reconcile_site(self.portal, IQueueManager(self.portal))
        transaction.commit()
        return queued

    def test_nothing_to_do_parses_no_cron(self):
        self.assertEqual(self.reconcile(), 0)
        self.assertEqual(self.parsed, [])

    def test_a_cron_without_its_job_gets_one_without_parsing_the_others(self):
        queue = IQueueManager(self.portal)
        for job in queue.jobs(u"reads-07"):
            queue.remove_job(job["id"])
        transaction.commit()
        self.assertEqual(IQueueManager(self.portal).jobs(u"reads-07"), [])
        self.assertEqual(self.reconcile(), 1)
        self.assertEqual(self.parsed, [])
        jobs = IQueueManager(self.portal).jobs(u"reads-07")
        self.assertEqual(len(jobs), 1)
        cron = Crontab.load(self.portal).crons[u"reads-07"]
        self.assertEqual(jobs[0]["scheduled"], cron.next)
        # The paused cron stays without a job.
        self.assertEqual(IQueueManager(self.portal).jobs(u"reads-03"), [])

    def test_a_dead_run_is_released_and_logged_reading_its_cron_only(self):
        state = get_state(self.portal, u"reads-11", create=True)
        # A worker this queue does not know, silent for hours: gone.
        long_ago = clock.now() - datetime.timedelta(hours=7)
        state.running = (u"gone-host:1", long_ago, (u"schedule", u"x", u""))
        transaction.commit()
        self.reconcile()
        self.assertEqual(self.parsed, [record_name(u"reads-11")])
        self.assertIsNone(get_state(self.portal, u"reads-11").running)
        last = ILogStore(self.portal).last(u"reads-11")
        self.assertIn(u"gone-host:1", u" ".join(last.messages))
