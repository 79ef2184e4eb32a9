# -*- coding: utf-8 -*-
"""The run history on a cron's page (dots, success rate, average and p95
duration, the SVG chart), through the real dashboard over a test browser."""

from collective.cron.browser.history import COLOURS
from collective.cron.browser.history import percentile
from collective.cron.browser.history import SHOWN
from collective.cron.crontab import FAILURE
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import OK
from collective.cron.crontab import WARN
from collective.cron.tests.test_dashboard import DashboardTestCase
from collective.cron.tests.test_dashboard import NOW

import datetime
import re


class TestCronHistory(DashboardTestCase):
    def section(self, cron, language=None):
        browser = self.browser(language=language)
        browser.open(self.url + "/" + cron.uid)
        contents = browser.contents
        start = contents.index(u'<section id="history"')
        return contents[start : contents.index(u"</section>", start)]

    def test_figures_dots_and_chart(self):
        self.freeze()
        cron = self.add_cron()
        # 10 runs of 1 … 10 s: 7 OK, 1 WARN, 2 FAILURE; and one NOTRUN.
        statuses = [OK] * 7 + [WARN, FAILURE, FAILURE]
        for index, status in enumerate(statuses):
            started = NOW - datetime.timedelta(hours=20 - index)
            self.add_log(
                cron.uid,
                commit=False,
                status=status,
                started=started,
                duration=float(index + 1),
            )
        self.add_log(cron.uid, status=NOTRUN, duration=None)
        section = self.section(cron)
        rate = re.search(r'id="history-success-rate">([^<]*)<', section).group(1)
        self.assertEqual(rate, u"80 %")
        average = re.search(r'id="history-average">([^<]*)<', section).group(1)
        self.assertEqual(average, u"5.50 s")
        p95 = re.search(r'id="history-p95">([^<]*)<', section).group(1)
        self.assertEqual(p95, u"10.00 s")
        self.assertIn(u'id="history-notrun">1<', section)
        # one dot per log, coloured by status, oldest first
        dots = re.findall(r'<circle[^>]*fill="([^"]+)"', section)
        self.assertEqual(
            dots, [COLOURS[status] for status in statuses] + [COLOURS[NOTRUN]]
        )
        # one bar per timed run; the longest fills the chart's height
        bars = re.findall(r'<rect[^>]*height="([0-9.]+)"', section)
        self.assertEqual(len(bars), 10)
        self.assertEqual(float(bars[-1]), 60.0)
        self.assertEqual(float(bars[0]), 6.0)
        self.assertIn(u"<title>FAILURE", section)

    def test_only_the_newest_runs_are_drawn(self):
        self.freeze()
        cron = self.add_cron()
        for index in range(SHOWN + 5):
            self.add_log(
                cron.uid,
                commit=False,
                started=NOW - datetime.timedelta(minutes=100 - index),
            )
        self.add_log(cron.uid)
        section = self.section(cron)
        self.assertEqual(section.count(u"<circle"), SHOWN)
        self.assertIn(u'id="history-success-rate">100 %<', section)

    def test_no_runs_yet(self):
        cron = self.add_cron()
        section = self.section(cron)
        self.assertIn(u"No runs yet.", section)
        self.assertNotIn(u"<svg", section)

    def test_translated(self):
        self.set_record("plone.available_languages", [u"en", u"fr", u"de"])
        self.set_record("plone.use_request_negotiation", True)
        cron = self.add_cron()
        self.add_log(cron.uid)
        self.assertIn(u"Taux de réussite", self.section(cron, "fr"))
        self.assertIn(u"Erfolgsquote", self.section(cron, "de"))

    def test_percentile_is_the_nearest_rank(self):
        self.assertIsNone(percentile([], 0.95))
        self.assertEqual(percentile([3.0], 0.95), 3.0)
        self.assertEqual(percentile(list(range(1, 101)), 0.95), 95)
        self.assertEqual(percentile(list(range(1, 21)), 0.95), 19)
