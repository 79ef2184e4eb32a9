# -*- coding: utf-8 -*-
"""The time of the schedule: ``now()``, and ISO texts of aware UTC times.

Schedules, logs, job states and the missed-run logic read ``now()`` from
here, so a test can freeze or move time (``freeze``/``advance``/``reset``)
instead of sleeping until a cron is due.

It is not the only place that reads the time, on purpose: what measures
real time between processes or for a person reads the system clock,
because a frozen clock there would stop workers or tests from ever timing
out.  Those are the engines' worker heartbeats and loop timers
(``engines/huey.py``: ``time.time()``; ``engines/zcasync.py``: when a site
was marked), the waiting loops of the test helpers (``testing.py``,
``testing_zcasync.py``) and the demo's sample data (``demo.py``).
"""

from collective.cron.compat import as_text
from dateutil.parser import isoparse

import datetime
import pytz

_frozen = None


def now():
    """Current time, aware UTC, without microseconds drift in tests."""
    if _frozen is not None:
        return _frozen
    return datetime.datetime.now(pytz.utc)


def freeze(when):
    """Stop the clock at ``when`` (a naive datetime is taken as UTC)."""
    global _frozen
    _frozen = as_utc(when)
    return _frozen


def advance(**kwargs):
    """Move a frozen clock forward by a timedelta given as keywords."""
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock: call freeze() first")
    return freeze(_frozen + datetime.timedelta(**kwargs))


def reset():
    """Let the clock follow real time again."""
    global _frozen
    _frozen = None


def as_utc(when):
    """``when`` as an aware UTC datetime; a naive value is taken as UTC."""
    if when.tzinfo is None:
        return pytz.utc.localize(when)
    return when.astimezone(pytz.utc)


def to_iso(when):
    """Stable text form of a time, used in JSON and job ids."""
    if when is None:
        return None
    return as_utc(when).isoformat()


def parse_iso(text):
    """An ISO 8601 text as a datetime, aware when the text has an offset.

    python-dateutil reads it (any offset or ``Z``, fractions of a second, a
    space or ``T`` between date and time); a text it cannot read raises
    ValueError.
    """
    return isoparse(as_text(text).strip())


def from_iso(text):
    """Parse what ``to_iso`` wrote as aware UTC; a text without offset is UTC."""
    if not text:
        return None
    return as_utc(parse_iso(text))
