# -*- coding: utf-8 -*-
"""Periodicities: what is accepted, when crons run, how they are described.

These tests need no Plone layer: the module is pure computation, and the
daylight saving time rules are checked against an independent brute-force
definition, minute by minute, rather than against the code's own idea.
"""

from __future__ import unicode_literals

from collective.cron import periodicity
from collective.cron.periodicity import InvalidPeriodicity
from collective.cron.periodicity import InvalidTimezone
from croniter import croniter

import datetime
import pytz
import six
import unittest

try:
    import cron_descriptor
except ImportError:  # Python 2.7
    cron_descriptor = None


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


class ValidateTests(unittest.TestCase):
    def assertInvalid(self, expression, field, *fragments):
        with self.assertRaises(InvalidPeriodicity) as caught:
            periodicity.validate(expression)
        error = caught.exception
        self.assertEqual(error.field, field)
        for fragment in fragments:
            self.assertIn(fragment, str(error))
        return error

    def test_normalises_spaces(self):
        self.assertEqual(periodicity.validate("  */5   *  * * * "), "*/5 * * * *")
        self.assertEqual(periodicity.validate("0\t3 * * *\n"), "0 3 * * *")

    def test_accepts_what_croniter_accepts(self):
        for expression in (
            "* * * * *",
            "0 3 * * *",
            "0-59/15 9-17 * * 1-5",
            "0 0 1,15 * *",
            "30 2 * jan-mar mon-fri",
            "0 12 * * SUN",
            "0 0 * * 7",
            "0 0 L * *",
            "0 0 * * 1#2",
            "0 0 29 2 *",
        ):
            self.assertEqual(periodicity.validate(expression), expression)

    def test_empty(self):
        for expression in (None, "", "   "):
            error = self.assertInvalid(expression, None, "empty")
            self.assertEqual(error.message_id, "periodicity_error_empty")

    def test_minute(self):
        error = self.assertInvalid("61 * * * *", "minute")
        self.assertEqual(
            str(error), 'Invalid minute field "61": values must be between 0 and 59'
        )
        self.assertInvalid("1-60 * * * *", "minute", '"1-60"', "0 and 59")
        self.assertInvalid("*/0 * * * *", "minute", '"*/0"', "step")
        self.assertInvalid("a * * * *", "minute", '"a"')
        self.assertInvalid("1,,2 * * * *", "minute", '"1,,2"')

    def test_hour(self):
        self.assertInvalid("0 24 * * *", "hour", '"24"', "between 0 and 23")

    def test_day_of_month(self):
        self.assertInvalid("0 0 0 * *", "day of month", '"0"', "between 1 and 31")
        self.assertInvalid("0 0 32 * *", "day of month", '"32"', "between 1 and 31")

    def test_month(self):
        self.assertInvalid("0 0 * 13 *", "month", '"13"', "between 1 and 12")
        self.assertInvalid("0 0 * foo *", "month", '"foo"', "unknown name", "jan")

    def test_day_of_week(self):
        self.assertInvalid("0 0 * * 8", "day of week", '"8"', "between 0 and 7")
        self.assertInvalid("0 0 * * jan", "day of week", '"jan"', "sun")
        self.assertInvalid("0 0 * * 1#6", "day of week", '"1#6"', "#")

    def test_never_matching_day(self):
        # croniter parses it, but no February has a 30th.
        self.assertInvalid("0 0 30 2 *", "day of month", '"30"', "never")

    def test_hashed_and_random_values_are_refused(self):
        # croniter accepts R silently and makes every parse pick another minute.
        self.assertInvalid("R * * * *", "minute", "random")
        self.assertInvalid("0 H * * *", "hour", "hashed")

    def test_wrong_number_of_fields(self):
        # croniter would read a 6th field as seconds and a 7th as the year.
        self.assertInvalid("* * * * * *", None, "exactly 5", "has 6", "seconds")
        self.assertInvalid("0 0 * * * 2025 1", None, '"0 0 * * * 2025 1" has 7')
        self.assertInvalid("* * * *", None, "exactly 5", '"* * * *" has 4')
        self.assertInvalid("daily", None, "exactly 5", "has 1")

    def test_unknown_alias(self):
        self.assertInvalid("@reboot", None, '"@reboot"', "@daily")

    def test_error_is_translatable(self):
        error = self.assertInvalid("61 * * * *", "minute")
        message = error.message_id
        self.assertEqual(message.domain, "collective.cron")
        self.assertEqual(message.mapping["value"], "61")
        self.assertEqual(message.mapping["min"], "0")
        self.assertEqual(message.mapping["max"], "59")
        # The field label is itself a message, so it gets translated too.
        self.assertEqual(message.mapping["field"].default, "minute")
        self.assertEqual(message.mapping["field"].domain, "collective.cron")
        self.assertIn("${field}", message.default)

    def test_error_is_a_value_error(self):
        self.assertRaises(ValueError, periodicity.validate, "61 * * * *")

    def test_non_ascii_input_gives_a_readable_error(self):
        error = self.assertInvalid("\xe9 * * * *", "minute")
        self.assertEqual(error.value, "\xe9")
        self.assertIsInstance(str(error), str)
        self.assertIn("\xe9", six.text_type(error.text))


class AliasTests(unittest.TestCase):
    def test_expansions(self):
        self.assertEqual(periodicity.ALIASES["@hourly"], "0 * * * *")
        self.assertEqual(periodicity.ALIASES["@daily"], "0 0 * * *")
        self.assertEqual(periodicity.ALIASES["@midnight"], "0 0 * * *")
        self.assertEqual(periodicity.ALIASES["@weekly"], "0 0 * * 0")
        self.assertEqual(periodicity.ALIASES["@monthly"], "0 0 1 * *")
        self.assertEqual(periodicity.ALIASES["@yearly"], "0 0 1 1 *")
        self.assertEqual(periodicity.ALIASES["@annually"], "0 0 1 1 *")

    def test_validate_keeps_the_alias(self):
        self.assertEqual(periodicity.validate(" @Daily "), "@daily")

    def test_aliases_schedule_like_their_expansion(self):
        after = utc(2025, 5, 17, 13, 21)
        for alias, fields in periodicity.ALIASES.items():
            self.assertEqual(
                periodicity.next_occurrences(alias, after, PARIS, 3),
                periodicity.next_occurrences(fields, after, PARIS, 3),
            )
        self.assertEqual(
            periodicity.next_occurrence("@weekly", after), utc(2025, 5, 18, 0, 0)
        )


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


class NewYorkTests(unittest.TestCase):
    """America/New_York changes at 02:00: 2025-03-09 forward, 2025-11-02 back."""

    def test_spring_forward(self):
        self.assertEqual(
            periodicity.next_occurrence("30 2 * * *", utc(2025, 3, 9, 0), NEW_YORK),
            local(NEW_YORK, 2025, 3, 9, 3, 0),
        )

    def test_fall_back(self):
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
    """Every minute from start to end, with the rules of the module docstring.

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

    def test_next_and_previous_from_any_minute(self):
        for zone, start, end in self.windows:
            for expression in self.expressions:
                expected = self.expected(zone, start, end, expression)
                instant = start
                while instant <= end:
                    after = [t for t in expected if t > instant]
                    upto = [t for t in expected if t <= instant]
                    self.assertEqual(
                        periodicity.next_occurrence(expression, instant, zone),
                        after[0],
                        (zone, expression, instant),
                    )
                    self.assertEqual(
                        periodicity.previous_occurrence(expression, instant, zone),
                        upto[-1],
                        (zone, expression, instant),
                    )
                    instant += datetime.timedelta(minutes=13)


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


class PreviousOccurrenceTests(unittest.TestCase):
    def test_at_or_before(self):
        self.assertEqual(
            periodicity.previous_occurrence("*/5 * * * *", utc(2025, 1, 1, 10, 5)),
            utc(2025, 1, 1, 10, 5),
        )
        self.assertEqual(
            periodicity.previous_occurrence("*/5 * * * *", utc(2025, 1, 1, 10, 4, 59)),
            utc(2025, 1, 1, 10, 0),
        )

    def test_timezone(self):
        self.assertEqual(
            periodicity.previous_occurrence(
                "0 3 * * *", utc(2025, 7, 10, 0, 59), PARIS
            ),
            utc(2025, 7, 9, 1, 0),
        )

    def test_naive_is_utc(self):
        self.assertEqual(
            periodicity.previous_occurrence(
                "0 0 1 * *", datetime.datetime(2025, 2, 15)
            ),
            utc(2025, 2, 1),
        )

    def test_dst_days(self):
        self.assertEqual(
            periodicity.previous_occurrence(
                "30 2 * * *", utc(2025, 3, 30, 1, 0), PARIS
            ),
            utc(2025, 3, 30, 1, 0),
        )
        self.assertEqual(
            periodicity.previous_occurrence(
                "30 2 * * *", utc(2025, 3, 30, 0, 59), PARIS
            ),
            local(PARIS, 2025, 3, 29, 2, 30),
        )
        # In the second 02:40 of the fall-back night, the 02:30 that ran is
        # the first one.
        self.assertEqual(
            periodicity.previous_occurrence(
                "30 2 * * *", utc(2025, 10, 26, 1, 40), PARIS
            ),
            utc(2025, 10, 26, 0, 30),
        )
        self.assertEqual(
            periodicity.previous_occurrence(
                "*/15 * * * *", utc(2025, 10, 26, 1, 40), PARIS
            ),
            utc(2025, 10, 26, 1, 30),
        )

    def test_inverse_of_next(self):
        for expression in ("0 0 29 2 *", "@yearly", "0 9 * * 1-5"):
            occurrence = periodicity.next_occurrence(expression, utc(2025, 5, 5), PARIS)
            self.assertEqual(
                periodicity.previous_occurrence(expression, occurrence, PARIS),
                occurrence,
            )


class DescribeTests(unittest.TestCase):
    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_english(self):
        self.assertEqual(periodicity.describe("*/5 * * * *"), "Every 5 minutes")
        self.assertEqual(periodicity.describe("0 3 * * *"), "At 03:00")
        self.assertEqual(periodicity.describe("@daily"), "At 00:00")
        self.assertEqual(
            periodicity.describe("30 14 * * mon"), "At 14:30, only on Monday"
        )

    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_french_and_german(self):
        self.assertEqual(
            periodicity.describe("*/5 * * * *", "fr"), "Toutes les 5 minutes"
        )
        self.assertEqual(periodicity.describe("*/5 * * * *", "de"), "Alle 5 Minuten")
        # cron_descriptor takes weekday names from the process locale.
        self.assertEqual(
            periodicity.describe("30 2 * * mon", "fr-fr"),
            "À 02:30, uniquement le lundi",
        )
        self.assertEqual(
            periodicity.describe("30 2 * * mon", "de_DE"), "Um 02:30, nur am Montag"
        )

    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_cron_descriptor_failure_falls_back(self):
        original = cron_descriptor.ExpressionDescriptor

        def broken(*args, **kwargs):
            raise RuntimeError("cannot describe")

        cron_descriptor.ExpressionDescriptor = broken
        try:
            self.assertEqual(periodicity.describe("@hourly", "fr"), "Toutes les heures")
            self.assertEqual(periodicity.describe("0 9-17 * * 1-5"), "0 9-17 * * 1-5")
        finally:
            cron_descriptor.ExpressionDescriptor = original

    def test_unknown_locale_is_english(self):
        self.assertEqual(periodicity.describe("* * * * *", "xx"), "Every minute")

    def test_invalid_expression_describes_itself(self):
        self.assertEqual(periodicity.describe("61 * * * *"), "61 * * * *")
        self.assertEqual(periodicity.describe(None), "")

    def test_fallback(self):
        fallback = periodicity._fallback_describe
        self.assertEqual(fallback("* * * * *"), "Every minute")
        self.assertEqual(fallback("*/10 * * * *"), "Every 10 minutes")
        self.assertEqual(fallback("@hourly"), "Every hour")
        self.assertEqual(fallback("15 * * * *"), "At 15 minutes past the hour")
        self.assertEqual(fallback("0 */6 * * *"), "Every 6 hours")
        self.assertEqual(fallback("@daily"), "At 00:00")
        self.assertEqual(fallback("@weekly"), "At 00:00, only on Sunday")
        self.assertEqual(fallback("@monthly"), "At 00:00, on day 1 of the month")
        self.assertEqual(
            fallback("@yearly"), "At 00:00, on day 1 of the month, only in January"
        )
        self.assertEqual(fallback("30 4 * * fri"), "At 04:30, only on Friday")
        self.assertEqual(fallback("0 12 * * 7"), "At 12:00, only on Sunday")

    def test_fallback_languages(self):
        fallback = periodicity._fallback_describe
        self.assertEqual(fallback("*/10 * * * *", "fr"), "Toutes les 10 minutes")
        self.assertEqual(
            fallback("0 9 1 mar *", "fr"), "À 09:00, le 1 du mois, uniquement en mars"
        )
        self.assertEqual(fallback("30 4 * * fri", "de"), "Um 04:30, nur am Freitag")

    def test_fallback_gives_the_expression_when_it_has_no_words(self):
        fallback = periodicity._fallback_describe
        self.assertEqual(fallback("0 9-17 * * 1-5"), "0 9-17 * * 1-5")
        self.assertEqual(fallback("*/5 * * * *", "es"), "*/5 * * * *")

    @unittest.skipIf(cron_descriptor is not None, "only without cron_descriptor")
    def test_without_cron_descriptor(self):
        self.assertEqual(periodicity.describe("@weekly"), "At 00:00, only on Sunday")
        self.assertEqual(periodicity.describe("*/5 * * * *", "de"), "Alle 5 Minuten")

    def test_text_type(self):
        self.assertIsInstance(periodicity.describe("@daily"), six.text_type)


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
