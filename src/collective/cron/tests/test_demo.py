# -*- coding: utf-8 -*-
"""The demo profile adds three crons whose runners give OK, WARN, FAILURE."""

from collective.cron import clock
from collective.cron import crontab as models
from collective.cron import run
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.app.testing import applyProfile

import unittest


class TestDemo(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        applyProfile(self.portal, "collective.cron:demo")

    def test_crons(self):
        crontab = Crontab.load(self.portal)
        names = sorted(cron.name for cron in crontab.crons.values())
        self.assertEqual(
            names,
            [
                u"collective.cron.demo.failure",
                u"collective.cron.demo.stale_news",
                u"collective.cron.demo.statistics",
            ],
        )
        self.assertTrue(
            all(cron.has_runner(self.portal) for cron in crontab.crons.values())
        )

    def test_applying_twice_keeps_three(self):
        applyProfile(self.portal, "collective.cron:demo")
        self.assertEqual(len(Crontab.load(self.portal).crons), 3)

    def run_cron(self, uid):
        run.run_claimed(self.portal, uid, clock.now(), u"manual", u"job-1")
        return ILogStore(self.portal).last(uid)

    def test_statuses(self):
        statistics = self.run_cron(u"collective-cron-demo-statistics")
        self.assertEqual(statistics.status, models.OK)
        self.assertIn(u"items in the catalog", statistics.messages[0])
        stale = self.run_cron(u"collective-cron-demo-stale-news")
        self.assertEqual(stale.status, models.WARN)
        failure = self.run_cron(u"collective-cron-demo-failure")
        self.assertEqual(failure.status, models.FAILURE)
        self.assertIn(u"fails on purpose", failure.messages[-1])
