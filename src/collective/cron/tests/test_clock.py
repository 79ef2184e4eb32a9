# -*- coding: utf-8 -*-
"""The clock: a frozen time for tests, ISO texts read with dateutil."""

from collective.cron import clock

import datetime
import pytz
import unittest

UTC = pytz.utc


class TestFrozenClock(unittest.TestCase):
    def tearDown(self):
        clock.reset()

    def test_freeze_and_advance(self):
        clock.freeze(datetime.datetime(2026, 1, 1, 12, 0))
        self.assertEqual(clock.now(), datetime.datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
        clock.advance(minutes=5)
        self.assertEqual(clock.now(), datetime.datetime(2026, 1, 1, 12, 5, tzinfo=UTC))

    def test_advance_needs_a_frozen_clock(self):
        self.assertRaises(RuntimeError, clock.advance, minutes=1)

    def test_real_time_is_aware_utc(self):
        self.assertIs(clock.now().tzinfo, UTC)


class TestIso(unittest.TestCase):
    def test_round_trip(self):
        when = datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
        self.assertEqual(clock.to_iso(when), "2026-01-02T03:04:05.123456+00:00")
        self.assertEqual(clock.from_iso(clock.to_iso(when)), when)
        self.assertIs(clock.from_iso(clock.to_iso(when)).tzinfo, UTC)

    def test_offsets_become_utc(self):
        expected = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        for text in (
            u"2026-01-02T03:04:05Z",
            u"2026-01-02T05:04:05+02:00",
            u"2026-01-01T22:04:05-05:00",
            u" 2026-01-02 03:04:05+00:00 ",
        ):
            self.assertEqual(clock.from_iso(text), expected, text)

    def test_without_offset_is_utc(self):
        self.assertEqual(
            clock.from_iso(u"2026-01-02T03:04:05"),
            datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        )
        self.assertIsNone(clock.parse_iso(u"2026-01-02 03:04:05").tzinfo)

    def test_empty_and_unreadable(self):
        self.assertIsNone(clock.from_iso(None))
        self.assertIsNone(clock.from_iso(u""))
        self.assertRaises(ValueError, clock.from_iso, u"yesterday")
        self.assertRaises(ValueError, clock.from_iso, u"2026-13-01T00:00:00")
