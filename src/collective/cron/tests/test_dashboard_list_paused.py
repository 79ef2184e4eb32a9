# -*- coding: utf-8 -*-
"""The dashboard list and crons paused until a date (issues 11 and 12).

Why: a cron paused until a date does not run, so the "Paused" filter must
show it (not only crons turned off), and sorting by next run must put it
where its first run after the pause falls, not where the other crons of
its schedule run.  On the real registry (summaries of the records), over
the real publisher, with the clock frozen at ``NOW`` (10:00 UTC).
"""

from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.listing import Query
from collective.cron.listing import select
from collective.cron.tests.test_dashboard import NOW
from collective.cron.tests.test_dashboard_list import ListTestCase

import datetime
import transaction

HOUR = datetime.timedelta(hours=1)


class PausedTestCase(ListTestCase):
    """The five crons of ``ListTestCase`` (c3 turned off; c4 runs at 10:15)
    and: c6, on c4's schedule, paused until 11:00 (next run tomorrow
    10:15); c7, on c4's schedule, whose pause ended at 09:00."""

    def setUp(self):
        super(PausedTestCase, self).setUp()
        crontab = Crontab.load(self.portal)
        for uid, paused_until in ((u"c6", NOW + HOUR), (u"c7", NOW - HOUR)):
            crontab.add_cron(
                Cron(
                    uid=uid,
                    name=u"collective.cron.test.ok",
                    periodicity=u"15 10 * * *",
                    timezone=u"UTC",
                    paused_until=paused_until,
                )
            )
        crontab.save()
        transaction.commit()


class TestPausedFilter(PausedTestCase):

    def test_paused_shows_crons_off_and_paused_until_a_date(self):
        self.assertEqual(self.shown(u"status:list=paused"), [u"c3", u"c6"])

    def test_active_leaves_them_out(self):
        self.assertEqual(
            self.shown(u"status:list=active"), [u"c1", u"c2", u"c4", u"c5", u"c7"]
        )

    def test_both_show_every_cron(self):
        self.assertEqual(
            self.shown(u"status:list=active&status:list=paused"),
            [u"c1", u"c2", u"c3", u"c4", u"c5", u"c6", u"c7"],
        )

    def test_a_pause_that_ended_is_active_again(self):
        clock.advance(hours=2)
        self.assertEqual(self.shown(u"status:list=paused"), [u"c3"])

    def test_the_summaries_and_the_crons_agree(self):
        # the list reads summaries of the records; a whole crontab read
        # (Crontab.load then crons.values()) gives the same answer
        crontab = Crontab.load(self.portal)
        lazy = [cron.uid for cron in select(crontab, Query(status=u"paused"))]
        crontab = Crontab.load(self.portal)
        self.assertEqual(len(list(crontab.crons.values())), 7)
        whole = [cron.uid for cron in select(crontab, Query(status=u"paused"))]
        self.assertEqual(lazy, [u"c3", u"c6"])
        self.assertEqual(whole, lazy)


class TestNextRunSort(PausedTestCase):

    def test_a_paused_cron_runs_after_its_pause(self):
        # c4 and c7 10:15, c2 10:30, c5 10:45, c1 12:00, c6 tomorrow 10:15;
        # c3 (off) last in both orders
        self.assertEqual(
            self.shown(u"sort_on=next"),
            [u"c4", u"c7", u"c2", u"c5", u"c1", u"c6", u"c3"],
        )
        self.assertEqual(
            self.shown(u"sort_on=next&sort_order=descending"),
            [u"c6", u"c1", u"c5", u"c2", u"c4", u"c7", u"c3"],
        )

    def test_the_page_shows_the_next_run_after_the_pause(self):
        self.shown(u"sort_on=next")
        tomorrow = (NOW + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        row = self.contents.split(u'id="cron-c6"')[1].split(u"</tr>")[0]
        self.assertIn(tomorrow, row)

    def test_a_paused_cron_in_a_crontab_turned_off_sorts_last(self):
        crontab = Crontab.load(self.portal)
        crontab.activated = False
        crontab.save()
        transaction.commit()
        # no cron runs: the order of the crontab, for every cron
        self.assertEqual(
            self.shown(u"sort_on=next"),
            [u"c1", u"c2", u"c3", u"c4", u"c5", u"c6", u"c7"],
        )
