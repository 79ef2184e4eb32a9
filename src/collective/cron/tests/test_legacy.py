# -*- coding: utf-8 -*-
"""The readers of collective.cron 2.x data: integer statuses, naive local dates."""

from collective.cron.upgrades import legacy

import datetime
import os
import pytz
import time
import unittest

UTC = pytz.utc


class TestStatusName(unittest.TestCase):
    def test_integers_of_2x(self):
        self.assertEqual(
            [legacy.status_name(value) for value in (0, 1, 2, 3)],
            ["FAILURE", "OK", "WARN", "NOTRUN"],
        )

    def test_digits_as_text(self):
        self.assertEqual(legacy.status_name(u" 2 "), "WARN")
        self.assertEqual(legacy.status_name("3"), "NOTRUN")

    def test_anything_else_is_not_a_status(self):
        for value in (4, -1, u"warn", u"", None, True, False, 1.0):
            self.assertIsNone(legacy.status_name(value), value)


class TestLocalToUtc(unittest.TestCase):
    def test_in_the_site_zone(self):
        # Paris is UTC+1 in winter and UTC+2 in summer.
        self.assertEqual(
            legacy.local_to_utc(datetime.datetime(2014, 1, 6, 3, 0, 1), "Europe/Paris"),
            datetime.datetime(2014, 1, 6, 2, 0, 1, tzinfo=UTC),
        )
        summer = legacy.local_to_utc(datetime.datetime(2014, 7, 7, 3), "Europe/Paris")
        self.assertEqual(summer, datetime.datetime(2014, 7, 7, 1, tzinfo=UTC))
        self.assertIs(summer.tzinfo, UTC)

    def test_in_the_server_zone_without_a_site_zone(self):
        previous = os.environ.get("TZ")
        os.environ["TZ"] = "Asia/Tokyo"
        time.tzset()
        try:
            when = legacy.local_to_utc(datetime.datetime(2012, 1, 1, 9, 0))
        finally:
            if previous is None:
                del os.environ["TZ"]
            else:
                os.environ["TZ"] = previous
            time.tzset()
        self.assertEqual(when, datetime.datetime(2012, 1, 1, 0, 0, tzinfo=UTC))
        self.assertIs(when.tzinfo, UTC)
