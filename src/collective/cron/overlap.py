# -*- coding: utf-8 -*-
"""*Overlap policy*: what happens when a run comes due while one is running.

``overlap`` is one of (Kubernetes' ``concurrencyPolicy`` in brackets):

``forbid`` (Forbid, the default)
    the run that comes due is not run: it gets a NOTRUN log "the previous
    run is still running" and counts as handled;
``queue_one`` (closest to Replace, without stopping anything)
    the cron remembers *one* run to start as soon as the running one ends
    (``CronState.queued``); a further one that comes due while one is
    remembered is not run (NOTRUN, like ``forbid``);
``allow`` (Allow)
    runs go on side by side: each holds a running marker of its own
    (the first in ``CronState.running``, the others in
    ``CronState.parallel``), so that a dead worker's run is still found and
    logged, and the per-site limit of concurrent runs
    (``collective.cron.concurrency``) still holds.

This module reads the value and keeps the markers; the claim
(``collective.cron.claim``) and the run (``collective.cron.run``) apply it.
"""

from collective.cron.compat import string_types
from collective.cron.cronfields import InvalidCron

FIELD = "overlap"
FORBID = u"forbid"
QUEUE_ONE = u"queue_one"
ALLOW = u"allow"
POLICIES = (FORBID, QUEUE_ONE, ALLOW)
# The trigger of the job that starts a remembered run (``queue_one``).
QUEUED = u"queued"


def parse(value):
    """The policy; ``InvalidCron`` naming ``overlap`` for anything else."""
    if value is None or value == u"":
        return FORBID
    if isinstance(value, string_types) and value.strip() in POLICIES:
        return u"%s" % (value.strip(),)
    raise InvalidCron(
        "overlap must be one of %s, not %r" % (", ".join(POLICIES), value), FIELD
    )


def markers(state):
    """Every running marker of ``state`` (instance, started, key)."""
    found = [state.running] if state.running is not None else []
    return found + list(getattr(state, "parallel", None) or ())


def holds(state, key):
    """Whether a marker of ``state`` is the run of job ``key``."""
    return any(tuple(marker[2]) == tuple(key) for marker in markers(state))


def add(state, marker):
    """Set ``marker``: the main one when free, else one more beside it."""
    if state.running is None:
        state.running = marker
    else:
        state.parallel = tuple(getattr(state, "parallel", None) or ()) + (marker,)


def release(state, key=None):
    """Release the marker of job ``key`` (without ``key``: the single
    marker of ``forbid``/``queue_one``).  Another run's marker then takes
    the main place, so that it is still seen running (and overdue)."""
    parallel = list(getattr(state, "parallel", None) or ())
    running = state.running
    if running is not None and (key is None or tuple(running[2]) == tuple(key)):
        state.running = parallel.pop(0) if parallel and key is not None else None
    elif key is not None:
        parallel = [marker for marker in parallel if tuple(marker[2]) != tuple(key)]
    if tuple(parallel) != tuple(getattr(state, "parallel", None) or ()):
        state.parallel = tuple(parallel)


def occurrences_running(state):
    """The ISO occurrences the markers of ``state`` are running (not missed)."""
    return set(tuple(marker[2])[1] for marker in markers(state))
