# -*- coding: utf-8 -*-
"""The one place collective.cron asks for the current time.

Schedules, logs and the missed-run logic all read ``now()`` from here, so a
test can freeze or move time (``freeze``/``advance``/``reset``) instead of
sleeping until a cron is due.
"""
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


def from_iso(text):
    """Parse what ``to_iso`` wrote (and ISO texts with any offset or none)."""
    if not text:
        return None
    text = text.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    offset = None
    main = text
    if len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        main, offset = text[:-6], text[-6:]
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in main else "%Y-%m-%dT%H:%M:%S"
    value = datetime.datetime.strptime(main, fmt)
    if offset is None:
        return pytz.utc.localize(value)
    sign = 1 if offset[0] == "+" else -1
    delta = datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return pytz.utc.localize(value - sign * delta)
