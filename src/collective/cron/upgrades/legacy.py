# -*- coding: utf-8 -*-
"""Readers of what collective.cron 2.x wrote: naive local dates, integer statuses.

2.x kept each log inside its cron's JSON, with ``date`` as naive text in
the server's local time (``"YYYY-mm-dd HH:MM:SS"``) and ``status`` as an
integer.  The models call these readers whenever they load such data
(``Log.load``), so a 2.x crontab reads the same before and after the
upgrade step (``v3000``) that moves its logs to the log store, where they
are written the 3.x way (aware UTC ISO dates).

2.x kept a cron's logs newest first in its JSON; 3.x keeps them oldest
first.  ``chronological`` puts either in the order they happened.

3.x kept the integers of the statuses, so ``status_name`` also reads the
statuses that 3.x writes.  This module sits below the models: it imports
only compat and the periodicity time zones.
"""

from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.periodicity import get_timezone

import datetime
import pytz
import time

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
