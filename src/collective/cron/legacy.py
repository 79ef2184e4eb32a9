# -*- coding: utf-8 -*-
"""What collective.cron 2.x wrote, read in one place: its crontab record and its logs.

**The crontab record.**  2.x kept every cron in one list record
(``IRegistryCrontab.crontab``, ``CRONTAB_RECORD``): one JSON text per cron,
logs inside.  3.x keeps one record per cron (``registry.record_name``) but
the list record stays registered (a 2.x ``registry.xml`` import still has a
field to write to) and is read beside them (``read_crontab``); the
registry manager moves its crons to records of their own on its first
write (or the 3001 upgrade step) and empties it.

**Logs.**  2.x kept each log inside its cron's JSON, with ``date`` as naive
text in the server's local time (``"YYYY-mm-dd HH:MM:SS"``) and ``status``
as an integer.  The models call these readers whenever they load such data
(``Log.load``), so a 2.x crontab reads the same before and after the
upgrade step (``upgrades.v3000``) that moves its logs to the log store,
where they are written the 3.x way (aware UTC ISO dates).  2.x kept a
cron's logs newest first; 3.x keeps them oldest first: ``chronological``
puts either in the order they happened.  3.x kept the integers of the
statuses, so ``status_name`` also reads the statuses that 3.x writes.

Why here and not in ``upgrades/``: the format is read at run time, not
only by the upgrade steps (the models read 2.x logs, the registry manager
reads the list record whenever it holds crons), and the steps stand above
the core they call.  This module sits with the models, below the core: it
imports compat, interfaces and the periodicity time zones, and is given
``Cron.load`` by its caller rather than importing the model that imports it.
"""

from collective.cron import logger
from collective.cron.compat import binary_type
from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.interfaces import IRegistryCrontab
from collective.cron.periodicity import get_timezone

import datetime
import json
import pytz
import time

CRONTAB_RECORD = IRegistryCrontab.__identifier__ + ".crontab"
# What reading an entry may raise: bad JSON, a cron that does not validate
# (``InvalidCron`` is a ValueError), JSON that is not an object.
UNREADABLE_ERRORS = (ValueError, TypeError, AttributeError)

# The statuses of 2.x, indexed by the integer it stored.
STATUSES = ("FAILURE", "OK", "WARN", "NOTRUN")


def status_name(value):
    """The name of a status stored as an integer (or its digits as text).

    None when ``value`` is not one of the integers of ``STATUSES``; a
    boolean is not a status, although Python counts it as an integer.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, string_types):
        value = value.strip()
        if not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, integer_types) and 0 <= value < len(STATUSES):
        return STATUSES[value]
    return None


def local_to_utc(naive, local_timezone=None):
    """A naive 2.x time as an aware UTC datetime.

    The date text itself is ISO 8601 without an offset, read by
    ``clock.parse_iso`` (dateutil); no 3.x date lacks the offset, so a
    naive date is a 2.x one.

    2.x wrote the local time of the server it ran on.  ``local_timezone``
    (a zone name: the site's ``plone.portal_timezone``) says which zone
    that was; without it the zone of this process is assumed, which is
    right when the site upgrades on the server that ran 2.x.
    """
    if local_timezone:
        zone = get_timezone(local_timezone)
        return zone.normalize(zone.localize(naive)).astimezone(pytz.utc)
    epoch = time.mktime(naive.timetuple())
    return datetime.datetime.fromtimestamp(epoch, pytz.utc)


def chronological(logs):
    """The logs of one cron, oldest first, whichever order they came in.

    The dates decide: a list whose first log is newer than its last is a
    2.x list (newest first) and is read backwards; then a stable sort by
    date puts any straggler in its place, and logs of the same second (2.x
    dates have no fractions) keep the order of their list read forwards.
    """
    logs = list(logs)
    if len(logs) > 1 and logs[0].date > logs[-1].date:
        logs.reverse()
    logs.sort(key=lambda log: log.date)
    return logs


# -- the crontab record ------------------------------------------------


def as_unicode(text):
    """A stored text as text (2.x on Python 2 may have kept UTF-8 bytes)."""
    if isinstance(text, binary_type):
        return text.decode("utf-8")
    return text


def crontab_entries(registry):
    """The entries of the 2.x list record as text (empty once migrated)."""
    value = registry.get(CRONTAB_RECORD, None)
    return [as_unicode(item) for item in (value or []) if item is not None]


def read_crontab(texts, load, only=None, migrated=(), seen=()):
    """The crons of the 2.x entries ``texts`` and the entries left unread.

    ``load`` reads one text (``Cron.load``).  A cron whose uid is in
    ``migrated`` has a record of its own, which wins; a second cron with a
    uid already ``seen`` (or met earlier in the list) is unreadable, as is
    an entry that does not load: both are logged with what identifies
    them.  With ``only`` (a uid) the other entries are skipped unparsed
    and not reported.
    """
    if only is not None:
        # Skip parsing the others; the uid may be written escaped.
        needles = (only, json.dumps(only)[1:-1])
        texts = [text for text in texts if any(n in text for n in needles)]
    seen = set(seen)
    found = []
    unreadable = []
    for position, text in enumerate(texts):
        try:
            cron = load(text)
        except UNREADABLE_ERRORS as error:
            if only is None:
                logger.warning(
                    "Ignoring unreadable cron #%d (%s) of the crontab: %s",
                    position + 1,
                    describe_entry(text),
                    error,
                )
                unreadable.append(text)
            continue
        if only is not None and cron.uid != only:
            continue
        if cron.uid in migrated:
            # Its own record wins (already migrated).
            continue
        if cron.uid in seen:
            logger.warning(
                "Ignoring a second cron with uid %s (%r) in the crontab",
                cron.uid,
                cron.name,
            )
            unreadable.append(text)
            continue
        seen.add(cron.uid)
        found.append(cron)
    return found, unreadable


def migrate_crontab(registry, unreadable, keep):
    """Empty the 2.x record once its crons were read; the number of entries
    it held.

    The crontab was loaded in full: its crons include the 2.x ones, in
    list order, and the save that follows writes them.  ``keep(text)``
    keeps each of the ``unreadable`` entries (in a record of its own); the
    list record is emptied, not removed.
    """
    moved = len(crontab_entries(registry))
    if not moved:
        return 0
    for text in unreadable:
        keep(as_unicode(text))
    registry[CRONTAB_RECORD] = []
    logger.info(
        "collective.cron: %d entries of the 2.x crontab record moved to "
        "one record per cron",
        moved,
    )
    return moved


def describe_entry(text):
    """What a person needs to find a broken entry (of either layout): its
    uid and name, or its start."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        data = None
    if isinstance(data, dict):
        return "uid=%s name=%s" % (data.get("uid"), data.get("name"))
    text = as_unicode(text) if text is not None else u""
    return "text %r" % (text[:60],)
