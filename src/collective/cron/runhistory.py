# -*- coding: utf-8 -*-
"""The run history of a cron in figures, for its page and the REST API.

Why: whether a cron got worse is read from its recent runs, not from one
log at a time; the cron page (``browser/history.py``) and ``GET
@crons/<uid>`` (its ``history`` key) show the same figures, computed here
once from the logs kept (``ILogStore``): the success rate (OK and WARN
among the runs that ran: NOTRUN occurrences are counted apart), the
average and 95th-percentile duration, and the last runs.
"""

from collective.cron import clock
from collective.cron.compat import as_text
from collective.cron.interfaces import ILogStore
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import WARN

import math

# How many of the newest runs the figures list (the page's dots and chart).
SHOWN = 30


def percentile(values, share):
    """Nearest-rank percentile (``share`` in 0..1) of ``values``, or None."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def figures(logs):
    """The history's figures from ``logs`` (oldest first): a dict whose
    ``recent`` holds the last ``SHOWN`` logs (oldest first)."""
    ran = [log for log in logs if log.status != NOTRUN]
    good = [log for log in ran if log.status in (OK, WARN)]
    durations = [log.duration for log in ran if log.duration is not None]
    return {
        "runs": len(ran),
        "notrun": len(logs) - len(ran),
        "success_rate": (100.0 * len(good) / len(ran)) if ran else None,
        "average": (sum(durations) / len(durations)) if durations else None,
        "p95": percentile(durations, 0.95),
        "recent": list(logs[-SHOWN:]),
    }


def cron_figures(site, uid):
    """The figures of the cron ``uid`` from its logs in the site's store."""
    return figures(ILogStore(site).logs(uid))


def as_json(found):
    """``figures`` as plain JSON: ``last_runs`` newest first, times in
    ISO 8601 UTC, durations in seconds."""
    data = dict((key, value) for key, value in found.items() if key != "recent")
    data["last_runs"] = [
        {
            "date": clock.to_iso(log.date),
            "status": as_text(log.status_name),
            "duration": log.duration,
            "trigger": as_text(log.trigger) if log.trigger else None,
        }
        for log in reversed(found["recent"])
    ]
    return data
