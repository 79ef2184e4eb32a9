# -*- coding: utf-8 -*-
"""Monotonic run counters kept in each cron's run state, for the metrics.

Why: ``@@cron-metrics`` used to count every log of every cron at each
scrape (about 30 s at 10,000 crons, past Prometheus' 10 s timeout), and
those counts went down when old logs were dropped (``logs_limit``), which
a Prometheus counter must never do.  So each recorded run and each NOTRUN
batch of the claim adds to ``CronState.counters`` in the transaction that
records it (subscribers of ``IFinishedCronJobEvent`` and
``INotRunCronJobEvent``: exactly once, like the log itself), and the
metrics read one small dict per cron.

``counters`` is a plain dict (replaced, never mutated in place, so the
persistent state notices the change)::

    {"runs": {status: n}, "buckets": [n per DURATION_BUCKETS bound, +Inf
     last] (not cumulative), "duration_sum": s, "duration_count": n,
     "last_success": aware UTC datetime or None}

A cron without counters (never run since this version) is counted from
its logs: once, when its next run or NOTRUN log is recorded (seeded from
the logs kept, then incremented), by upgrade step 3002, and by the metrics
in memory once per process (:func:`fallback`) until then.
"""

from collective.cron.interfaces import ILogStore
from collective.cron.log import OK
from collective.cron.log import WARN
from collective.cron.state import get_state

import threading

# Upper bounds (seconds) of the duration buckets: from quick clean-ups to
# hour-long imports.
DURATION_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def empty():
    return {
        "runs": {},
        "buckets": [0] * (len(DURATION_BUCKETS) + 1),
        "duration_sum": 0.0,
        "duration_count": 0,
        "last_success": None,
    }


def _bucket(duration):
    for index, bound in enumerate(DURATION_BUCKETS):
        if duration <= bound:
            return index
    return len(DURATION_BUCKETS)


def add(counters, log):
    """A copy of ``counters`` with ``log`` counted."""
    counters = dict(counters)
    runs = dict(counters["runs"])
    runs[log.status] = runs.get(log.status, 0) + 1
    counters["runs"] = runs
    if log.duration is not None:
        buckets = list(counters["buckets"])
        buckets[_bucket(log.duration)] += 1
        counters["buckets"] = buckets
        counters["duration_sum"] += log.duration
        counters["duration_count"] += 1
    if log.status in (OK, WARN) and log.date is not None:
        if counters["last_success"] is None or log.date > counters["last_success"]:
            counters["last_success"] = log.date
    return counters


def from_logs(logs):
    counters = empty()
    for log in logs:
        counters = add(counters, log)
    return counters


def seed(site, uid, state=None):
    """The counters of ``uid``'s state, counted from its logs first when
    missing (written then: call inside a transaction that may write)."""
    state = state if state is not None else get_state(site, uid, create=True)
    counters = getattr(state, "counters", None)
    if counters is None:
        counters = state.counters = from_logs(ILogStore(site).logs(uid))
    return counters


def count(site, uid, logs):
    """Count ``logs`` (just appended) in ``uid``'s state."""
    state = get_state(site, uid, create=True)
    if getattr(state, "counters", None) is None:
        # Seeded from the logs kept, which hold these already.
        seed(site, uid, state)
        return
    counters = state.counters
    for log in logs:
        counters = add(counters, log)
    state.counters = counters


def on_finished(event):
    """Subscriber of IFinishedCronJobEvent (in the run's transaction)."""
    if event.log is not None:
        count(event.object, event.cron.uid, [event.log])


def on_not_run(event):
    """Subscriber of INotRunCronJobEvent (in the claim's transaction)."""
    logs = list(getattr(event, "logs", None) or [event.log])
    count(event.object, event.cron.uid, logs)


# (site path, uid) -> (state stamp, counters read from the logs) of a cron
# without counters in its run state.  Its logs change with a claim or a run
# of it, which writes its state (a new serial: the entry is stale) and
# gives the state counters (then the entry goes).
_fallback = {}
_lock = threading.Lock()


def state_stamp(state):
    """Which version of the state the memo holds (None: no memo)."""
    oid = getattr(state, "_p_oid", None)
    if oid is None:
        return None
    return (oid, state._p_serial)


def fallback(site, uid, state=None):
    """The counters of a cron whose state has none: from its logs, read
    once per process while its state does not change."""
    key = ("/".join(site.getPhysicalPath()), uid)
    stamp = state_stamp(state)
    found = _fallback.get(key)
    if stamp is None or found is None or found[0] != stamp:
        found = (stamp, from_logs(ILogStore(site).logs(uid)))
        if stamp is not None:
            with _lock:
                _fallback[key] = found
    return found[1]


def forget_fallback(site, uid):
    if _fallback:
        with _lock:
            _fallback.pop(("/".join(site.getPhysicalPath()), uid), None)


def counters_of(site, uid, state):
    """The counters to show for ``uid`` (``state`` may be None)."""
    counters = getattr(state, "counters", None) if state is not None else None
    if counters is not None:
        forget_fallback(site, uid)
        return counters
    return fallback(site, uid, state)
