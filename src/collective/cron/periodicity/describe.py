# -*- coding: utf-8 -*-
"""Periodicities in words, for people who do not read cron.

cron_descriptor (Python 3 only) writes the descriptions in English,
French and German; the tables below are the fallback where it is missing
(Python 2.7) or fails, for the aliases and the common simple shapes, and
they also give the day and month names that cron_descriptor takes from the
process locale.  Anything else is described by the expression itself,
which is at least exact.  ``describe`` never raises: a listing must keep
working with bad stored data.
"""

from __future__ import unicode_literals

from collective.cron.compat import as_text
from collective.cron.periodicity.validate import ALIASES
from collective.cron.periodicity.validate import DAY_NAMES
from collective.cron.periodicity.validate import InvalidPeriodicity
from collective.cron.periodicity.validate import MONTH_NAMES
from collective.cron.periodicity.validate import STORED_MAX_LENGTH
from collective.cron.periodicity.validate import validate

import re

_WEEKDAYS = {
    "en": (
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ),
    "fr": ("dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"),
    "de": (
        "Sonntag",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
    ),
}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}
_PHRASES = {
    "en": {
        "every_minute": "Every minute",
        "every_n_minutes": "Every {n} minutes",
        "every_hour": "Every hour",
        "every_n_hours": "Every {n} hours",
        "past_hour": "At {n} minutes past the hour",
        "at": "At {time}",
        "weekday": "only on {day}",
        "monthday": "on day {n} of the month",
        "month": "only in {month}",
    },
    "fr": {
        "every_minute": "Toutes les minutes",
        "every_n_minutes": "Toutes les {n} minutes",
        "every_hour": "Toutes les heures",
        "every_n_hours": "Toutes les {n} heures",
        "past_hour": "À {n} minutes après l'heure",
        "at": "À {time}",
        "weekday": "uniquement le {day}",
        "monthday": "le {n} du mois",
        "month": "uniquement en {month}",
    },
    "de": {
        "every_minute": "Jede Minute",
        "every_n_minutes": "Alle {n} Minuten",
        "every_hour": "Jede Stunde",
        "every_n_hours": "Alle {n} Stunden",
        "past_hour": "{n} Minuten nach der vollen Stunde",
        "at": "Um {time}",
        "weekday": "nur am {day}",
        "monthday": "am {n}. Tag des Monats",
        "month": "nur im {month}",
    },
}


def _language(locale):
    return (as_text(locale or "en").replace("-", "_").split("_")[0] or "en").lower()


def _number(text, names=()):
    text = text.lower()
    if text.isdigit():
        return int(text)
    if text in names:
        return names.index(text) + (1 if names is MONTH_NAMES else 0)
    return None


def _fallback_describe(expression, locale="en"):
    """A description without cron_descriptor (Python 2.7, or its failure).

    It covers the aliases and the common simple shapes in English, French
    and German; anything else is described by the expression itself, which
    is at least exact.
    """
    language = _language(locale)
    phrases = _PHRASES.get(language)
    try:
        normal = validate(expression, STORED_MAX_LENGTH)
    except InvalidPeriodicity:
        return as_text(expression or "")
    if phrases is None:
        return normal
    minute, hour, day, month, weekday = ALIASES.get(normal, normal).split()
    if (day, month, weekday) == ("*", "*", "*"):
        if hour == "*":
            if minute == "*":
                return phrases["every_minute"]
            if minute.startswith("*/") and minute[2:].isdigit():
                return phrases["every_n_minutes"].format(n=int(minute[2:]))
            if minute.isdigit():
                if int(minute) == 0:
                    return phrases["every_hour"]
                return phrases["past_hour"].format(n=int(minute))
        if minute == "0" and hour.startswith("*/") and hour[2:].isdigit():
            return phrases["every_n_hours"].format(n=int(hour[2:]))
    if not (minute.isdigit() and hour.isdigit()):
        return normal
    parts = [phrases["at"].format(time="%02d:%02d" % (int(hour), int(minute)))]
    if day != "*":
        if not day.isdigit():
            return normal
        parts.append(phrases["monthday"].format(n=int(day)))
    if weekday != "*":
        number = _number(weekday, DAY_NAMES)
        if number is None or number > 7:
            return normal
        parts.append(phrases["weekday"].format(day=_WEEKDAYS[language][number % 7]))
    if month != "*":
        number = _number(month, MONTH_NAMES)
        if number is None or not 1 <= number <= 12:
            return normal
        parts.append(phrases["month"].format(month=_MONTHS[language][number - 1]))
    return ", ".join(parts)


def _translate_names(text, language):
    """cron_descriptor takes day and month names from the process locale.

    Those are English in a server process whatever the language asked for,
    and changing the process locale is not thread-safe: swap the names.
    """
    if language == "en" or language not in _WEEKDAYS:
        return text
    pairs = list(zip(_WEEKDAYS["en"], _WEEKDAYS[language]))
    pairs += list(zip(_MONTHS["en"], _MONTHS[language]))
    for english, local in pairs:
        text = re.sub(r"\b%s\b" % english, local, text)
    return text


_CRON_DESCRIPTOR_LOCALES = {"en": "en_US", "fr": "fr_FR", "de": "de_DE"}


def describe(expression, locale="en"):
    """The periodicity in words, for people who do not read cron.

    Never raises: an invalid expression is described by itself, so that a
    listing keeps working with bad stored data.
    """
    try:
        normal = validate(expression, STORED_MAX_LENGTH)
    except InvalidPeriodicity:
        return as_text(expression or "")
    language = _language(locale)
    if language not in _PHRASES:
        language = "en"
    try:
        from cron_descriptor import ExpressionDescriptor
        from cron_descriptor import Options
    except ImportError:
        return _fallback_describe(normal, language)
    try:
        options = Options()
        options.locale_code = _CRON_DESCRIPTOR_LOCALES[language]
        options.use_24hour_time_format = True
        options.day_of_week_start_index_zero = True
        text = ExpressionDescriptor(
            ALIASES.get(normal, normal), options
        ).get_description()
    except Exception:
        # cron_descriptor has its own parser and its own exceptions; none
        # of them should break a page that only wants a label.
        return _fallback_describe(normal, language)
    if not text:
        return _fallback_describe(normal, language)
    return _translate_names(as_text(text), language)
