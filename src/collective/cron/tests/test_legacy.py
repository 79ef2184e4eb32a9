# -*- coding: utf-8 -*-
"""The readers of collective.cron 2.x data: integer statuses, naive local dates."""

from collective.cron import legacy

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


class Dated(object):
    def __init__(self, day, name):
        self.date = datetime.datetime(2014, 1, day, 3, 0, 0)
        self.name = name


class TestChronological(unittest.TestCase):
    """2.x lists are newest first, 3.x lists oldest first: both come out
    in the order things happened."""

    def names(self, logs):
        return [log.name for log in legacy.chronological(logs)]

    def test_newest_first_is_read_backwards(self):
        logs = [Dated(3, "c"), Dated(2, "b"), Dated(1, "a")]
        self.assertEqual(self.names(logs), ["a", "b", "c"])

    def test_oldest_first_is_kept(self):
        logs = [Dated(1, "a"), Dated(2, "b"), Dated(3, "c")]
        self.assertEqual(self.names(logs), ["a", "b", "c"])

    def test_same_second_keeps_the_order_of_the_list(self):
        # newest first: "b2" was written after "b1" in the same second
        logs = [Dated(3, "c"), Dated(2, "b2"), Dated(2, "b1"), Dated(1, "a")]
        self.assertEqual(self.names(logs), ["a", "b1", "b2", "c"])

    def test_a_straggler_takes_its_place(self):
        logs = [Dated(4, "d"), Dated(2, "b"), Dated(3, "c"), Dated(1, "a")]
        self.assertEqual(self.names(logs), ["a", "b", "c", "d"])

    def test_short_lists(self):
        self.assertEqual(legacy.chronological([]), [])
        self.assertEqual(self.names([Dated(1, "a")]), ["a"])


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
