# -*- coding: utf-8 -*-
"""``Log``: one entry of a cron's history, and its statuses.

A log says how one run ended (``status``: FAILURE, OK, WARN or NOTRUN,
the integers of collective.cron 2.x so that stored data reads back), when
(``date``, ``started``, ``duration``: aware UTC), why it ran (``trigger``)
and where (``instance``).  ``dump()``/``load()`` give a JSON-compatible
round trip; ``load()`` also reads the logs of 2.x through
``collective.cron.legacy`` (naive local dates, integer statuses).
"""

from collective.cron import clock
from collective.cron import legacy
from collective.cron.compat import as_text
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.cron import InvalidCron
from collective.cron.interfaces import ILog
from zope.interface import implementer

import datetime
import json

FAILURE = 0
OK = 1
WARN = 2
NOTRUN = 3

STATUS_NAMES = {FAILURE: "FAILURE", OK: "OK", WARN: "WARN", NOTRUN: "NOTRUN"}
STATUS_VALUES = dict((name, value) for value, name in STATUS_NAMES.items())

# What started a run: its occurrence, Run now, a catch-up of a missed one,
# another attempt of a run that raised (retries.py), or the run that waited
# for the previous one (overlap.py, "queue one").
TRIGGERS = ("schedule", "manual", "catch-up", "retry", "queued")


def status_value(status):
    """The integer of a status given as a name, an integer or its digits."""
    if isinstance(status, string_types) and status.strip().upper() in STATUS_VALUES:
        return STATUS_VALUES[status.strip().upper()]
    name = legacy.status_name(status)
    if name is None:
        raise InvalidCron(
            "Unknown log status %r: use one of %s"
            % (status, ", ".join(sorted(STATUS_VALUES))),
            "status",
        )
    return STATUS_VALUES[name]


def as_messages(value):
    """Runners and 2.x data give a text, a list of texts or nothing."""
    if value is None:
        return []
    if isinstance(value, (string_types, binary_type)):
        return [as_text(value)] if value else []
    if isinstance(value, (list, tuple)):
        return [as_text(item) for item in value if item is not None]
    return [as_text(value)]


def parse_date(value, local_timezone=None):
    """A date of 3.x (ISO with offset) or 2.x (naive local time) as aware UTC.

    collective.cron 2.x wrote ``"YYYY-mm-dd HH:MM:SS"`` in the server's
    local time; ``local_timezone`` (a name) says which zone that was, else
    the zone of this process is assumed (``legacy.local_to_utc``).
    """
    if value is None or value == "":
        return None
    when = value
    if not isinstance(value, datetime.datetime):
        try:
            when = clock.parse_iso(value)
        except ValueError:
            raise InvalidCron("Unreadable date %r" % (value,), "date")
    if when.tzinfo is None:
        return legacy.local_to_utc(when, local_timezone)
    return clock.as_utc(when)


def _optional_utc(when):
    return clock.as_utc(when) if when is not None else None


@implementer(ILog)
class Log(object):
    """One entry of a cron's history."""

    def __init__(
        self,
        date=None,
        status=NOTRUN,
        messages=None,
        started=None,
        duration=None,
        trigger=u"schedule",
        instance=u"",
        scheduled=None,
        detail=u"",
    ):
        self.date = clock.as_utc(date) if date is not None else clock.now()
        self.status = status_value(status)
        self.messages = as_messages(messages)
        self.started = _optional_utc(started)
        self.duration = float(duration) if duration is not None else None
        self.trigger = as_text(trigger) or u"schedule"
        self.instance = as_text(instance)
        self.scheduled = _optional_utc(scheduled)
        self.detail = as_text(detail)

    @property
    def status_name(self):
        return STATUS_NAMES[self.status]

    def dump(self):
        return {
            "date": clock.to_iso(self.date),
            "status": self.status,
            "messages": list(self.messages),
            "started": clock.to_iso(self.started),
            "duration": self.duration,
            "trigger": self.trigger,
            "instance": self.instance,
            "scheduled": clock.to_iso(self.scheduled),
            "detail": self.detail,
        }

    @classmethod
    def load(cls, data, local_timezone=None):
        """Build a log from ``dump()`` output or from a 2.x log dict."""
        if isinstance(data, (string_types, binary_type)):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise InvalidCron("A log is not valid JSON: %s" % (error,), "logs")
        if not isinstance(data, dict):
            raise InvalidCron("A log must be a JSON object, not %r" % (data,), "logs")
        if data.get("status") is None:
            raise InvalidCron("A log needs a status", "status")
        return cls(
            date=parse_date(data.get("date"), local_timezone),
            status=data.get("status"),
            messages=data.get("messages", data.get("message")),
            started=parse_date(data.get("started"), local_timezone),
            duration=data.get("duration"),
            trigger=data.get("trigger") or u"schedule",
            instance=data.get("instance") or u"",
            scheduled=parse_date(data.get("scheduled"), local_timezone),
            detail=data.get("detail") or u"",
        )

    def __eq__(self, other):
        return isinstance(other, Log) and self.dump() == other.dump()

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self):
        return "<Log %s %s %r>" % (
            self.status_name,
            clock.to_iso(self.date),
            self.messages,
        )
