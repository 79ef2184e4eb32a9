# -*- coding: utf-8 -*-
"""*Pause until*: a cron that does not run before a given time.

The rule, kept simple so that an administrator can predict it:

* a paused cron is not scheduled: its next occurrence is the first one at
  or after the end of the pause (``Cron.next_after``), so it resumes by
  itself, without anyone saving it again;
* occurrences inside the pause are neither run nor logged as missed (they
  were not missed: someone asked for them not to run); a job queued before
  the pause was set is dropped by the claim;
* a manual run ("Run now") still runs: a person asked for it;
* the pause is stored as aware UTC; a time given without an offset (the
  dashboard's form, a REST body, crons.xml) is read in the site's time
  zone, because that is the time the dashboard shows;
* clearing the pause ends it now, and the time it ended is kept: the
  occurrences of the pause must not look missed to the first run after it.

This module only reads and checks the value; ``Cron`` stores it and
``builder.build_cron`` applies the rules that need the stored cron.
"""

from collective.cron import clock
from collective.cron import periodicity
from collective.cron.compat import as_text
from collective.cron.compat import string_types
from collective.cron.cronfields import InvalidCron

import datetime

FIELD = "paused_until"
# A pause is at most this long: a longer one is surely a typo (the year).
MAX_PAUSE_DAYS = 3660
# A microsecond before the end of the pause, so that an occurrence exactly
# at the end runs ("paused until 09:00" runs the 09:00 occurrence).
EPSILON = datetime.timedelta(microseconds=1)


def _invalid(message):
    return InvalidCron(message, FIELD)


def parse(value, zone_name=None):
    """``value`` as an aware UTC datetime, or None for no pause.

    ``value``: None, empty text, a datetime (naive: in ``zone_name``) or an
    ISO 8601 text ("2026-12-24 18:00", "2026-12-24T17:00:00+00:00").  A text
    without an offset is read in ``zone_name`` (default UTC).  Raises
    ``InvalidCron`` naming ``paused_until`` for anything else.
    """
    if value is None:
        return None
    if isinstance(value, string_types):
        text = as_text(value).strip()
        if not text:
            return None
        try:
            value = clock.parse_iso(text)
        except (ValueError, OverflowError):
            raise _invalid(
                "paused_until: '%s' is not a date and time: write it as "
                "YYYY-MM-DD HH:MM (site time) or in ISO 8601 with an offset" % (text,)
            )
    if not isinstance(value, datetime.datetime):
        raise _invalid(
            "paused_until must be a date and time (text), not %s"
            % (type(value).__name__,)
        )
    if value.tzinfo is None:
        zone = periodicity.get_timezone(zone_name or None)
        value = zone.localize(value)
    value = clock.as_utc(value).replace(microsecond=0)
    if value - clock.now() > datetime.timedelta(days=MAX_PAUSE_DAYS):
        raise _invalid(
            "paused_until: %s is more than %d years away: turn the cron off "
            "instead" % (clock.to_iso(value), MAX_PAUSE_DAYS // 366)
        )
    return value


def is_paused(paused_until, now=None):
    """Whether a pause that ends at ``paused_until`` is still going."""
    if paused_until is None:
        return False
    return (now or clock.now()) < paused_until


def schedule_from(paused_until, after):
    """Where to look for the next occurrence after ``after``: not inside
    the pause (the first occurrence at or after its end)."""
    if paused_until is not None and after < paused_until:
        return paused_until - EPSILON
    return after


def paused_at(paused_until, scheduled):
    """Whether the occurrence ``scheduled`` falls inside the pause."""
    return paused_until is not None and scheduled < paused_until


def edited(current, value, now=None):
    """The pause to store when an edit gives ``value`` (parsed) for a cron
    that had ``current`` (parsed).

    Clearing a pause that is still going ends it now; clearing a pause
    that is over keeps the time it ended (see the module's rules).
    """
    if value is not None or current is None:
        return value
    now = now or clock.now()
    return min(current, now.replace(microsecond=0))


def local_text(paused_until, zone_name=None):
    """The pause as "YYYY-MM-DD HH:MM" in ``zone_name``, for a form field;
    empty when there is no pause going."""
    if not is_paused(paused_until):
        return u""
    zone = periodicity.get_timezone(zone_name or None)
    return as_text(paused_until.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
