# -*- coding: utf-8 -*-
"""Periodicities: parsing, occurrences, time zones and descriptions.

A periodicity is a classic 5-field cron expression (minute, hour, day of
month, month, day of week) or one of the aliases in ``ALIASES``.  Parsing
is delegated to croniter, which is the same library on Python 2.7 and 3.x,
so a periodicity accepted by one environment is accepted by all of them.
This module adds what croniter does not give: field-by-field error
messages, a refusal of the extensions we do not want (seconds and year
fields, hashed ``H`` and random ``R`` values) and, above all, one
well-defined behaviour around daylight saving time changes.

Every function returns aware UTC datetimes (``pytz.utc``, no
microseconds), because that is what the crontab stores and what the job
engines are given.  Occurrences are nevertheless computed in the cron's own
time zone, so that ``0 3 * * *`` in Europe/Paris means 03:00 on the Paris
clock all year long.

Daylight saving time
--------------------

Two kinds of periodicities are told apart by their hour field.

*Wall-clock periodicities* name particular hours (``30 2 * * *``,
``0 9-17 * * 1-5``, ``@daily``).  They follow the local clock:

- a wall time that does not exist (the clock jumps from 02:00 to 03:00 in
  Europe/Paris on 2025-03-30) runs at the first valid instant after it,
  03:00 local.  Several missing wall times that land on that same instant
  (``0,30 2 * * *``) run once;
- a wall time that occurs twice (02:30 happens twice in Europe/Paris on
  2025-10-26) runs once, at its first occurrence.

*Elapsed-time periodicities* have an hour field that covers every hour
(``*``, ``*/1`` or ``0-23``: ``*/15 * * * *``, ``0 * * * *``, ``@hourly``).
Such a cron is not tied to a particular hour of the clock, so it follows
elapsed time: it fires at every real instant whose local minute, day,
month and weekday match.  Through a repeated hour it keeps running (every
15 minutes through both copies of 02:00-02:59; ``0 * * * *`` runs at both
02:00), and on a spring-forward day nothing is skipped nor bunched up: the
clock goes from 01:45 to 03:00 and the cron runs at both, 15 minutes
apart.

Both rules produce strictly increasing sequences without duplicates, which
the scheduler relies on to record each occurrence exactly once.

croniter's own handling of aware datetimes is not used: on a
spring-forward day it moves ``30 2 * * *`` to 03:30 instead of 03:00 and
gives no guarantee for the repeated hour.  Wall-clock periodicities are
computed on naive local times and localised with pytz here; elapsed-time
periodicities are computed piecewise between the time zone's UTC offset
transitions, read from pytz's tables (pytz keeps explicit transitions up
to 2037; later dates use the last known offset).
"""

from __future__ import unicode_literals

from collective.cron import _
from croniter import croniter
from croniter import CroniterBadDateError
from croniter import CroniterError
from six.moves import range

import bisect
import datetime
import difflib
import pytz
import re
import six

DEFAULT_TIMEZONE = "UTC"

ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

# Date of reference for period_seconds: a fixed one keeps the answer
# stable from one day to the next, and early January is far from the DST
# changes of most zones.
REFERENCE_DATE = datetime.datetime(2001, 1, 1, tzinfo=pytz.utc)

MONTH_NAMES = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

# (name, lowest, highest, names) for each of the five fields, in order.
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
)

# Field labels offered to translators; the English one is kept in str().
_FIELD_LABELS = {
    "minute": _("periodicity_field_minute", default="minute"),
    "hour": _("periodicity_field_hour", default="hour"),
    "day of month": _("periodicity_field_day_of_month", default="day of month"),
    "month": _("periodicity_field_month", default="month"),
    "day of week": _("periodicity_field_day_of_week", default="day of week"),
}

_ONE_SECOND = datetime.timedelta(seconds=1)
_MAX_STEPS = 100000
_SUBSTITUTION = re.compile(r"\$\{(\w+)\}")
_HASHED = re.compile(r"^[hr](\(|/|$)", re.IGNORECASE)


def _text(value):
    """Turn anything into text, bytes being UTF-8, so messages never fail."""
    if isinstance(value, six.binary_type):
        return value.decode("utf-8", "replace")
    return six.text_type(value)


def _interpolate(default, mapping):
    def replace(match):
        return _text(mapping.get(match.group(1), match.group(0)))

    return _SUBSTITUTION.sub(replace, default)


class _TranslatableError(ValueError):
    """An error whose text can be shown in the site's language.

    ``str(error)`` is the English text, for logs and tracebacks;
    ``error.message_id`` is the same text as a zope.i18nmessageid Message
    (with its mapping) for forms and the REST API to translate.
    """

    def __init__(self, msgid, default, mapping):
        mapping = dict((k, _text(v)) for k, v in mapping.items())
        self.text = _interpolate(default, mapping)
        translatable = dict(mapping)
        if "field" in mapping and mapping["field"] in _FIELD_LABELS:
            translatable["field"] = _FIELD_LABELS[mapping["field"]]
        self.message_id = _(msgid, default=default, mapping=translatable)
        if six.PY2:
            ValueError.__init__(self, self.text.encode("utf-8"))
        else:
            ValueError.__init__(self, self.text)

    def __unicode__(self):
        return self.text


class InvalidPeriodicity(_TranslatableError):
    """A periodicity that cannot be saved.

    ``field`` names the culprit ('minute', 'hour', 'day of month', 'month',
    'day of week') so that a form can point at it; it is None when the
    expression as a whole is wrong (empty, wrong number of fields, unknown
    alias).  ``value`` is the offending text.
    """

    def __init__(self, msgid, default, field=None, value="", **mapping):
        self.field = field
        self.value = _text(value)
        mapping["value"] = self.value
        if field is not None:
            mapping["field"] = field
        _TranslatableError.__init__(self, msgid, default, mapping)


class InvalidTimezone(_TranslatableError):
    """A time zone name that pytz does not know."""

    def __init__(self, name, suggestion=None):
        self.name = _text(name)
        if suggestion:
            _TranslatableError.__init__(
                self,
                "periodicity_error_timezone_suggestion",
                'Unknown time zone "${name}": did you mean "${suggestion}"?',
                {"name": self.name, "suggestion": suggestion},
            )
        else:
            _TranslatableError.__init__(
                self,
                "periodicity_error_timezone",
                'Unknown time zone "${name}": use an IANA name such as '
                '"Europe/Paris" or "UTC"',
                {"name": self.name},
            )


# ---------------------------------------------------------------------------
# Validation


def _field_error(index, value, msgid, default, **mapping):
    return InvalidPeriodicity(
        msgid, default, field=FIELDS[index][0], value=value, **mapping
    )


def _generic_field_error(index, value):
    names = FIELDS[index][3]
    if names:
        return _field_error(
            index,
            value,
            "periodicity_error_field_syntax_names",
            'Invalid ${field} field "${value}": use a number or a name '
            "(${first} to ${last}), a range (1-5), a list (1,3,5), "
            "a step (*/2) or *",
            first=names[0],
            last=names[-1],
        )
    return _field_error(
        index,
        value,
        "periodicity_error_field_syntax",
        'Invalid ${field} field "${value}": use a number, a range (1-5), '
        "a list (1,15,30), a step (*/10) or *",
    )


def _out_of_range(index, value):
    name, low, high, names = FIELDS[index]
    if name == "day of week":
        return _field_error(
            index,
            value,
            "periodicity_error_day_of_week_range",
            'Invalid ${field} field "${value}": values must be between '
            "${min} and ${max} (Sunday is 0 or 7) or names sun to sat",
            min=low,
            max=high,
        )
    return _field_error(
        index,
        value,
        "periodicity_error_range",
        'Invalid ${field} field "${value}": values must be between ${min} and ${max}',
        min=low,
        max=high,
    )


def _diagnose(index, value):
    """Explain why croniter refused one field.

    croniter says only "not acceptable" or "out of range" for the whole
    expression; the person who typed it wants to know which part to fix.
    """
    name, low, high, names = FIELDS[index]
    for item in value.lower().split(","):
        base, slash, step = item.partition("/")
        if slash:
            if not step.isdigit() or int(step) == 0:
                return _field_error(
                    index,
                    value,
                    "periodicity_error_step",
                    'Invalid ${field} field "${value}": a step (after "/") '
                    "must be a whole number greater than 0",
                )
        if name == "day of week" and "#" in base:
            base, _sharp, nth = base.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                return _field_error(
                    index,
                    value,
                    "periodicity_error_nth_weekday",
                    'Invalid ${field} field "${value}": the number after "#" '
                    "must be between 1 and 5",
                )
        if base in ("*", "?") or (base == "l" and name == "day of month"):
            continue
        for bound in base.split("-"):
            if bound.isdigit():
                if not low <= int(bound) <= high:
                    return _out_of_range(index, value)
            elif bound.isalpha() and names:
                if bound not in names:
                    return _field_error(
                        index,
                        value,
                        "periodicity_error_unknown_name",
                        'Invalid ${field} field "${value}": unknown name '
                        '"${name}", use ${first} to ${last}',
                        name=bound,
                        first=names[0],
                        last=names[-1],
                    )
            else:
                return _generic_field_error(index, value)
    return _generic_field_error(index, value)


def _split(expression):
    if expression is None:
        expression = ""
    expression = _text(expression)
    return expression.split()


def validate(expression):
    """Check a periodicity and return it in its normal form.

    The normal form (single spaces, aliases in lower case) is what gets
    stored, so that two spellings of one schedule compare equal.  Anything
    that would not be understood the same way by every environment is
    refused here, at save time, rather than failing later in a worker.
    """
    parts = _split(expression)
    if not parts:
        raise InvalidPeriodicity(
            "periodicity_error_empty",
            'The periodicity is empty: give 5 fields such as "*/15 * * * *" '
            "or an alias such as @daily",
        )
    if len(parts) == 1 and parts[0].startswith("@"):
        alias = parts[0].lower()
        if alias not in ALIASES:
            raise InvalidPeriodicity(
                "periodicity_error_alias",
                'Unknown alias "${value}": use one of ${aliases}',
                value=parts[0],
                aliases=", ".join(sorted(ALIASES)),
            )
        return alias
    normalised = " ".join(parts)
    if len(parts) > 5:
        raise InvalidPeriodicity(
            "periodicity_error_too_many_fields",
            "A periodicity has exactly 5 fields (minute, hour, day of month, "
            'month, day of week), "${value}" has ${count}: seconds and years '
            "are not supported",
            value=normalised,
            count=len(parts),
        )
    if len(parts) < 5:
        raise InvalidPeriodicity(
            "periodicity_error_too_few_fields",
            "A periodicity has exactly 5 fields (minute, hour, day of month, "
            'month, day of week), "${value}" has ${count}',
            value=normalised,
            count=len(parts),
        )
    for index, value in enumerate(parts):
        # croniter would accept H and R without complaint, yet they make the
        # schedule depend on a hash seed or on chance.
        if any(_HASHED.match(item) for item in value.split(",")):
            raise _field_error(
                index,
                value,
                "periodicity_error_hashed",
                'Invalid ${field} field "${value}": hashed (H) and random (R) '
                "values are not supported",
            )
        alone = ["*"] * 5
        alone[index] = value
        try:
            croniter.expand(" ".join(alone))
        except (CroniterError, ValueError, TypeError, IndexError, KeyError):
            raise _diagnose(index, value)
    try:
        croniter(normalised, REFERENCE_DATE.replace(tzinfo=None)).get_next(
            datetime.datetime
        )
    except CroniterBadDateError:
        # Only a day of month that no chosen month has can do that (30 2),
        # or an nth weekday that never comes.
        index = 4 if "#" in parts[4] and parts[2] == "*" else 2
        raise _field_error(
            index,
            parts[index],
            "periodicity_error_never",
            'Invalid ${field} field "${value}": no date matches it in the '
            "chosen months, the cron would never run",
        )
    except (CroniterError, ValueError, TypeError, IndexError, KeyError):
        raise InvalidPeriodicity(
            "periodicity_error_expression",
            'Invalid periodicity "${value}"',
            value=normalised,
        )
    return normalised


class _Schedule(object):
    """A validated periodicity ready for computation."""

    def __init__(self, expression):
        self.expression = validate(expression)
        self.fields = ALIASES.get(self.expression, self.expression)
        hours = croniter.expand(self.fields)[0][1]
        self.elapsed = hours == ["*"] or set(hours) == set(range(24))

    def cursor(self):
        """A fresh croniter, so that no two threads ever share one.

        Parsing costs more than a step, so a cursor is reused for every
        step of one computation, moved with ``start_time``.
        """
        return croniter(self.fields, REFERENCE_DATE.replace(tzinfo=None))


_schedules = {}


def _schedule(expression):
    key = _text(expression) if expression is not None else ""
    found = _schedules.get(key)
    if found is None:
        found = _Schedule(expression)
        if len(_schedules) > 1000:
            _schedules.clear()
        _schedules[key] = found
    return found


# ---------------------------------------------------------------------------
# Time zones and instants


def get_timezone(name=None):
    """Return the pytz time zone called ``name``.

    An empty name gives ``DEFAULT_TIMEZONE`` because crons saved by
    collective.cron 2.x have no time zone; a tzinfo is returned as is so
    that callers may pass either.
    """
    if name is None or (isinstance(name, six.string_types) and not name.strip()):
        name = DEFAULT_TIMEZONE
    if not isinstance(name, six.string_types):
        if hasattr(name, "localize") and hasattr(name, "normalize"):
            return name
        raise InvalidTimezone(repr(name))
    name = name.strip()
    try:
        return pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError, UnicodeError):
        close = difflib.get_close_matches(name, pytz.all_timezones, n=1)
        raise InvalidTimezone(name, close[0] if close else None)


def _as_utc(value):
    """A naive datetime is taken as UTC: that is how Zope code stores them."""
    if not isinstance(value, datetime.datetime):
        raise TypeError("expected a datetime, got %r" % (value,))
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=pytz.utc)
    else:
        value = value.astimezone(pytz.utc)
    # Occurrences fall on whole minutes, so sub-seconds never change which
    # one comes next or before.
    return value.replace(microsecond=0)


def _wall(instant, tz):
    return instant.astimezone(tz).replace(tzinfo=None)


def _offset(instant, tz):
    return instant.astimezone(tz).utcoffset()


def _transitions(tz):
    """The instants (aware UTC) where the zone changes its UTC offset."""
    times = getattr(tz, "_utc_transition_times", None) or []
    return [t.replace(tzinfo=pytz.utc) for t in times[1:]]


_transitions_cache = {}


def _zone_transitions(tz):
    key = getattr(tz, "zone", None) or id(tz)
    found = _transitions_cache.get(key)
    if found is None:
        found = _transitions_cache[key] = _transitions(tz)
    return found


def _first_instant(wall, tz):
    """The earliest instant whose local time is ``wall`` or later.

    That is the wall-clock rule in one place: an existing wall time maps to
    itself, a repeated one to its first occurrence, a missing one to the
    moment the clock jumps past it.
    """
    try:
        return tz.localize(wall, is_dst=None).astimezone(pytz.utc)
    except pytz.AmbiguousTimeError:
        both = [
            tz.localize(wall, is_dst=flag).astimezone(pytz.utc)
            for flag in (True, False)
        ]
        return min(both)
    except pytz.NonExistentTimeError:
        both = [
            tz.localize(wall, is_dst=flag).astimezone(pytz.utc)
            for flag in (True, False)
        ]
        earliest = min(both)
        transitions = _zone_transitions(tz)
        index = bisect.bisect_right(transitions, earliest)
        if index < len(transitions):
            return transitions[index]
        return max(both)


def _next_wall(cursor, wall, inclusive=False):
    if inclusive:
        wall = wall - _ONE_SECOND
    return cursor.get_next(datetime.datetime, start_time=wall)


def _prev_wall(cursor, wall, inclusive=False):
    if inclusive:
        wall = wall + _ONE_SECOND
    return cursor.get_prev(datetime.datetime, start_time=wall)


def _next_elapsed(cursor, after, tz):
    # Between two transitions the offset is fixed and local time is plain
    # arithmetic on UTC; croniter can then work on naive local times.
    transitions = _zone_transitions(tz)
    current, inclusive = after, False
    for _step in range(_MAX_STEPS):
        offset = _offset(current, tz)
        index = bisect.bisect_right(transitions, current)
        end = transitions[index] if index < len(transitions) else None
        wall = _next_wall(cursor, (current + offset).replace(tzinfo=None), inclusive)
        candidate = wall.replace(tzinfo=pytz.utc) - offset
        if end is None or candidate < end:
            return candidate
        current, inclusive = end, True
    raise CroniterBadDateError("no occurrence found")


def _previous_elapsed(cursor, before, tz):
    transitions = _zone_transitions(tz)
    current = before
    for _step in range(_MAX_STEPS):
        offset = _offset(current, tz)
        index = bisect.bisect_right(transitions, current)
        start = transitions[index - 1] if index > 0 else None
        wall = _prev_wall(cursor, (current + offset).replace(tzinfo=None), True)
        candidate = wall.replace(tzinfo=pytz.utc) - offset
        if start is None or candidate >= start:
            return candidate
        # Occurrences and transitions fall on whole seconds: "at or before
        # one second earlier" is "strictly before the transition".
        current = start - _ONE_SECOND
    raise CroniterBadDateError("no occurrence found")


def _next_wall_clock(cursor, after, tz):
    # Walls up to the local time of `after` all map to instants up to
    # `after` (the mapping never goes backwards), so start there and skip
    # what a repeated hour or a jump maps at or before `after`.
    wall = _next_wall(cursor, _wall(after, tz))
    for _step in range(_MAX_STEPS):
        candidate = _first_instant(wall, tz)
        if candidate > after:
            return candidate
        wall = cursor.get_next(datetime.datetime)
    raise CroniterBadDateError("no occurrence found")


def _previous_wall_clock(cursor, before, tz):
    # Inside the second copy of a repeated hour, later wall times of that
    # hour already ran in the first copy: start the backward walk late
    # enough to see them.
    offset = _offset(before, tz)
    margin = datetime.timedelta(0)
    transitions = _zone_transitions(tz)
    low = bisect.bisect_left(transitions, before - datetime.timedelta(days=2))
    high = bisect.bisect_right(transitions, before)
    for transition in transitions[low:high]:
        margin = max(margin, _offset(transition - _ONE_SECOND, tz) - offset)
    wall = _prev_wall(cursor, _wall(before, tz) + margin, True)
    for _step in range(_MAX_STEPS):
        candidate = _first_instant(wall, tz)
        if candidate <= before:
            return candidate
        wall = cursor.get_prev(datetime.datetime)
    raise CroniterBadDateError("no occurrence found")


def _next(schedule, cursor, after, tz):
    if schedule.elapsed:
        return _next_elapsed(cursor, after, tz)
    return _next_wall_clock(cursor, after, tz)


def iter_occurrences(expression, after, timezone=DEFAULT_TIMEZONE):
    """Yield the occurrences strictly after ``after``, endlessly."""
    schedule = _schedule(expression)
    tz = get_timezone(timezone)
    cursor = schedule.cursor()
    current = _as_utc(after)
    while True:
        current = _next(schedule, cursor, current, tz)
        yield current


def next_occurrence(expression, after, timezone=DEFAULT_TIMEZONE):
    """The first run strictly after ``after``, as an aware UTC datetime.

    "Strictly" lets the scheduler pass the occurrence that just ran and get
    the following one, never the same one again.
    """
    schedule = _schedule(expression)
    return _next(schedule, schedule.cursor(), _as_utc(after), get_timezone(timezone))


def next_occurrences(expression, after, timezone=DEFAULT_TIMEZONE, count=5):
    """The ``count`` first runs strictly after ``after`` (for the dashboard)."""
    occurrences = []
    if count <= 0:
        return occurrences
    for occurrence in iter_occurrences(expression, after, timezone):
        occurrences.append(occurrence)
        if len(occurrences) >= count:
            break
    return occurrences


def occurrences_between(expression, start, end, timezone=DEFAULT_TIMEZONE, limit=1000):
    """The runs t with start < t <= end, at most ``limit`` of them.

    The bounds match the missed-run catch-up: ``start`` is the last
    occurrence that ran, ``end`` is now.  ``limit`` keeps a cron that runs
    every minute and was down for weeks from building a huge list.
    """
    end = _as_utc(end)
    occurrences = []
    if limit <= 0:
        return occurrences
    for occurrence in iter_occurrences(expression, start, timezone):
        if occurrence > end or len(occurrences) >= limit:
            break
        occurrences.append(occurrence)
    return occurrences


def previous_occurrence(expression, before, timezone=DEFAULT_TIMEZONE):
    """The last run at or before ``before``: which occurrence is due now."""
    schedule = _schedule(expression)
    tz = get_timezone(timezone)
    before = _as_utc(before)
    if schedule.elapsed:
        return _previous_elapsed(schedule.cursor(), before, tz)
    return _previous_wall_clock(schedule.cursor(), before, tz)


def period_seconds(expression, timezone=DEFAULT_TIMEZONE):
    """Roughly the shortest gap, in seconds, between two runs.

    Good enough to size bounded stores and to notice that no worker ran
    for longer than a cron's period; not a promise about any given gap.
    """
    occurrences = next_occurrences(expression, REFERENCE_DATE, timezone, count=11)
    gaps = [
        (later - earlier).total_seconds()
        for earlier, later in zip(occurrences, occurrences[1:])
    ]
    return int(min(gaps)) if gaps else 0


# ---------------------------------------------------------------------------
# Descriptions

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
    return (_text(locale or "en").replace("-", "_").split("_")[0] or "en").lower()


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
        normal = validate(expression)
    except InvalidPeriodicity:
        return _text(expression or "")
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
        normal = validate(expression)
    except InvalidPeriodicity:
        return _text(expression or "")
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
    return _translate_names(_text(text), language)
