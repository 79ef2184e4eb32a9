# -*- coding: utf-8 -*-
"""One cron, one record: pages, forms and lists read what they show.

``Crontab.load`` reads a cron's record when it is asked for
(``collective.cron.cronmap``), and the list searches, filters and sorts
summaries of the records (``collective.cron.summary``), so that a cron's
page or an edit among 10,000 crons does not read 10,000 crons.  What they
give must be what reading everything gives.
"""

from collective.cron import listing
from collective.cron.compat import as_text
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.registry import record_name
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import json
import unittest

FAR = u"0 0 1 1 *"


class TestLazyCrontab(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        crontab = Crontab.load(self.portal)
        for number, name in enumerate([u"zeta", u"alpha", u"Mike", u"beta"]):
            crontab.add_cron(
                Cron(
                    uid=u"c%d" % number,
                    name=u"collective.cron.test.%s" % name,
                    periodicity=u"%d 3 * * *" % number if number % 2 else FAR,
                    description=u"number %d" % number,
                    activated=number != 2,
                )
            )
        crontab.save()

    def test_one_cron_is_read_alone(self):
        crontab = Crontab.load(self.portal)
        cron = crontab.crons.get(u"c2")
        self.assertEqual(cron.name, u"collective.cron.test.Mike")
        self.assertIs(cron.crontab, crontab)
        self.assertIn(u"c1", crontab.crons)
        self.assertNotIn(u"nope", crontab.crons)
        self.assertIsNone(crontab.crons.get(u"nope"))
        self.assertFalse(crontab.crons.complete)
        # the whole crontab, when needed, keeps the cron handed out
        self.assertEqual(list(crontab.crons), [u"c0", u"c1", u"c2", u"c3"])
        self.assertIs(crontab.crons[u"c2"], cron)

    def test_an_edit_and_an_add_write_their_records_only(self):
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"c1"]
        cron.description = u"edited"
        crontab.save_cron(cron)
        crontab.save_cron(
            Cron(uid=u"new", name=u"collective.cron.test.ok", periodicity=FAR)
        )
        self.assertFalse(crontab.crons.complete)
        self.assertEqual(crontab.last_saved, {"written": [u"new"], "removed": []})
        again = Crontab.load(self.portal)
        self.assertEqual(list(again.crons), [u"c0", u"c1", u"c2", u"c3", u"new"])
        self.assertEqual(again.crons[u"c1"].description, u"edited")

    def test_a_whole_save_of_a_partly_read_crontab_keeps_every_cron(self):
        crontab = Crontab.load(self.portal)
        crontab.crons[u"c0"].description = u"changed"
        crontab.remove_cron(u"c3")
        crontab.add_cron(
            Cron(uid=u"added", name=u"collective.cron.test.ok", periodicity=FAR)
        )
        crontab.save()
        again = Crontab.load(self.portal)
        self.assertEqual(list(again.crons), [u"c0", u"c1", u"c2", u"added"])
        self.assertEqual(again.crons[u"c0"].description, u"changed")

    def test_the_list_reads_summaries_and_agrees_with_the_crons(self):
        queries = [
            listing.Query(),
            listing.Query(q=u"ALPHA"),
            listing.Query(q=u"number 3"),
            listing.Query(status=u"paused"),
            listing.Query(status=u"active", sort_on=u"name"),
            listing.Query(sort_on=u"name", sort_order=u"descending"),
            listing.Query(sort_on=u"next"),
            listing.Query(sort_on=u"status"),
        ]
        for query in queries:
            lazy = Crontab.load(self.portal)
            summaries = listing.Summaries(lazy)
            self.assertTrue(summaries.lazy)
            found = [cron.uid for cron in listing.select(lazy, query)]
            self.assertFalse(lazy.crons.complete)
            full = Crontab.load(self.portal)
            list(full.crons.values())
            expected = [cron.uid for cron in listing.select(full, query)]
            self.assertEqual(found, expected, query.__dict__)

    def test_a_page_of_the_result_reads_its_crons_only(self):
        crontab = Crontab.load(self.portal)
        result = listing.select(crontab, listing.Query(sort_on=u"name"))
        self.assertEqual(len(result), 4)
        page = result[1:3]
        self.assertEqual([cron.uid for cron in page], [u"c3", u"c2"])
        self.assertTrue(all(isinstance(cron, Cron) for cron in page))
        self.assertFalse(crontab.crons.complete)

    def test_unreadable_records_are_counted_not_listed(self):
        registry = getUtility(IRegistry)
        registry[record_name(u"c1")] = u"{not json"
        data = json.loads(registry[record_name(u"c2")])
        data["uid"] = u"elsewhere"
        registry[record_name(u"c2")] = as_text(json.dumps(data))
        crontab = Crontab.load(self.portal)
        summaries = listing.Summaries(crontab)
        self.assertEqual(summaries.unreadable, 2)
        self.assertEqual([item.uid for item in summaries.items], [u"c0", u"c3"])
        self.assertEqual(len(crontab.unreadable), 2)
        self.assertEqual(list(crontab.crons), [u"c0", u"c3"])
