# -*- coding: utf-8 -*-
"""Daylight saving time: the rules of periodicity.occurrences, one class per situation.

Each test is named after the rule it pins; together they are the
specification of the schedule around a DST change.  The rules are also
checked against an independent brute-force definition, minute by minute,
rather than against the code's own idea.  No Plone layer: pure
computation.
"""

from __future__ import unicode_literals

from collective.cron import periodicity
from croniter import croniter

import datetime
import pytz
import unittest

UTC = pytz.utc
DAY = datetime.timedelta(days=1)
PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def local(zone, *args, **kw):
    """A local time as an aware UTC datetime, for readable expectations."""
    tz = pytz.timezone(zone)
    return tz.localize(datetime.datetime(*args), is_dst=kw.get("is_dst")).astimezone(
        UTC
    )


class ParisSpringForwardTests(unittest.TestCase):
    """2025-03-30 in Paris: 02:00 CET is followed by 03:00 CEST (01:00 UTC)."""

    after = utc(2025, 3, 29, 22, 0)

    def next(self, expression, count):
        return periodicity.next_occurrences(expression, self.after, PARIS, count)

    def test_missing_time_runs_at_the_first_valid_instant(self):
        # croniter itself would say 03:30 local here.
        self.assertEqual(
            self.next("30 2 * * *", 2),
            [utc(2025, 3, 30, 1, 0), local(PARIS, 2025, 3, 31, 2, 30)],
        )

    def test_missing_full_hour(self):
        self.assertEqual(
            self.next("0 2 * * *", 2),
            [utc(2025, 3, 30, 1, 0), local(PARIS, 2025, 3, 31, 2, 0)],
        )

    def test_several_missing_times_run_once(self):
        self.assertEqual(
            self.next("0,30 2 * * *", 3),
            [
                utc(2025, 3, 30, 1, 0),
                local(PARIS, 2025, 3, 31, 2, 0),
                local(PARIS, 2025, 3, 31, 2, 30),
            ],
        )
        self.assertEqual(
            self.next("*/15 2 * * *", 2),
            [utc(2025, 3, 30, 1, 0), local(PARIS, 2025, 3, 31, 2, 0)],
        )

    def test_every_quarter_hour_follows_elapsed_time(self):
        self.assertEqual(
            periodicity.next_occurrences(
                "*/15 * * * *", utc(2025, 3, 30, 0, 20), PARIS, 4
            ),
            # 01:30 CET, 01:45 CET, then 03:00 and 03:15 CEST.
            [
                utc(2025, 3, 30, 0, 30),
                utc(2025, 3, 30, 0, 45),
                utc(2025, 3, 30, 1, 0),
                utc(2025, 3, 30, 1, 15),
            ],
        )

    def test_hourly_follows_elapsed_time(self):
        self.assertEqual(
            periodicity.next_occurrences(
                "0 * * * *", utc(2025, 3, 29, 23, 30), PARIS, 3
            ),
            # 01:00 CET, then 03:00 and 04:00 CEST: one hour apart each time.
            [utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 2, 0)],
        )


class ParisFallBackTests(unittest.TestCase):
    """2025-10-26 in Paris: 03:00 CEST (01:00 UTC) goes back to 02:00 CET."""

    after = utc(2025, 10, 25, 22, 0)

    def next(self, expression, count, after=None):
        return periodicity.next_occurrences(
            expression, after or self.after, PARIS, count
        )

    def test_repeated_time_runs_once(self):
        self.assertEqual(
            self.next("30 2 * * *", 2),
            [utc(2025, 10, 26, 0, 30), local(PARIS, 2025, 10, 27, 2, 30)],
        )
        self.assertEqual(
            self.next("0 2 * * *", 2),
            [utc(2025, 10, 26, 0, 0), local(PARIS, 2025, 10, 27, 2, 0)],
        )

    def test_no_rerun_from_inside_the_second_copy(self):
        # Asked at 02:10 CET (the second 02:10), 02:30 is already past.
        second_copy = utc(2025, 10, 26, 1, 10)
        self.assertEqual(
            self.next("30 2 * * *", 1, second_copy), [local(PARIS, 2025, 10, 27, 2, 30)]
        )
        self.assertEqual(
            self.next("*/15 2 * * *", 1, second_copy),
            [local(PARIS, 2025, 10, 27, 2, 0)],
        )

    def test_every_quarter_hour_runs_through_both_copies(self):
        expected = [
            utc(2025, 10, 26, 0, 0) + datetime.timedelta(minutes=15 * i)
            for i in range(9)
        ]
        self.assertEqual(
            self.next("*/15 * * * *", 9, utc(2025, 10, 25, 23, 59)), expected
        )

    def test_hourly_runs_at_both_two_oclocks(self):
        self.assertEqual(
            self.next("0 * * * *", 4, utc(2025, 10, 25, 23, 30)),
            [
                utc(2025, 10, 26, 0, 0),
                utc(2025, 10, 26, 1, 0),
                utc(2025, 10, 26, 2, 0),
                utc(2025, 10, 26, 3, 0),
            ],
        )

    def test_hourly_from_inside_the_first_copy(self):
        # The next hour is the second 02:00, whose wall time is earlier.
        self.assertEqual(
            periodicity.next_occurrence("0 * * * *", utc(2025, 10, 26, 0, 30), PARIS),
            utc(2025, 10, 26, 1, 0),
        )


class NewYorkSpringForwardTests(unittest.TestCase):
    """2025-03-09 in New York: 02:00 EST is followed by 03:00 EDT (07:00 UTC)."""

    def test_missing_time_runs_at_the_first_valid_instant(self):
        self.assertEqual(
            periodicity.next_occurrence("30 2 * * *", utc(2025, 3, 9, 0), NEW_YORK),
            local(NEW_YORK, 2025, 3, 9, 3, 0),
        )


class NewYorkFallBackTests(unittest.TestCase):
    """2025-11-02 in New York: 02:00 EDT (06:00 UTC) goes back to 01:00 EST."""

    def test_repeated_time_runs_once_at_its_first_occurrence(self):
        self.assertEqual(
            periodicity.next_occurrences(
                "30 1 * * *", utc(2025, 11, 2, 0), NEW_YORK, 2
            ),
            [
                local(NEW_YORK, 2025, 11, 2, 1, 30, is_dst=True),
                local(NEW_YORK, 2025, 11, 3, 1, 30),
            ],
        )


def _brute_matcher(expression):
    """An independent matcher on plain sets, to check the scheduler against."""
    fields = croniter.expand(periodicity.ALIASES.get(expression, expression))[0]
    sets = [None if field == ["*"] else set(field) for field in fields]
    minutes, hours, days, months, weekdays = sets

    def matches(wall):
        if minutes is not None and wall.minute not in minutes:
            return False
        if hours is not None and wall.hour not in hours:
            return False
        if months is not None and wall.month not in months:
            return False
        day_ok = days is None or wall.day in days
        weekday_ok = weekdays is None or wall.isoweekday() % 7 in weekdays
        if days is not None and weekdays is not None:
            return day_ok or weekday_ok
        return day_ok and weekday_ok

    return matches


def _brute_occurrences(expression, zone, start, end):
    """Every minute from start to end, with the rules of the occurrences docstring.

    Elapsed time: an instant runs when its own local time matches.
    Wall clock: an instant runs when some matching wall time maps to it,
    a wall time mapping to the first instant whose local time reaches it.
    """
    tz = pytz.timezone(zone)
    matches = _brute_matcher(expression)
    fields = croniter.expand(periodicity.ALIASES.get(expression, expression))[0]
    elapsed = fields[1] == ["*"]
    minute = datetime.timedelta(minutes=1)
    found = []
    instant = start
    reached = (start - minute).astimezone(tz).replace(tzinfo=None)
    while instant <= end:
        wall = instant.astimezone(tz).replace(tzinfo=None)
        if elapsed:
            if matches(wall):
                found.append(instant)
        elif wall > reached:
            candidate = reached + minute
            while candidate <= wall:
                if matches(candidate):
                    found.append(instant)
                    break
                candidate += minute
            reached = wall
        instant += minute
    return found


class BruteForceTests(unittest.TestCase):
    """Both DST days of several zones against the brute-force definition."""

    expressions = (
        "30 2 * * *",
        "0 2 * * *",
        "0,30 1-3 * * *",
        "*/15 * * * *",
        "0 * * * *",
        "*/7 2 * * *",
        "45 * * * *",
    )
    windows = (
        (PARIS, utc(2025, 3, 29, 20), utc(2025, 3, 30, 6)),
        (PARIS, utc(2025, 10, 25, 20), utc(2025, 10, 26, 6)),
        (NEW_YORK, utc(2025, 3, 9, 4), utc(2025, 3, 9, 12)),
        (NEW_YORK, utc(2025, 11, 2, 3), utc(2025, 11, 2, 11)),
        # Half-hour DST: the clock goes back from 02:00 to 01:30.
        ("Australia/Lord_Howe", utc(2025, 4, 5, 12), utc(2025, 4, 5, 18)),
        ("Australia/Lord_Howe", utc(2025, 10, 4, 13), utc(2025, 10, 4, 18)),
        ("Asia/Kolkata", utc(2025, 3, 29, 20), utc(2025, 3, 30, 2)),
    )

    _expected = {}

    def expected(self, zone, start, end, expression):
        """The brute-force runs from a day before to a day after the window."""
        key = (zone, start, expression)
        if key not in self._expected:
            self._expected[key] = _brute_occurrences(
                expression, zone, start - DAY, end + DAY
            )
        return self._expected[key]

    def test_sequences_match_the_definition(self):
        for zone, start, end in self.windows:
            for expression in self.expressions:
                expected = self.expected(zone, start, end, expression)
                got = periodicity.occurrences_between(
                    expression, start - DAY, end + DAY, zone
                )
                # occurrences_between leaves its start out.
                self.assertEqual(got, [t for t in expected if t > start - DAY])
                self.assertEqual(got, sorted(set(got)), (zone, expression))

    def test_sequences_strictly_increase(self):
        for zone, start, end in self.windows:
            for expression in self.expressions:
                got = periodicity.next_occurrences(expression, start, zone, 40)
                for earlier, later in zip(got, got[1:]):
                    self.assertTrue(earlier < later, (zone, expression, earlier, later))

    def test_next_from_any_minute(self):
        for zone, start, end in self.windows:
            for expression in self.expressions:
                expected = self.expected(zone, start, end, expression)
                instant = start
                while instant <= end:
                    after = [t for t in expected if t > instant]
                    self.assertEqual(
                        periodicity.next_occurrence(expression, instant, zone),
                        after[0],
                        (zone, expression, instant),
                    )
                    instant += datetime.timedelta(minutes=13)
