# -*- coding: utf-8 -*-
"""The claim: the first of a run's two transactions, which decides what to do.

The claim is separate from the run so that it can commit on its own, before
the runner starts: its commit is what makes a run exactly-once and
overlap-free across workers (the whole contract is in
``collective.cron.jobrunner``).  :func:`claim_occurrence` looks at the
cron's state (``collective.cron.state``) and either

* skips the job: the cron is gone or off, or the occurrence was handled
  already (its high-water mark, or the remembered id of a manual run);
* logs instead of running: another live run still holds the running marker
  (NOTRUN "previous run is still running"), or under the ``skip`` policy
  the occurrence is late;
* or sets the running marker naming this worker, so the caller commits and
  then runs (``collective.cron.run``).

On its way it writes the NOTRUN logs of occurrences that were missed
(at most ``MISSED_LOGS``, the rest summed up) and
releases the marker of a worker that died (:func:`release_interrupted`,
which the reconciler calls too).  It creates the cron's state and log book
if they are missing, so the run's transaction inserts nothing into shared
BTrees and saves of other crons never conflict with it.
"""

from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import overlap
from collective.cron import pause
from collective.cron import periodicity
from collective.cron import retries
from collective.cron.crontab import Crontab
from collective.cron.crontab import Log
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import WARN
from collective.cron.events import NotRunCronJobEvent
from collective.cron.interfaces import ILogStore
from collective.cron.sitecontext import log_text
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.state import running_is_stale
from zope.event import notify

# At most this many NOTRUN logs for one batch of missed occurrences; the
# rest is summed up in the first one.
MISSED_LOGS = 5
# An occurrence is missed, not merely late, once it is older than this and
# nothing is queued or running for it.
GRACE_SECONDS = 30


def _missed_logs(missed, reason, trigger):
    """NOTRUN logs for occurrences that will not run, at most MISSED_LOGS."""
    logs = []
    shown = missed[-MISSED_LOGS:]
    hidden = len(missed) - len(shown)
    for position, when in enumerate(shown):
        messages = [reason]
        if hidden and position == 0:
            messages.append(
                log_text(
                    _(
                        u"${count} earlier occurrences since ${since} were not run either",
                        mapping={u"count": hidden, u"since": clock.to_iso(missed[0])},
                    )
                )
            )
        logs.append(
            Log(
                status=NOTRUN,
                messages=messages,
                trigger=trigger,
                instance=instance_id(),
                scheduled=when,
            )
        )
    return logs


def _log_missed(site, cron, state, missed, trigger):
    """NOTRUN logs with the right reason: occurrences that came due while
    the previous run was going were skipped for that, the others missed.

    Returns the occurrences that were really missed (a catch-up is owed
    only for those).
    """
    started = getattr(state, "last_started", None)
    ended = state.last_run
    during = [
        when
        for when in missed
        if started is not None and ended is not None and started <= when <= ended
    ]
    others = [when for when in missed if when not in during]
    logs = []
    if during:
        reason = log_text(_(u"Not run: the previous run was still running"))
        logs.extend(_missed_logs(during, reason, trigger))
    if others:
        reason = log_text(_(u"Not run: missed (no worker ran it in time)"))
        logs.extend(_missed_logs(others, reason, trigger))
    logs.sort(key=lambda log: log.scheduled)
    _append_logs(site, cron, logs)
    return others


def _append_logs(site, cron, logs):
    store = ILogStore(site)
    for log in logs:
        store.append(cron.uid, log, cron.logs_limit)
    if logs and logs[-1].status == NOTRUN:
        notify(NotRunCronJobEvent(site, cron, logs[-1], logs))


def _prepare_log_book(site, uid):
    store = ILogStore(site)
    prepare = getattr(store, "prepare", None)
    if prepare is not None:
        prepare(uid)


def release_interrupted(site, cron, state, now=None, marker=None):
    """Release the running marker of a worker that died, and log it.

    The run it had started may have had effects outside the ZODB (its ZODB
    effects were never committed): a WARN log says which worker stopped
    during which run, so an operator knows they may happen twice when the
    occurrence is run again.  Called by the claim and by the reconciler,
    whichever sees the dead marker first.  ``marker``: one of the markers
    of parallel runs (``overlap``), by default the main one.
    """
    now = now or clock.now()
    marker = marker or state.running
    instance, started, key = marker[0], marker[1], tuple(marker[2])
    marker_trigger = key[0] if key else u"schedule"
    try:
        scheduled = clock.from_iso(key[1]) if len(key) > 1 else None
    except (ValueError, TypeError):
        scheduled = None
    started_text = clock.to_iso(started)
    mapping = {u"instance": instance, u"started": started_text}
    if marker_trigger == "manual":
        message = _(
            u"Interrupted: the worker ${instance} stopped during the run "
            u"started at ${started}; a manual run is not run again",
            mapping=mapping,
        )
    elif retries.is_retry(marker_trigger):
        message = _(
            u"Interrupted: the worker ${instance} stopped during the run "
            u"started at ${started}; a retry is not run again",
            mapping=mapping,
        )
    else:
        message = _(
            u"Interrupted: the worker ${instance} stopped during the run "
            u"started at ${started}; it will be run again",
            mapping=mapping,
        )
    logger.warning(
        "Cron %s (%s): the run started by %s at %s was lost with its worker",
        cron.name,
        cron.uid,
        instance,
        started_text,
    )
    _append_logs(
        site,
        cron,
        [
            Log(
                date=now,
                status=WARN,
                messages=[log_text(message)],
                started=started,
                trigger=_log_trigger(marker_trigger),
                instance=instance,
                scheduled=scheduled,
            )
        ],
    )
    overlap.release(state, key)


class _Marker(object):
    """One marker of parallel runs, as ``state.running_is_stale`` reads it."""

    def __init__(self, marker):
        self.running = marker


def _release_dead(site, cron, state, now):
    """Release the markers of dead workers, parallel runs' included."""
    for marker in overlap.markers(state):
        if running_is_stale(site, _Marker(marker)):
            release_interrupted(site, cron, state, now, marker)


def _while_running(site, cron, state, scheduled, trigger, job_id):
    """A job that came due while a live run holds the marker, under the
    ``forbid`` or ``queue_one`` policy (``overlap``): remembered to start
    after that run (``queue_one``, one at most), else logged not run."""
    handled_as = retries.handled_as(trigger)
    if cron.overlap == overlap.QUEUE_ONE and getattr(state, "queued", None) is None:
        state.queued = (trigger, clock.to_iso(scheduled), job_id)
        state.mark_handled(scheduled, handled_as, job_id)
        logger.info(
            "Cron %s (%s): a run waits for the running one", cron.name, cron.uid
        )
        return {"action": "logged", "cron": cron, "reason": "queued"}
    if cron.overlap == overlap.QUEUE_ONE:
        reason = _(
            u"Not run: the previous run is still running and one run is "
            u"already waiting for it to end"
        )
    else:
        reason = _(u"Not run: the previous run is still running")
    state.mark_handled(scheduled, handled_as, job_id)
    _append_logs(
        site,
        cron,
        _missed_logs([scheduled], log_text(reason), _log_trigger(trigger)),
    )
    return {"action": "logged", "cron": cron}


def claim_occurrence(site, cron_uid, scheduled, trigger, job_id=None, now=None):
    """Decide what to do with a job, inside the current transaction.

    Returns a dict: ``action`` is ``'run'`` (the caller commits, then calls
    ``collective.cron.run.run_claimed``), ``'skip'`` (duplicate or gone
    cron: nothing to do, ``reason`` says why) or ``'logged'`` (NOTRUN logs
    were written, nothing to run); for ``'run'``, ``scheduled`` is the
    occurrence to run (a catch-up may move it) and ``trigger`` the trigger
    to log.
    """
    now = now or clock.now()
    cron = Crontab.load_cron(cron_uid, site)
    if cron is None:
        logger.info("Job for cron %s dropped: the cron is gone", cron_uid)
        return {"action": "skip", "reason": "gone"}
    if trigger != "manual" and not cron.active:
        logger.info("Job for cron %s (%s) dropped: it is off", cron.name, cron_uid)
        return {"action": "skip", "reason": "off"}
    state = get_state(site, cron_uid, create=True)
    # A retry is remembered by its job id, like a manual run (retries.py).
    if state.is_handled(scheduled, retries.handled_as(trigger), job_id):
        return {"action": "skip", "reason": "duplicate"}
    attempt = retries.attempt_of(trigger)
    if retries.is_retry(trigger):
        dropped = _drop_late_retry(site, cron, state, scheduled, trigger, job_id, now)
        if dropped is not None:
            return dropped
    elif trigger != "manual" and pause.paused_at(cron.paused_until, scheduled):
        # Queued before the pause was set: not run, not missed (pause.py).
        logger.info("Job for cron %s (%s) dropped: it is paused", cron.name, cron_uid)
        state.mark_handled(scheduled, trigger, job_id)
        return {"action": "skip", "reason": "paused"}
    key = (trigger, clock.to_iso(scheduled), job_id)
    if overlap.holds(state, key):
        return {"action": "skip", "reason": "duplicate"}
    if cron.overlap == overlap.ALLOW:
        _release_dead(site, cron, state, now)
    elif state.running is not None:
        if not running_is_stale(site, state):
            return _while_running(site, cron, state, scheduled, trigger, job_id)
        release_interrupted(site, cron, state, now)
    # The run writes its log into the cron's log book: create it here, so
    # that the run's transaction inserts nothing into shared BTrees.
    _prepare_log_book(site, cron.uid)
    if not retries.is_extra(trigger):
        # Occurrences since the last handled one that are already due were
        # missed (instance down, job lost): coalesce them.
        due = []
        if state.handled is not None:
            # Occurrences inside a pause were not missed (pause.py).
            since = pause.schedule_from(cron.paused_until, state.handled)
            due = periodicity.occurrences_between(
                cron.periodicity, since, now, cron.effective_timezone, 1000
            )
        # Occurrences that parallel runs are running were not missed.
        running = overlap.occurrences_running(state)
        due = [
            when
            for when in due
            if when != scheduled and clock.to_iso(when) not in running
        ]
        if scheduled not in due:
            due.append(scheduled)
        due.sort()
        latest = due[-1]
        on_time = (now - latest).total_seconds() <= max(
            GRACE_SECONDS,
            0.5 * periodicity.period_seconds(cron.periodicity, cron.effective_timezone),
        )
        missed = due[:-1]
        if cron.missed == "skip" and not on_time:
            missed = due
        really_missed = []
        if missed:
            really_missed = _log_missed(site, cron, state, missed, trigger)
        if cron.missed == "skip" and not on_time:
            state.mark_handled(latest, trigger, job_id)
            return {"action": "logged", "cron": cron}
        # A catch-up stands in for occurrences that were missed; occurrences
        # skipped because the previous run was still going are not owed, so
        # the next on-time run after them is a plain scheduled one.
        if latest != scheduled or really_missed:
            trigger = "catch-up"
        scheduled = latest
    overlap.add(state, (instance_id(), now, key))
    return {
        "action": "run",
        "cron": cron,
        "scheduled": scheduled,
        "trigger": _log_trigger(trigger),
        "job_id": job_id,
        "attempt": attempt,
        "key": key,
    }


def _log_trigger(trigger):
    """The trigger a log shows: ``retry`` for every attempt of a retry (the
    attempt is in the log's messages)."""
    return retries.TRIGGER if retries.is_retry(trigger) else trigger


def _drop_late_retry(site, cron, state, scheduled, trigger, job_id, now):
    """A retry taken once the cron's next occurrence came is dropped with a
    NOTRUN log (it would run beside or after that occurrence); None when it
    may run.  The next occurrence is never delayed by retries."""
    upcoming = retries.next_occurrence(cron, scheduled)
    if upcoming is None or now < upcoming:
        return None
    state.mark_handled(scheduled, retries.handled_as(trigger), job_id)
    reason = log_text(
        _(
            u"Not run: attempt ${attempt}/${attempts} dropped, the next "
            u"occurrence (${next}) came before it",
            mapping={
                u"attempt": retries.attempt_of(trigger),
                u"attempts": cron.attempts,
                u"next": clock.to_iso(upcoming),
            },
        )
    )
    logger.info("Cron %s (%s): %s dropped, late", cron.name, cron.uid, trigger)
    _append_logs(site, cron, _missed_logs([scheduled], reason, retries.TRIGGER))
    return {"action": "logged", "cron": cron}
