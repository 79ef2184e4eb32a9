# -*- coding: utf-8 -*-
"""The run: the second of a run's two transactions, the runner and its log.

Once the claim (``collective.cron.claim``) has committed the running
marker, :func:`run_claimed` runs the cron's ``IJobRunner`` as the cron's
user and records what happened, in one transaction, so that the runner's
ZODB effects, its log, the high-water mark and the release of the marker
commit together or not at all: that is what makes a run exactly-once (the
whole contract is in ``collective.cron.jobrunner``).

The runner is called apart from the bookkeeping (:func:`record_run`)
because a conflict on the commit does not always mean running it again:
when the runner changed no ZODB object, its effects were all outside the
ZODB and happened once, and only the bookkeeping is written again
(``jobrunner._RunWithRetries``).  So :func:`run_claimed` tells its caller
what the runner did (``outcome``), including whether it wrote to the ZODB.

A runner that raises is rolled back to a savepoint taken before it ran, so
a failure leaves none of its ZODB changes, only its FAILURE log (with the
traceback); a runner that returns messages gets a WARN log; a missing
runner or user gets a NOTRUN or FAILURE log that says why.  The started, finished and failed events are
fired here (``collective.cron.events``), for add-ons and content rules
that react to runs, e.g. to send a mail when a run fails.
"""

from collective.cron import _
from collective.cron import audit
from collective.cron import clock
from collective.cron import logger
from collective.cron import overlap
from collective.cron import retries
from collective.cron import timeouts
from collective.cron.compat import as_text
from collective.cron.crontab import Crontab
from collective.cron.crontab import FAILURE
from collective.cron.crontab import Log
from collective.cron.crontab import NOTRUN
from collective.cron.crontab import OK
from collective.cron.crontab import WARN
from collective.cron.events import FailedCronJobEvent
from collective.cron.events import FinishedCronJobEvent
from collective.cron.events import StartedCronJobEvent
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import ILogStore
from collective.cron.sitecontext import log_text
from collective.cron.sitecontext import switch_user
from collective.cron.sitecontext import UserNotFound
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.transactions import written_oids
from ZODB.POSException import ConflictError
from zope.component import queryMultiAdapter
from zope.event import notify

import sys
import traceback
import transaction


def _call_runner(site, cron, savepoint, started=None):
    """Run the cron's runner as its user: (status, messages, detail).

    When the runner raises, everything since ``savepoint`` is rolled back
    (the log is written after); conflicts propagate (the caller retries the
    whole run).
    """
    from AccessControl.SecurityManagement import setSecurityManager

    try:
        previous_user = switch_user(site, cron.user)
    except UserNotFound:
        return (
            FAILURE,
            [
                log_text(
                    _(u"Not run: user ${user} not found", mapping={u"user": cron.user})
                )
            ],
            u"",
        )
    runner = None
    try:
        runner = queryMultiAdapter((site, cron), IJobRunner, name=cron.name)
        if runner is None:
            return (
                NOTRUN,
                [
                    log_text(
                        _(
                            u"Not run: no job runner is registered under the name ${name}",
                            mapping={u"name": cron.name},
                        )
                    )
                ],
                u"",
            )
        if hasattr(runner, "should_stop"):
            runner.deadline = timeouts.deadline(cron.timeout, started)
        extra = _as_messages(runner.run())
        messages = list(getattr(runner, "messages", []) or []) + extra
        return (WARN if extra else OK), messages, u""
    except ConflictError:
        raise
    except Exception as error:
        savepoint.rollback()
        messages = list(getattr(runner, "messages", []) or []) + [
            u"%s: %s" % (error.__class__.__name__, as_text(error))
        ]
        detail = as_text("".join(traceback.format_exception(*sys.exc_info())))
        logger.error("Cron %s (%s) failed: %s", cron.name, cron.uid, messages[-1])
        return FAILURE, messages, detail
    finally:
        setSecurityManager(previous_user)


def _as_messages(result):
    if result is None or result is True:
        return []
    if isinstance(result, (list, tuple)):
        return [u"%s" % (item,) for item in result if item is not None]
    return [u"%s" % (result,)] if result != u"" else []


def run_claimed(
    site,
    cron_uid,
    scheduled,
    trigger,
    job_id=None,
    request=None,
    outcome=None,
    notes=(),
    attempt=1,
    key=None,
):
    """Run the job runner and write its log, in the current transaction.

    Fires the started, finished (and failed) events; releases the running
    marker and moves the high-water mark.  Returns the log (None when the
    cron is gone).  ``outcome`` (a dict) receives what the runner did, for
    a retry of the bookkeeping alone (:func:`record_run`): its status,
    messages, times and ``wrote`` (whether it changed ZODB objects);
    ``notes`` are messages added to the log; ``attempt`` is the attempt of
    the occurrence this run is (``collective.cron.retries``), ``key`` the
    key of its running marker (``collective.cron.overlap``).
    """
    cron = Crontab.load_cron(cron_uid, site)
    if cron is None:
        state = get_state(site, cron_uid, create=True)
        state.running = None
        return None
    # A run now with parameters: they override the cron's for this run.
    overrides = audit.apply_parameters(site, cron, trigger, job_id, scheduled)
    connection = getattr(site, "_p_jar", None)
    started = clock.now()
    savepoint = transaction.savepoint()
    before = written_oids(connection)
    notify(StartedCronJobEvent(site, cron))
    status, messages, detail = _call_runner(site, cron, savepoint, started)
    if overrides is not None:
        text = _(
            u"Run now with parameters ${parameters}", mapping={u"parameters": overrides}
        )
        messages = [log_text(text)] + list(messages)
    result = {
        "status": status,
        "messages": messages,
        "detail": detail,
        "started": started,
        "ended": clock.now(),
        "wrote": bool(written_oids(connection) - before),
    }
    if outcome is not None:
        outcome.clear()
        outcome.update(result)
    return record_run(
        site, cron, scheduled, trigger, job_id, result, notes, attempt, key
    )


def record_run(
    site, cron, scheduled, trigger, job_id, result, notes=(), attempt=1, key=None
):
    """The bookkeeping of a run: its log, the high-water mark, the marker,
    and the next attempt of a run that raised (:func:`_retry`).

    ``result`` is what :func:`run_claimed` learnt from the runner; ``notes``
    are messages added to the log (a retry after a conflict says so).
    """
    messages = list(result["messages"]) + list(notes)
    status = result["status"]
    if trigger == overlap.QUEUED:
        messages.insert(
            0,
            log_text(
                _(
                    u"Started when the previous run ended (due at ${due})",
                    mapping={u"due": clock.to_iso(scheduled)},
                )
            ),
        )
    if cron.attempts > 1 and trigger != "manual":
        messages.insert(
            0,
            log_text(
                _(
                    u"Attempt ${attempt}/${attempts}",
                    mapping={u"attempt": attempt, u"attempts": cron.attempts},
                )
            ),
        )
    retrying = False
    if status == FAILURE and trigger != "manual":
        retrying = _retry(site, cron, scheduled, attempt, result["ended"], messages)
    duration = (result["ended"] - result["started"]).total_seconds()
    if timeouts.is_overdue(cron.timeout, result["started"], result["ended"]):
        messages.append(
            log_text(
                _(
                    u"Overdue: the run took ${duration} s, longer than its "
                    u"timeout of ${timeout} s",
                    mapping={u"duration": int(duration), u"timeout": cron.timeout},
                )
            )
        )
        if status == OK:
            status = WARN
    log = Log(
        date=result["ended"],
        status=status,
        messages=messages,
        started=result["started"],
        duration=duration,
        trigger=trigger,
        instance=instance_id(),
        scheduled=scheduled,
        detail=result["detail"],
    )
    # The state may have been reloaded after a conflict: fetch it again.
    state = get_state(site, cron.uid, create=True)
    state.mark_handled(scheduled, retries.handled_as(trigger), job_id)
    overlap.release(state, key)
    _start_waiting(site, cron, state)
    state.last_started = result["started"]
    state.last_run = result["ended"]
    ILogStore(site).append(cron.uid, log, cron.logs_limit)
    if log.status == FAILURE:
        notify(FailedCronJobEvent(site, cron, log))
    finished = FinishedCronJobEvent(site, cron, log)
    # Alerts wait for the last attempt (collective.cron.alerts).
    finished.retrying = retrying
    notify(finished)
    return log


def _retry(site, cron, scheduled, attempt, ended, messages):
    """Queue the next attempt of a failed run, if it has one: True when one
    is queued.  The job is queued through the engine in this transaction,
    so it exists only once the run's log commits (huey queues after the
    commit, zc.async with it) and a conflict retry queues it again under
    the same job id.  ``messages`` (the log's) say what happens next."""
    when, upcoming = retries.next_retry(cron, scheduled, attempt, ended)
    if upcoming is not None:
        messages.append(
            log_text(
                _(
                    u"No retry: the next occurrence (${next}) comes first",
                    mapping={u"next": clock.to_iso(upcoming)},
                )
            )
        )
        return False
    if when is None:
        return False
    manager = queryMultiAdapter((site, cron), ICronManager)
    try:
        if manager is None or manager.queue_retry(scheduled, attempt + 1, when) is None:
            raise LookupError("no job system")
    except ConflictError:
        raise
    except Exception as error:
        logger.error("Cron %s (%s): no retry queued (%s)", cron.name, cron.uid, error)
        messages.append(log_text(_(u"No retry: the job system did not queue it")))
        return False
    messages.append(
        log_text(
            _(
                u"Attempt ${attempt}/${attempts} at ${when}",
                mapping={
                    u"attempt": attempt + 1,
                    u"attempts": cron.attempts,
                    u"when": clock.to_iso(when),
                },
            )
        )
    )
    return True


def _start_waiting(site, cron, state):
    """Queue, to start now, the run that waited for this one to end
    (``queue_one``, ``collective.cron.overlap``); its job is queued with
    this run's log, like a retry."""
    waiting = getattr(state, "queued", None)
    if waiting is None or state.running is not None:
        return
    state.queued = None
    if cron.overlap != overlap.QUEUE_ONE:
        return  # the policy changed meanwhile
    manager = queryMultiAdapter((site, cron), ICronManager)
    try:
        if manager is not None:
            manager.queue_waiting(clock.from_iso(waiting[1]))
    except ConflictError:
        raise
    except Exception as error:
        logger.error(
            "Cron %s (%s): the waiting run was not queued (%s)",
            cron.name,
            cron.uid,
            error,
        )
