# -*- coding: utf-8 -*-
"""``Crontab``: the crons of one site, in order, with a global on/off switch.

The crontab is read from and saved to the site's registry by its manager
(``ICrontabRegistryManager``), its crons' logs live in the site's log
store (``ILogStore``) and saving it fires ``ModifiedCrontabEvent``, on
which the job queue is synchronised.  The other models live beside it:
``cron.py`` (``Cron``, ``InvalidCron``), ``log.py`` (``Log``, statuses)
and ``runner.py`` (``Runner``, importable from here as the documentation
shows).  The names marked "moved" below are imported from here by other
parts until they switch to the new modules.

Reading is lenient and saving strict: the registry is read inside
``limits.reading_stored()`` (a stored cron that breaks a limit made after
it was saved still loads and runs), and ``save()`` checks each cron
changed since it was built or read before anything is written, so a
refused save changes nothing.
"""

from collections import OrderedDict
from collective.cron.compat import binary_type
from collective.cron.compat import string_types
from collective.cron.cron import Cron
from collective.cron.cron import DEFAULT_LOGS_LIMIT  # noqa: F401 (moved)
from collective.cron.cron import InvalidCron
from collective.cron.cron import MAX_LOGS_LIMIT  # noqa: F401 (moved)
from collective.cron.cron import MISSED_POLICIES  # noqa: F401 (moved)
from collective.cron.cronmap import LazyCrons
from collective.cron.events import ModifiedCrontabEvent
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabRegistryManager
from collective.cron.interfaces import ILogStore
from collective.cron.limits import reading_stored
from collective.cron.log import FAILURE  # noqa: F401 (moved)
from collective.cron.log import Log  # noqa: F401 (moved)
from collective.cron.log import NOTRUN  # noqa: F401 (moved)
from collective.cron.log import OK  # noqa: F401 (moved)
from collective.cron.log import STATUS_NAMES  # noqa: F401 (moved)
from collective.cron.log import WARN  # noqa: F401 (moved)
from collective.cron.periodicity import site_timezone
from collective.cron.runner import Runner  # noqa: F401 (the documented import)
from collective.cron.utils import as_bool
from zope.component.hooks import getSite
from zope.event import notify
from zope.interface import implementer

import json


@implementer(ICrontab)
class Crontab(object):
    """The crons of one site, in order, with a global on/off switch."""

    def __init__(self, crons=None, activated=True, manager=None, site=None):
        self.crons = OrderedDict()
        self.activated = as_bool(activated)
        self.manager = manager
        self.site = site
        self.default_timezone = u""
        self.logstore = None
        # Registry entries that could not be read: written back untouched
        # so that saving never loses data somebody can still repair.
        self._unreadable = []
        # What the last save wrote: {"written": [uids], "removed": [uids]}.
        self.last_saved = None
        # The uids whose queue entries the last save asks to follow it, or
        # None for all of them (set by the registry manager).
        self.changed = None
        for cron in crons or []:
            self.add_cron(cron)

    # -- building ------------------------------------------------------

    @classmethod
    def load(cls, context=None, read_only=False):
        """The crontab of a site, read from its registry.

        ``context`` is the site (default: the current site).  With
        ``read_only`` every save is a no-op and nothing is synchronised.
        """
        site = context if context is not None else getSite()
        crontab = cls(site=site)
        manager = crontab.manager = ICrontabRegistryManager(crontab)
        manager.read_only = read_only
        crontab.activated = manager.activated

        def read(uid=None):
            with reading_stored():
                return manager.read(uid)

        # Read when needed: one record for one cron (collective.cron.cronmap).
        crontab.crons = LazyCrons(crontab, read)
        if site is not None:
            crontab.logstore = ILogStore(site, None)
            crontab.default_timezone = site_timezone()
        return crontab

    @classmethod
    def load_cron(cls, uid, context=None):
        """One cron of a site's crontab, or None, without parsing the others.

        Its crontab (``cron.crontab``) holds only that cron: it is for
        reading (the global switch, the timezone, the logs) and refuses to
        save, which would drop every other cron.
        """
        site = context if context is not None else getSite()
        crontab = cls(site=site)
        crontab.manager = ICrontabRegistryManager(crontab)
        crontab.manager.read_only = True
        crontab.partial = True
        with reading_stored():
            crontab.manager.load(only=uid)
        if site is not None:
            crontab.logstore = ILogStore(site, None)
            crontab.default_timezone = site_timezone()
        return crontab.crons.get(uid)

    @classmethod
    def from_dump(cls, data):
        """A detached crontab from ``dump()`` output (validates every cron)."""
        if isinstance(data, (string_types, binary_type)):
            data = json.loads(data)
        if not isinstance(data, dict):
            raise InvalidCron("A crontab must be a JSON object")
        crontab = cls(activated=data.get("activated", True))
        for item in data.get("crons") or []:
            crontab.add_cron(Cron.load(item))
        return crontab

    # -- changing ------------------------------------------------------

    @property
    def unreadable(self):
        """The entries that could not be read (all crons are read first)."""
        crons = self.crons
        if isinstance(crons, LazyCrons) and not (crons.complete or crons.reading):
            crons.values()
        return self._unreadable

    @unreadable.setter
    def unreadable(self, value):
        self._unreadable = value

    @property
    def read_only(self):
        return self.manager is not None and bool(self.manager.read_only)

    def add_cron(self, cron):
        cron.crontab = self
        self.crons[cron.uid] = cron
        return cron

    def remove_cron(self, uid):
        cron = self.crons.pop(uid)
        cron.crontab = None
        if self.logstore is not None and not self.read_only:
            self.logstore.clear(uid)
        return cron

    def save(self):
        """Persist through the manager and announce the change.

        A read-only crontab writes nothing and fires nothing: no queue
        synchronisation may follow from it.
        """
        if getattr(self, "partial", False):
            raise RuntimeError(
                "This crontab was loaded for one cron (Crontab.load_cron): "
                "saving it would drop the others; use Crontab.load()"
            )
        if self.read_only:
            return False
        for cron in self.crons.values():
            if not cron.validated:
                cron.validate(strict=True)
        self.move_pending_logs()
        if self.manager is not None:
            self.manager.save()
        notify(ModifiedCrontabEvent(self))
        return True

    def save_cron(self, cron):
        """Add or update one cron and write only its record (then announce
        the change as ``save`` does).  A cron the limits refuse
        (``InvalidCron``) leaves the crontab as it was, and nothing is written."""
        if getattr(self, "partial", False):
            raise RuntimeError(
                "This crontab was loaded for one cron (Crontab.load_cron): "
                "use Crontab.load() to save"
            )
        previous = self.crons.get(cron.uid)
        crontab = cron.crontab
        self.add_cron(cron)
        if self.read_only:
            return False
        if not cron.validated:
            try:
                cron.validate(strict=True)
            except InvalidCron:
                cron.crontab = crontab
                if previous is None:
                    del self.crons[cron.uid]
                else:
                    self.crons[cron.uid] = previous
                raise
        if self.manager is not None and getattr(self.manager, "crons", None):
            # All of them: a first write migrates the whole 2.x record.
            self.move_pending_logs()
        else:
            self.move_pending_logs(cron)
        if self.manager is not None:
            self.manager.save_cron(cron)
        notify(ModifiedCrontabEvent(self))
        return True

    def move_pending_logs(self, *crons):
        """Move the logs that came with the crons (2.x) to the log store, once.

        The store stays chronological: logs older than the newest stored
        one are merged with the stored ones by date (rare: a 2.x crontab
        that ran under 3 before its upgrade step, or an import with logs).
        """
        if self.logstore is None:
            return
        for cron in crons or self.crons.values():
            if not cron.pending_logs:
                continue
            # Oldest first, whatever order the 2.x entry had them in.
            logs = sorted(cron.pending_logs, key=_log_order)
            last = self.logstore.last(cron.uid)
            if last is not None and logs[0].date < last.date:
                logs = sorted(
                    self.logstore.logs(cron.uid) + logs, key=lambda log: log.date
                )
                self.logstore.clear(cron.uid)
            for log in logs[-cron.logs_limit :]:
                self.logstore.append(cron.uid, log, cron.logs_limit)
            cron.pending_logs = []

    # -- reading -------------------------------------------------------

    def by_name(self, name):
        return [cron for cron in self.crons.values() if cron.name == name]

    def dump(self, include_logs=True):
        return {
            "activated": self.activated,
            "crons": [cron.dump(include_logs) for cron in self.crons.values()],
        }

    def __repr__(self):
        return "<Crontab %d crons%s>" % (
            len(self.crons),
            "" if self.activated else " (off)",
        )


def _log_order(log):
    date = getattr(log, "date", None)
    return (date is None, date)
