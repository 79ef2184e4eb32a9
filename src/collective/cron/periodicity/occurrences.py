# -*- coding: utf-8 -*-
"""When a periodicity runs: occurrences, time zones and daylight saving time.

Every function returns aware UTC datetimes (``pytz.utc``, no
microseconds), because that is what the crontab stores and what the job
engines are given.  Occurrences are nevertheless computed in the cron's own
time zone, so that ``0 3 * * *`` in Europe/Paris means 03:00 on the Paris
clock all year long.  A cron without a zone runs in its site's zone
(``site_timezone()``: ``plone.portal_timezone``), else in UTC.

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

from collective.cron import clock
from collective.cron import logger
from collective.cron.compat import as_text
from collective.cron.compat import string_types
from collective.cron.periodicity.validate import ALIASES
from collective.cron.periodicity.validate import InvalidTimezone
from collective.cron.periodicity.validate import REFERENCE_DATE
from collective.cron.periodicity.validate import STORED_MAX_LENGTH
from collective.cron.periodicity.validate import validate
from croniter import croniter
from croniter import CroniterBadDateError
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility

import bisect
import datetime
import difflib
import itertools
import pytz

DEFAULT_TIMEZONE = "UTC"

_ONE_SECOND = datetime.timedelta(seconds=1)
# Bound of every search loop: a periodicity that matches nothing for that
# many steps is a bug, not a reason to spin forever.
_MAX_STEPS = 100000


class _Schedule(object):
    """A validated periodicity ready for computation."""

    def __init__(self, expression):
        self.expression = validate(expression, STORED_MAX_LENGTH)
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
    key = as_text(expression)
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
    if name is None or (isinstance(name, string_types) and not name.strip()):
        name = DEFAULT_TIMEZONE
    if not isinstance(name, string_types):
        if hasattr(name, "localize") and hasattr(name, "normalize"):
            return name
        raise InvalidTimezone(repr(name))
    name = name.strip()
    try:
        return pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError, UnicodeError):
        close = difflib.get_close_matches(name, pytz.all_timezones, n=1)
        raise InvalidTimezone(name, close[0] if close else None)


def site_timezone():
    """The current site's ``plone.portal_timezone``, or empty when unset.

    The zone of the crons that name none, and the zone in which the naive
    dates of collective.cron 2.x are read.  A name that pytz does not know
    is logged and ignored (UTC applies) rather than stopping every cron.
    """
    registry = queryUtility(IRegistry)
    if registry is None:
        return ""
    value = registry.get("plone.portal_timezone", None)
    if not value:
        return ""
    try:
        get_timezone(value)
    except InvalidTimezone:
        logger.warning("Ignoring the site timezone %r: unknown zone", value)
        return ""
    return as_text(value)


def _as_utc(value):
    """A naive datetime is taken as UTC: that is how Zope code stores them."""
    if not isinstance(value, datetime.datetime):
        raise TypeError("expected a datetime, got %r" % (value,))
    # Occurrences fall on whole minutes, so sub-seconds never change which
    # one comes next.
    return clock.as_utc(value).replace(microsecond=0)


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


def _next_elapsed(cursor, after, tz):
    # Between two transitions the offset is fixed and local time is plain
    # arithmetic on UTC; croniter can then work on naive local times.
    transitions = _zone_transitions(tz)
    current, inclusive = after, False
    for _step in itertools.repeat(None, _MAX_STEPS):
        offset = _offset(current, tz)
        index = bisect.bisect_right(transitions, current)
        end = transitions[index] if index < len(transitions) else None
        wall = _next_wall(cursor, (current + offset).replace(tzinfo=None), inclusive)
        candidate = wall.replace(tzinfo=pytz.utc) - offset
        if end is None or candidate < end:
            return candidate
        current, inclusive = end, True
    raise CroniterBadDateError("no occurrence found")


def _next_wall_clock(cursor, after, tz):
    # Walls up to the local time of `after` all map to instants up to
    # `after` (the mapping never goes backwards), so start there and skip
    # what a repeated hour or a jump maps at or before `after`.
    wall = _next_wall(cursor, _wall(after, tz))
    for _step in itertools.repeat(None, _MAX_STEPS):
        candidate = _first_instant(wall, tz)
        if candidate > after:
            return candidate
        wall = cursor.get_next(datetime.datetime)
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
