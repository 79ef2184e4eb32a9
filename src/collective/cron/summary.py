# -*- coding: utf-8 -*-
"""Cron summaries: what a list needs, read from the records without a Cron.

Building a ``Cron`` validates its schedule, zone and parameters: 10,000 of
them take seconds.  A list (the dashboard, ``GET @crons``, the names the
forms offer) only needs the uid, name, description, switch, schedule and
zone of each cron to search, filter and sort, and full crons for the page
it shows.  So :func:`read_records` parses each record's JSON into a small
tuple, cached by the record's text (a text is immutable: the cache is never
stale, an edit makes a new text), and :class:`CronSummary` gives it the
attributes of a cron that ``collective.cron.listing`` reads;
:class:`CronSequence` turns the summaries of a page back into crons, one
record each (``Crontab.crons.get``).
"""

from collective.cron import pause
from collective.cron import periodicity
from collective.cron.compat import as_text
from collective.cron.utils import as_bool

import json
import threading

# Parsed texts kept per process; cleared when it grows past this.
CACHE_SIZE = 100000
_cache = {}
_lock = threading.Lock()
UNREADABLE = object()


def _parse(text):
    """(uid, name, description, activated, periodicity, timezone, position,
    paused_until) of a record's JSON, or UNREADABLE."""
    try:
        data = json.loads(text)
        uid = data["uid"]
        parsed = (
            as_text(uid),
            as_text(data.get("name") or u""),
            as_text(data.get("description") or u""),
            as_bool(data.get("activated", True)),
            as_text(data.get("periodicity") or u""),
            as_text(data.get("timezone") or u""),
            int(data.get("position") or 0),
            _paused_until(data.get("paused_until")),
        )
    except (ValueError, TypeError, AttributeError, KeyError):
        return UNREADABLE
    if not parsed[0]:
        return UNREADABLE
    return parsed


def _paused_until(value):
    """The end of a stored pause (UTC), None for none or an unreadable one:
    a summary never refuses what the cron itself reads leniently."""
    try:
        return pause.parse(value)
    except ValueError:  # InvalidCron
        return None


def parsed(text):
    """``_parse(text)``, from the cache when this text was seen before."""
    found = _cache.get(text)
    if found is None:
        found = _parse(text)
        with _lock:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[text] = found
    return found


def read_records(records, record_name):
    """(summaries in the crontab's order, number of unreadable records) of
    ``records`` [(name, text)]; a record whose name is not its uid's
    (``record_name``) is unreadable, as ``Crontab.load`` has it."""
    entries = []
    unreadable = 0
    for name, text in records:
        found = parsed(text)
        if found is UNREADABLE:
            unreadable += 1
            continue
        if record_name(found[0]) != name:
            unreadable += 1
            continue
        entries.append((found[6], name, found))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry[2] for entry in entries], unreadable


class CronSummary(object):
    """A cron as a list reads it (``collective.cron.listing``): the same
    attribute names as ``Cron``, for one request (it knows its crontab)."""

    __slots__ = ("data", "crontab", "_last")

    def __init__(self, data, crontab):
        self.data = data
        self.crontab = crontab
        self._last = UNREADABLE

    uid = property(lambda self: self.data[0])
    name = property(lambda self: self.data[1])
    description = property(lambda self: self.data[2])
    activated = property(lambda self: self.data[3])
    periodicity = property(lambda self: self.data[4])
    timezone = property(lambda self: self.data[5])
    paused_until = property(lambda self: self.data[7])

    @property
    def paused(self):
        return pause.is_paused(self.data[7])

    @property
    def active(self):
        return self.activated and bool(self.crontab.activated)

    @property
    def effective_timezone(self):
        if self.timezone:
            return self.timezone
        return self.crontab.default_timezone or periodicity.DEFAULT_TIMEZONE

    def next_after(self, when):
        """As ``Cron.next_after``: the next occurrence, not inside a pause."""
        return periodicity.next_occurrence(
            self.periodicity,
            pause.schedule_from(self.data[7], when),
            self.effective_timezone,
        )

    @property
    def last_log(self):
        """The newest stored log (one log-store read, kept)."""
        if self._last is UNREADABLE:
            store = self.crontab.logstore
            self._last = store.last(self.uid) if store is not None else None
        return self._last


class CronSequence(object):
    """Summaries that give crons when read (one record per cron): a page
    of a batch of 10,000 reads the records of its page only."""

    def __init__(self, crontab, summaries):
        self.crontab = crontab
        self.summaries = summaries

    def __len__(self):
        return len(self.summaries)

    def _cron(self, item):
        return self.crontab.crons.get(item.uid)

    def __getitem__(self, index):
        if isinstance(index, slice):
            found = [self._cron(item) for item in self.summaries[index]]
            return [cron for cron in found if cron is not None]
        cron = self._cron(self.summaries[index])
        if cron is None:
            raise IndexError(index)
        return cron

    def __iter__(self):
        for item in self.summaries:
            cron = self._cron(item)
            if cron is not None:
                yield cron
