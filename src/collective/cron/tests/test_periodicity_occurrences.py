# -*- coding: utf-8 -*-
"""Periodicities: the next runs, time zones, the gaps between runs.

No Plone layer: the module is pure computation.  The daylight saving time
rules have their own module, test_periodicity_dst.
"""

from __future__ import unicode_literals

from collective.cron import periodicity
from collective.cron.periodicity import InvalidPeriodicity
from collective.cron.periodicity import InvalidTimezone

import datetime
import pytz
import unittest

UTC = pytz.utc
PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


class TimezoneTests(unittest.TestCase):
    def test_known_name(self):
        self.assertEqual(periodicity.get_timezone(PARIS).zone, PARIS)

    def test_default(self):
        self.assertEqual(periodicity.DEFAULT_TIMEZONE, "UTC")
        self.assertIs(periodicity.get_timezone(None), UTC)
        self.assertIs(periodicity.get_timezone(""), UTC)

    def test_tzinfo_is_accepted(self):
        tz = pytz.timezone(NEW_YORK)
        self.assertIs(periodicity.get_timezone(tz), tz)

    def test_unknown_name(self):
        with self.assertRaises(InvalidTimezone) as caught:
            periodicity.get_timezone("Mars/Olympus_Mons")
        self.assertIn('"Mars/Olympus_Mons"', str(caught.exception))
        self.assertTrue(isinstance(caught.exception, ValueError))
        self.assertEqual(caught.exception.message_id.domain, "collective.cron")

    def test_suggestion(self):
        with self.assertRaises(InvalidTimezone) as caught:
            periodicity.get_timezone("Europe/Pariss")
        self.assertIn('did you mean "Europe/Paris"', str(caught.exception))

    def test_occurrence_functions_refuse_unknown_zones(self):
        self.assertRaises(
            InvalidTimezone,
            periodicity.next_occurrence,
            "* * * * *",
            utc(2025, 1, 1),
            "Nowhere",
        )


class NextOccurrenceTests(unittest.TestCase):
    def test_utc(self):
        self.assertEqual(
            periodicity.next_occurrence("*/5 * * * *", utc(2025, 1, 1, 10, 2)),
            utc(2025, 1, 1, 10, 5),
        )
        self.assertEqual(
            periodicity.next_occurrence("0 3 * * *", utc(2025, 1, 1, 10, 2)),
            utc(2025, 1, 2, 3, 0),
        )

    def test_strictly_after(self):
        # The scheduler passes the occurrence that just ran: it must not get
        # the same one back.
        self.assertEqual(
            periodicity.next_occurrence("*/5 * * * *", utc(2025, 1, 1, 10, 5)),
            utc(2025, 1, 1, 10, 10),
        )
        self.assertEqual(
            periodicity.next_occurrence(
                "*/5 * * * *", utc(2025, 1, 1, 10, 4, 59, 999999)
            ),
            utc(2025, 1, 1, 10, 5),
        )

    def test_result_is_aware_utc_without_microseconds(self):
        result = periodicity.next_occurrence(
            "0 9 * * *", utc(2025, 1, 1, 10, 0, 0, 123456), PARIS
        )
        self.assertIs(result.tzinfo, UTC)
        self.assertEqual(result.microsecond, 0)
        self.assertEqual(result, utc(2025, 1, 2, 8, 0))

    def test_naive_is_utc(self):
        self.assertEqual(
            periodicity.next_occurrence(
                "0 * * * *", datetime.datetime(2025, 1, 1, 10, 30)
            ),
            utc(2025, 1, 1, 11, 0),
        )

    def test_other_aware_input(self):
        after = pytz.timezone(NEW_YORK).localize(datetime.datetime(2025, 1, 1, 10, 30))
        self.assertEqual(
            periodicity.next_occurrence("0 * * * *", after), utc(2025, 1, 1, 16, 0)
        )

    def test_paris(self):
        # 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer.
        self.assertEqual(
            periodicity.next_occurrences("0 3 * * *", utc(2025, 1, 10), PARIS, 2),
            [utc(2025, 1, 10, 2, 0), utc(2025, 1, 11, 2, 0)],
        )
        self.assertEqual(
            periodicity.next_occurrences("0 3 * * *", utc(2025, 7, 10), PARIS, 2),
            [utc(2025, 7, 10, 1, 0), utc(2025, 7, 11, 1, 0)],
        )

    def test_new_york(self):
        self.assertEqual(
            periodicity.next_occurrence("30 8 * * mon-fri", utc(2025, 1, 4), NEW_YORK),
            utc(2025, 1, 6, 13, 30),
        )
        self.assertEqual(
            periodicity.next_occurrence(
                "30 8 * * mon-fri", utc(2025, 7, 4, 13), NEW_YORK
            ),
            utc(2025, 7, 7, 12, 30),
        )

    def test_day_of_month_or_day_of_week(self):
        # Classic cron: when both are restricted, either one matches.
        self.assertEqual(
            periodicity.next_occurrences("0 0 13 * 5", utc(2025, 6, 1), "UTC", 3),
            [utc(2025, 6, 6), utc(2025, 6, 13), utc(2025, 6, 20)],
        )

    def test_next_occurrences(self):
        self.assertEqual(
            periodicity.next_occurrences("0 0 1 * *", utc(2025, 11, 15)),
            [
                utc(2025, 12, 1),
                utc(2026, 1, 1),
                utc(2026, 2, 1),
                utc(2026, 3, 1),
                utc(2026, 4, 1),
            ],
        )
        self.assertEqual(
            periodicity.next_occurrences("* * * * *", utc(2025, 1, 1), count=0), []
        )

    def test_invalid_expression(self):
        self.assertRaises(
            InvalidPeriodicity,
            periodicity.next_occurrence,
            "61 * * * *",
            utc(2025, 1, 1),
        )


class OccurrencesBetweenTests(unittest.TestCase):
    def test_bounds(self):
        # start excluded (it already ran), end included (it is due now).
        self.assertEqual(
            periodicity.occurrences_between(
                "0 * * * *", utc(2025, 1, 1, 10), utc(2025, 1, 1, 13)
            ),
            [utc(2025, 1, 1, 11), utc(2025, 1, 1, 12), utc(2025, 1, 1, 13)],
        )

    def test_empty(self):
        self.assertEqual(
            periodicity.occurrences_between(
                "0 * * * *", utc(2025, 1, 1, 10), utc(2025, 1, 1, 10, 59)
            ),
            [],
        )

    def test_limit(self):
        got = periodicity.occurrences_between(
            "* * * * *", utc(2025, 1, 1), utc(2025, 2, 1), limit=10
        )
        self.assertEqual(len(got), 10)
        self.assertEqual(got[0], utc(2025, 1, 1, 0, 1))
        self.assertEqual(
            periodicity.occurrences_between(
                "* * * * *", utc(2025, 1, 1), utc(2025, 2, 1), limit=0
            ),
            [],
        )

    def test_timezone_and_naive_bounds(self):
        self.assertEqual(
            periodicity.occurrences_between(
                "0 3 * * *",
                datetime.datetime(2025, 3, 28),
                datetime.datetime(2025, 4, 1),
                PARIS,
            ),
            [
                utc(2025, 3, 28, 2),
                utc(2025, 3, 29, 2),
                utc(2025, 3, 30, 1),
                utc(2025, 3, 31, 1),
            ],
        )


class PeriodSecondsTests(unittest.TestCase):
    def test_values(self):
        self.assertEqual(periodicity.period_seconds("* * * * *"), 60)
        self.assertEqual(periodicity.period_seconds("*/15 * * * *"), 900)
        self.assertEqual(periodicity.period_seconds("@hourly"), 3600)
        self.assertEqual(periodicity.period_seconds("@daily", PARIS), 86400)
        self.assertEqual(periodicity.period_seconds("@weekly"), 7 * 86400)
        self.assertEqual(periodicity.period_seconds("0 0 1 * *"), 28 * 86400)

    def test_shortest_gap(self):
        # Two runs an hour apart then nearly a day: the short gap counts.
        self.assertEqual(periodicity.period_seconds("0 9,10 * * *"), 3600)

    def test_independent_of_today(self):
        self.assertEqual(
            periodicity.period_seconds("0 2 * * *", PARIS),
            periodicity.period_seconds("0 2 * * *", PARIS),
        )
        self.assertIsInstance(periodicity.period_seconds("0 2 * * *", PARIS), int)
