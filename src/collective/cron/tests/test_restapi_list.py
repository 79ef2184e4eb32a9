# -*- coding: utf-8 -*-
"""``GET @crons`` at scale: batching links, search, filters, sorts (issue 11)."""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import FAILURE
from collective.cron.interfaces import ILogStore
from collective.cron.log import Log
from collective.cron.tests.test_restapi import RestApiMixin

import transaction
import unittest


class TestListing(RestApiMixin, unittest.TestCase):

    def setUp(self):
        super(TestListing, self).setUp()
        crontab = Crontab.load(self.portal)
        for index in range(7):
            crontab.add_cron(
                Cron(
                    uid=u"u%d" % index,
                    name=u"job.%d" % (6 - index),
                    periodicity=u"@daily",
                    activated=index != 3,
                    description=u"Special" if index in (2, 5) else u"",
                )
            )
        crontab.save()
        ILogStore(self.portal).append(u"u4", Log(status=FAILURE))
        transaction.commit()

    def uids(self, **params):
        response = self.api.get(u"@crons", params=params)
        self.assertEqual(response.status_code, 200, response.text)
        self.data = response.json()
        return [item[u"uid"] for item in self.data[u"items"]]

    def test_batching_links(self):
        self.assertEqual(self.uids(b_size=3, b_start=3), [u"u3", u"u4", u"u5"])
        self.assertEqual(self.data[u"items_total"], 7)
        links = self.data[u"batching"]
        self.assertIn(u"b_start=6", links[u"next"])
        self.assertIn(u"b_start=0", links[u"prev"])
        self.assertIn(u"b_start=6", links[u"last"])

    def test_links_keep_the_query(self):
        self.uids(b_size=1, q=u"special")
        self.assertEqual(self.data[u"items_total"], 2)
        self.assertIn(u"q=special", self.data[u"batching"][u"next"])

    def test_search(self):
        self.assertEqual(self.uids(q=u"SPECIAL"), [u"u2", u"u5"])
        self.assertEqual(self.uids(q=u"u6"), [u"u6"])
        self.assertEqual(self.uids(q=u"job.0"), [u"u6"])

    def test_filters(self):
        self.assertEqual(self.uids(status=u"paused"), [u"u3"])
        self.assertEqual(self.uids(status=u"failing"), [u"u4"])
        self.assertEqual(len(self.uids(status=u"active")), 6)
        self.assertEqual(self.uids(status=u"failing,paused"), [])
        # none of these names has a runner
        self.assertEqual(len(self.uids(status=u"norunner")), 7)

    def test_sort(self):
        self.assertEqual(self.uids(sort_on=u"name", b_size=2), [u"u6", u"u5"])
        self.assertEqual(
            self.uids(sort_on=u"name", sort_order=u"descending", b_size=2),
            [u"u0", u"u1"],
        )
        self.assertEqual(self.uids(sort_on=u"status")[0], u"u4")
