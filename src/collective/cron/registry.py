# -*- coding: utf-8 -*-
"""The crontab registry manager: a crontab kept in plone.app.registry.

Layout (3.x): one Text record per cron, named ``collective.cron.crons.<key>``
(``record_name(uid)``), holding the cron's JSON (``Cron.dump`` without logs)
plus ``position``, its place in the crontab's order.  plone.registry keeps its values in
one OOBTree, so reading every cron is a key range, reading one is a lookup
and writing one rewrites one bucket: an edit costs O(log n), whatever the
number of crons, and two edits of two crons in different buckets do not
conflict.

The 2.x list record (``CRONTAB_RECORD``; its format is read in
``collective.cron.legacy``) stays registered and is read beside the
per-cron records, which win for a uid present in both.  The first write
(or the 3001 upgrade step) moves its crons to per-cron records and empties
it; crons written into it later (an import into the old record) are
picked up again by the next write.  Logs are never written back to the
registry: they live in the log store, and 2.x logs move there on that
first save.
"""

from collective.cron import legacy
from collective.cron import logger
from collective.cron import summary
from collective.cron.compat import as_text
from collective.cron.crontab import Cron
from collective.cron.crontab import site_timezone
from collective.cron.interfaces import ICrontab
from collective.cron.interfaces import ICrontabRegistryManager
from collective.cron.interfaces import IRegistryCrontab
from collective.cron.legacy import CRONTAB_RECORD
from plone.registry import field
from plone.registry.interfaces import IRegistry
from plone.registry.record import Record
from zope.component import adapter
from zope.component import getUtility
from zope.interface import implementer

import binascii
import hashlib
import json
import re
import time

PREFIX = IRegistryCrontab.__identifier__
ACTIVATED_RECORD = PREFIX + ".activated"
# One record per cron under this prefix; every name in the range starts
# with it and sorts before CRONS_END ("/" follows "." in ASCII).
CRONS_PREFIX = "collective.cron.crons."
CRONS_END = "collective.cron.crons/"
# plone.registry accepts ``[a-zA-Z0-9][a-zA-Z0-9_-]*`` after a dot.
# Gap between the positions of two crons added one after the other.
STEP = 1024
_VERBATIM = re.compile(r"^[a-zA-Z0-9_-]{1,100}$").match


def record_name(uid):
    """The record of the cron ``uid``: ``u<uid>`` when plone.registry takes
    the uid as it is, else ``x<hex of its UTF-8>`` (``café``, ``日本``, emoji,
    dots, spaces).  The first letter keeps the two forms apart."""
    uid = as_text(uid)
    if _VERBATIM(uid):
        return str(CRONS_PREFIX + "u" + uid)
    hexed = binascii.hexlify(uid.encode("utf-8")).decode("ascii")
    return str(CRONS_PREFIX + "x" + hexed)


def _broken_name(text):
    """Where an unreadable 2.x entry is kept after migration (by content)."""
    digest = hashlib.sha1(legacy.as_unicode(text).encode("utf-8")).hexdigest()
    return str(CRONS_PREFIX + "b" + digest)


def _new_record(text):
    return Record(field.Text(title=u"A cron (collective.cron)"), text)


@implementer(ICrontabRegistryManager)
@adapter(ICrontab)
class CrontabRegistryManager(object):
    """Reads and writes a crontab in the site registry, one record per cron."""

    def __init__(self, crontab):
        self.crontab = crontab
        self.read_only = False
        # uid -> (record name, stored text, position) as read or last written:
        # a save writes only the crons whose text differs.
        self.stored = {}
        # Unreadable texts of the 2.x record, re-homed by the migration.
        self.legacy_unreadable = []
        self._last_position = 0
        # Whether every record was read (positions of new crons follow the
        # last one; else they come from the clock, see ``_new_position``).
        self.complete = False
        # uid -> record text before the last save (None: a new cron).
        self.before = {}

    @property
    def registry(self):
        return getUtility(IRegistry)

    @property
    def cronsettings(self):
        return self.registry.forInterface(IRegistryCrontab, check=False)

    @property
    def activated(self):
        value = self.registry.get(ACTIVATED_RECORD, True)
        return True if value is None else bool(value)

    @activated.setter
    def activated(self, value):
        if not self.read_only and self.activated != bool(value):
            self.registry[ACTIVATED_RECORD] = bool(value)

    @property
    def crons(self):
        """The entries of the 2.x list record (empty once migrated)."""
        return legacy.crontab_entries(self.registry)

    @crons.setter
    def crons(self, value):
        if not self.read_only:
            self.registry[CRONTAB_RECORD] = [legacy.as_unicode(item) for item in value]

    # -- reading -------------------------------------------------------

    def _records(self):
        """(name, text) of every per-cron record, by name: one key range."""
        records = self.registry.records
        values = getattr(records, "_values", None)
        if values is not None:
            # plone.registry's value BTree: a range read without building
            # a Record (and looking up its field) per cron.
            return list(values.items(CRONS_PREFIX, CRONS_END))
        return [
            (name, records[name].value)
            for name in records.keys(CRONS_PREFIX, CRONS_END)
        ]

    def load(self, only=None):
        """Fill the crontab from the records (only the cron ``only`` if given).

        An entry that cannot be read is logged with what identifies it and
        kept aside (``crontab.unreadable``): the other crons load, and
        saving never drops it.
        """
        crontab = self.crontab
        crontab.activated = self.activated
        for cron in self.read(only):
            crontab.add_cron(cron)
        return crontab

    def read(self, only=None):
        """The crons of the records in the crontab's order (only the cron
        ``only`` if given), not added to the crontab (``LazyCrons`` calls
        this when a crontab's crons are first needed)."""
        crontab = self.crontab
        local_timezone = site_timezone() or None
        found = []
        if only is not None:
            name = record_name(only)
            text = self.registry.get(name, None)
            if text is not None:
                found.append((name, text))
        else:
            del _unreadable(crontab)[:]
            found = [
                (name, text)
                for name, text in self._records()
                if name.startswith(CRONS_PREFIX)
            ]
        entries = []
        for name, text in found:
            cron, position = self._parse(text, name, local_timezone)
            if cron is None:
                continue
            if only is not None and cron.uid != only:
                continue
            if record_name(cron.uid) != name:
                # Written by hand under another name: leave it alone.
                logger.warning("Ignoring cron %s stored as %s", cron.uid, name)
                _unreadable(crontab).append(text)
                continue
            entries.append((position, name, cron, text))
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        crons = []
        for position, name, cron, text in entries:
            self.stored[cron.uid] = (name, text, position)
            self._last_position = max(self._last_position, position)
            crons.append(cron)
        if only is None:
            self.complete = True
        return crons + self._load_legacy(only, local_timezone, crons)

    def has_crons(self):
        """Whether any cron is stored (the first key of the range)."""
        if self.crons:
            return True
        records = self.registry.records
        values = getattr(records, "_values", None)
        keys = values.keys if values is not None else records.keys
        for _name in keys(CRONS_PREFIX, CRONS_END):
            return True
        return False

    def summaries(self):
        """The crons' summaries (``collective.cron.summary``) in the
        crontab's order, from the records' JSON without building a cron,
        and the number of unreadable records; None while the 2.x record
        still holds crons (then a list reads them all)."""
        if self.crons:
            return None
        return summary.read_records(self._records(), record_name)

    def _parse(self, text, name, local_timezone):
        try:
            data = json.loads(text)
            cron = Cron.load(data, local_timezone=local_timezone)
            position = int(data.get("position") or 0)
        except legacy.UNREADABLE_ERRORS as error:
            logger.warning(
                "Ignoring unreadable cron %s (%s) of the crontab: %s",
                name,
                legacy.describe_entry(text),
                error,
            )
            # Kept in its record: saving never rewrites nor drops it.
            _unreadable(self.crontab).append(text)
            return None, 0
        return cron, position

    def _load_legacy(self, only, local_timezone, crons):
        """The crons of the 2.x record that have no record of their own."""

        def load(text):
            return Cron.load(text, local_timezone=local_timezone)

        found, unreadable = legacy.read_crontab(
            self.crons,
            load,
            only=only,
            migrated=self.stored,
            seen=[cron.uid for cron in crons],
        )
        if unreadable:
            _unreadable(self.crontab).extend(unreadable)
            self.legacy_unreadable.extend(unreadable)
        return found

    # -- writing -------------------------------------------------------

    def _positions(self):
        """A position for every cron that keeps the crontab's order.

        Positions already increasing in that order are kept, so an edit or
        an append writes one record and only a reorder (an import) rewrites
        the crons it moved.  A cron that needs one gets the middle of the
        gap before the next cron when there is one, else ``STEP`` more than
        the previous one.
        """
        crons = list(self.crontab.crons.values())
        result = []
        last = None
        for index, cron in enumerate(crons):
            previous = self.stored.get(cron.uid)
            position = previous[2] if previous else None
            if position is None or (last is not None and position <= last):
                following = None
                if index + 1 < len(crons):
                    stored = self.stored.get(crons[index + 1].uid)
                    following = stored[2] if stored else None
                start = last if last is not None else -STEP
                if following is not None and following - start > 1:
                    position = (start + following) // 2
                else:
                    position = max(start, self._last_position) + STEP
            last = position
            self._last_position = max(self._last_position, position)
            result.append((cron, position))
        return result

    def _write(self, cron, position):
        """Write one cron's record if its text changed; True if written."""
        registry = self.registry
        name = record_name(cron.uid)
        previous = self.stored.get(cron.uid)
        data = cron.dump(include_logs=False)
        data["position"] = position
        text = as_text(json.dumps(data, sort_keys=False))
        if previous is not None and previous[1] == text and name in registry.records:
            return False
        if name in registry.records:
            registry[name] = text
        else:
            registry.records[name] = _new_record(text)
        # The text before, for the audit trail (``collective.cron.audit``).
        self.before[cron.uid] = previous[1] if previous is not None else None
        self.stored[cron.uid] = (name, text, position)
        return True

    def _forget(self, uid):
        self.before[uid] = self.stored[uid][1]
        name = self.stored.pop(uid)[0]
        records = self.registry.records
        if name in records:
            del records[name]

    def _migrate_legacy(self):
        """Move what the 2.x record still holds to records of their own
        (``legacy.migrate_crontab``); the unreadable entries are kept as
        records too, by content."""
        moved = legacy.migrate_crontab(
            self.registry, self.legacy_unreadable, self._keep_unreadable
        )
        if moved:
            self.legacy_unreadable = []
        return moved

    def _keep_unreadable(self, text):
        records = self.registry.records
        name = _broken_name(text)
        if name not in records:
            records[name] = _new_record(text)

    def save(self):
        """Write what changed in the crontab (no-op when read-only).

        Returns the uids written and removed (``crontab.last_saved``).
        """
        if self.read_only:
            return False
        crontab = self.crontab
        # Every cron read first (a lazy crontab): the 2.x ones included.
        list(crontab.crons.values())
        self.before = {}
        migrated = self._migrate_legacy()
        switched = self.activated != bool(crontab.activated)
        written = [
            cron.uid
            for cron, position in self._positions()
            if self._write(cron, position)
        ]
        removed = [uid for uid in list(self.stored) if uid not in crontab.crons]
        for uid in removed:
            self._forget(uid)
        self.activated = crontab.activated
        crontab.last_saved = {"written": written, "removed": removed}
        crontab.saved_before = self.before
        # What the queue must follow (CrontabManager.synchronize): the
        # whole crontab after a global switch or a 2.x migration.
        crontab.changed = None if (migrated or switched) else written + removed
        return True

    def save_cron(self, cron):
        """Write one cron's record only (the whole crontab while a 2.x
        record is still to be migrated)."""
        if self.read_only:
            return False
        if self.crons:
            return self.save()
        previous = self.stored.get(cron.uid)
        if previous is None and not self.complete:
            previous = self._stored_entry(cron.uid)
        if previous is not None:
            position = previous[2]
        else:
            # add_cron put it last
            position = self._new_position()
        self.before = {}
        written = [cron.uid] if self._write(cron, position) else []
        self.activated = self.crontab.activated
        self.crontab.last_saved = {"written": written, "removed": []}
        self.crontab.saved_before = self.before
        # Saved even unchanged: its queue entry is checked again.
        self.crontab.changed = [cron.uid]
        return True

    def _stored_entry(self, uid):
        """(name, text, position) of a record not read yet, or None."""
        name = record_name(uid)
        text = self.registry.get(name, None)
        if text is None:
            return None
        try:
            position = int(json.loads(text).get("position") or 0)
        except (ValueError, TypeError, AttributeError):
            return None
        self.stored[uid] = (name, text, position)
        return self.stored[uid]

    def _new_position(self):
        """After every cron: the last position + STEP once all were read;
        else the clock in microseconds times 1024 (a cron added alone
        need not read 10,000 records to find the last position; it is
        past every position a 3.x save gave: those grow by 1024 a cron)."""
        position = self._last_position + STEP
        if not self.complete:
            position = max(position, int(time.time() * 1000000) * STEP)
        self._last_position = position
        return position


def stored_crons(registry=None):
    """The JSON texts of the per-cron records, in creation order (for tests,
    the upgrade step and tools)."""
    registry = registry if registry is not None else getUtility(IRegistry)
    values = registry.records._values.items(CRONS_PREFIX, CRONS_END)
    items = []
    for name, text in values:
        try:
            position = int(json.loads(text).get("position") or 0)
        except (ValueError, TypeError, AttributeError):
            position = -1
        items.append((position, name, text))
    return [text for position, name, text in sorted(items)]


def _unreadable(crontab):
    """The crontab's list of unreadable entries, without reading every
    cron first (``Crontab.unreadable`` does, for its readers)."""
    found = getattr(crontab, "_unreadable", None)
    return found if found is not None else crontab.unreadable
