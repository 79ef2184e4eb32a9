# -*- coding: utf-8 -*-
"""``LazyCrons``: a crontab's crons, read from the registry when needed.

A cron's page, the edit form, a job run or ``GET @crons/<uid>`` need one
cron: reading all 10,000 (each one validated) took 2.5 s.  ``Crontab.load``
gives a crontab whose ``crons`` reads one record on ``get``, ``[uid]``,
``in``, and every record the first time the whole crontab is needed
(iteration, ``len``, ``values``, a full ``save``).  What was read, added or
removed before that is kept: the full read replaces the stored copy of a
cron by the one already handed out (same place in the order), appends the
crons added and leaves out those removed.
"""

from collections import OrderedDict

_MISSING = object()


class LazyCrons(object):
    """An ordered mapping uid -> Cron, read through ``read(uid or None)``."""

    def __init__(self, crontab, read):
        self._crontab = crontab
        self._read = read
        self._data = None
        self.reading = False
        # Until the full read: uid -> Cron, or None (absent or removed).
        self._seen = OrderedDict()

    @property
    def complete(self):
        return self._data is not None

    def _adopt(self, cron):
        cron.crontab = self._crontab
        return cron

    def _full(self):
        if self._data is None:
            self.reading = True
            try:
                crons = self._read(None)
            finally:
                self.reading = False
            data = OrderedDict((cron.uid, self._adopt(cron)) for cron in crons)
            for uid, cron in self._seen.items():
                if cron is None:
                    data.pop(uid, None)
                else:
                    data[uid] = cron
            self._data = data
            self._seen = None
        return self._data

    def get(self, uid, default=None):
        if self._data is not None:
            return self._data.get(uid, default)
        if uid not in self._seen:
            found = self._read(uid)
            self._seen[uid] = self._adopt(found[0]) if found else None
        cron = self._seen[uid]
        return default if cron is None else cron

    def __getitem__(self, uid):
        cron = self.get(uid, _MISSING)
        if cron is _MISSING:
            raise KeyError(uid)
        return cron

    def __contains__(self, uid):
        return self.get(uid, _MISSING) is not _MISSING

    def __setitem__(self, uid, cron):
        if self._data is not None:
            self._data[uid] = cron
        else:
            self._seen[uid] = cron

    def __delitem__(self, uid):
        if self._data is not None:
            del self._data[uid]
            return
        if self.get(uid, _MISSING) is _MISSING:
            raise KeyError(uid)
        self._seen[uid] = None

    def pop(self, uid, *default):
        cron = self.get(uid, _MISSING)
        if cron is _MISSING:
            if default:
                return default[0]
            raise KeyError(uid)
        del self[uid]
        return cron

    def __iter__(self):
        return iter(list(self._full()))

    def __len__(self):
        return len(self._full())

    def __bool__(self):
        return bool(self._full())

    __nonzero__ = __bool__

    def keys(self):
        return list(self._full().keys())

    def values(self):
        return list(self._full().values())

    def items(self):
        return list(self._full().items())

    def __eq__(self, other):
        return OrderedDict(self._full()) == other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        if self._data is None:
            return "<LazyCrons (%d read)>" % len(self._seen)
        return "<LazyCrons %r>" % (list(self._data),)
