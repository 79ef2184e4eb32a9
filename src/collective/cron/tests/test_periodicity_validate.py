# -*- coding: utf-8 -*-
"""Periodicities: which are accepted, and the message when one is not.

No Plone layer: validation is pure computation.
"""

from __future__ import unicode_literals

from collective.cron import periodicity
from collective.cron.compat import text_type
from collective.cron.periodicity import InvalidPeriodicity

import datetime
import pytz
import unittest

UTC = pytz.utc
PARIS = "Europe/Paris"


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


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

    def test_too_long_is_refused_before_parsing(self):
        # a list of 20,000 minutes costs croniter most of a second
        absurd = ",".join(["5"] * 20000) + " * * * *"
        error = self.assertInvalid(absurd, None, "too long", "at most 500")
        self.assertEqual(error.message_id, "periodicity_error_too_long")
        self.assertEqual(error.message_id.mapping["length"], "40007")
        # the message does not repeat the 40,000 characters
        self.assertLess(len(error.text), 100)

    def test_stored_expressions_may_be_longer(self):
        # saved before the limit existed: still read and computed with
        expression = ",".join(["5"] * 300) + " 3 * * *"
        self.assertInvalid(expression, None, "too long")
        self.assertEqual(
            periodicity.validate(expression, periodicity.STORED_MAX_LENGTH),
            expression,
        )
        after = utc(2026, 1, 1)
        self.assertEqual(
            periodicity.next_occurrence(expression, after, "UTC"),
            utc(2026, 1, 1, 3, 5),
        )

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
        self.assertIn("\xe9", text_type(error.text))


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
