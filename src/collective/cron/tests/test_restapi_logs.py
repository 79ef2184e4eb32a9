# -*- coding: utf-8 -*-
"""GET and DELETE @crons/<uid>/logs."""

from collective.cron import crontab as models
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.compat import as_text
from collective.cron.crontab import Log
from collective.cron.interfaces import ILogStore
from collective.cron.tests.test_restapi import RestApiMixin
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import datetime
import json
import pytz
import transaction
import unittest

START = datetime.datetime(2030, 1, 1, tzinfo=pytz.utc)


class TestLogs(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestLogs, self).setUp()
        self.add_cron(uid=u"u1", logs_limit=100)
        self.add_cron(uid=u"u2")
        store = ILogStore(self.portal)
        for minute in range(30):
            store.append(
                u"u1",
                Log(
                    date=START + datetime.timedelta(minutes=minute),
                    status=models.OK if minute % 2 else models.FAILURE,
                    messages=[u"run %d" % minute],
                    trigger=u"schedule",
                    duration=0.5,
                ),
            )
        store.append(u"u2", Log(date=START, status=models.OK))
        transaction.commit()

    def test_newest_first_and_batched(self):
        response = self.api.get(u"@crons/u1/logs")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data[u"@id"], self.crons_url + u"/u1/logs")
        self.assertEqual(data[u"cron"][u"@id"], self.crons_url + u"/u1")
        self.assertEqual(data[u"items_total"], 30)
        self.assertEqual(len(data[u"items"]), 25)  # plone.restapi's default
        first = data[u"items"][0]
        self.assertEqual(first[u"messages"], [u"run 29"])
        self.assertEqual(first[u"status"], u"OK")
        self.assertEqual(first[u"date"], u"2030-01-01T00:29:00+00:00")
        self.assertEqual(first[u"duration"], 0.5)
        self.assertEqual(first[u"trigger"], u"schedule")
        self.assertEqual(data[u"items"][1][u"status"], u"FAILURE")
        self.assertEqual(
            data[u"batching"][u"next"], self.crons_url + u"/u1/logs?b_start=25"
        )
        second = self.api.get(data[u"batching"][u"next"]).json()
        self.assertEqual(
            [item[u"messages"][0] for item in second[u"items"]],
            [u"run %d" % minute for minute in (4, 3, 2, 1, 0)],
        )

    def test_clear(self):
        response = self.api.delete(u"@crons/u1/logs")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.api.get(u"@crons/u1/logs").json()[u"items_total"], 0)
        transaction.begin()
        self.assertEqual(ILogStore(self.portal).count(u"u2"), 1)
        self.assertIn(u"u1", self.crontab().crons)

    def test_logs_of_2x_data_not_moved_yet(self):
        registry = getUtility(IRegistry)
        registry[CRONTAB_RECORD] = [
            as_text(
                json.dumps(
                    {
                        u"uid": u"old",
                        u"name": u"n",
                        u"periodicity": u"@daily",
                        u"logs": [
                            {
                                u"date": u"2013-01-01 03:00:01",
                                u"status": 1,
                                u"messages": [],
                            },
                            {
                                u"date": u"2013-01-02 03:00:01",
                                u"status": 0,
                                u"messages": [u"x"],
                            },
                        ],
                    }
                )
            )
        ]
        transaction.commit()
        data = self.api.get(u"@crons/old/logs").json()
        self.assertEqual([item[u"status"] for item in data[u"items"]], [u"FAILURE", u"OK"])
        self.assertEqual(self.api.delete(u"@crons/old/logs").status_code, 204)
        self.assertEqual(self.api.get(u"@crons/old/logs").json()[u"items_total"], 0)
        self.assertEqual(self.crontab().crons[u"old"].logs, [])
