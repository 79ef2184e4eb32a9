# -*- coding: utf-8 -*-
"""Crontab: JSON round trips, adding and removing crons, the names it exports."""

from collective.cron.cron import Cron
from collective.cron.cron import InvalidCron
from collective.cron.crontab import Crontab

import json
import unittest


class TestCrontab(unittest.TestCase):

    def test_round_trip(self):
        crontab = Crontab(activated=False)
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"1"))
        crontab.add_cron(Cron(name=u"b", periodicity=u"*/2 * * * *", uid=u"2"))
        data = json.loads(json.dumps(crontab.dump()))
        again = Crontab.from_dump(data)
        self.assertFalse(again.activated)
        self.assertEqual(list(again.crons), [u"1", u"2"])
        self.assertEqual(again.dump(), crontab.dump())
        self.assertIs(again.crons[u"1"].crontab, again)

    def test_from_dump_validates_every_cron(self):
        data = {
            "crons": [
                {"name": "a", "periodicity": "@daily"},
                {"name": "b", "periodicity": "every day"},
            ]
        }
        with self.assertRaises(InvalidCron):
            Crontab.from_dump(data)

    def test_remove(self):
        crontab = Crontab()
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"1"))
        cron = crontab.remove_cron(u"1")
        self.assertIsNone(cron.crontab)
        self.assertEqual(len(crontab.crons), 0)

    def test_by_name(self):
        crontab = Crontab()
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily"))
        crontab.add_cron(Cron(name=u"a", periodicity=u"@hourly"))
        crontab.add_cron(Cron(name=u"b", periodicity=u"@hourly"))
        self.assertEqual(len(crontab.by_name(u"a")), 2)


class TestDocumentedImports(unittest.TestCase):
    def test_runner_is_importable_from_crontab(self):
        # Add-ons follow the documentation (and 2.x): "from
        # collective.cron.crontab import Runner".
        from collective.cron import crontab
        from collective.cron.runner import Runner

        self.assertIs(crontab.Runner, Runner)
