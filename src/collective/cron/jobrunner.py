# -*- coding: utf-8 -*-
"""The cron jobrunner wrapper: what one run of a cron does, whatever the engine.

An engine calls :func:`execute_job` with plain data (a site path, a cron
uid, an occurrence, a trigger, its job id) and a database; an engine that
already opened the site in a transaction it manages itself calls
:func:`claim_occurrence`, commits, then :func:`run_claimed`.

The contract, written once here:

* **Exactly once.** Each cron has a state object (``collective.cron.state``)
  with a high-water mark of the occurrences handled, written in the same
  transaction as the run's effects.  Two instances racing on one occurrence
  conflict on that small object; the retry sees the mark and skips.  ZODB
  effects happen once; effects outside the ZODB happen at least once (a run
  interrupted by a dead worker is run again, and the loss is logged).
* **Two transactions per run.** The *claim* commits a running marker naming
  the worker; the *run* commits the runner's effects with its log and
  releases the marker.  A marker left by a dead worker is released (here,
  or by the reconciler) once the job system says that worker is gone.
* **No overlap.** An occurrence that comes due while the marker of another
  live run is set is not run: it gets a NOTRUN log "previous run is still
  running" and counts as handled.
* **Missed runs.** Occurrences between the mark and the one being run that
  are already past were missed (instance down, job lost).  Under the
  ``run_once`` policy they are coalesced into one run (trigger
  ``catch-up``) and each gets a NOTRUN log (at most ``MISSED_LOGS``, the
  rest summed up); under ``skip`` a late occurrence is not run at all.
  Occurrences that fell while the previous run was going are logged as
  skipped for that reason, not as missed.
* **Manual runs** never move the schedule; their job ids are remembered so
  one is never run twice.
* **As whom.** The run adopts the cron's user (an id or a login, found by
  ``collective.cron.users.find_user`` like the forms do); a user who is gone
  gives a FAILURE log and nothing runs.  An empty user is the system user.
* **After the commit** the next occurrence is queued.
"""
from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity
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
from collective.cron.state import get_state
from collective.cron.state import instance_id
from collective.cron.state import running_is_stale
from collective.cron.transactions import retry_on_conflict
from collective.cron.transactions import TooManyConflicts
from collective.cron.users import find_user
from ZODB.POSException import ConflictError
from zope.component import queryMultiAdapter
from zope.event import notify
from zope.i18n import translate

import sys
import traceback
import transaction


# At most this many NOTRUN logs for one batch of missed occurrences; the
# rest is summed up in the first one.
MISSED_LOGS = 5
# An occurrence is missed, not merely late, once it is older than this and
# nothing is queued or running for it.
GRACE_SECONDS = 30


def _text(message, request=None):
    """An i18n message as text in the site language (logs are stored as text)."""
    if request is not None:
        return translate(message, context=request)
    return translate(message)


# ---------------------------------------------------------------------------
# The site and the user
# ---------------------------------------------------------------------------


def open_site(app, site_path):
    """The site at ``site_path`` with a request and its component registry set."""
    from Testing.makerequest import makerequest
    from zope.component.hooks import setSite
    from zope.globalrequest import setRequest

    app = makerequest(app)
    request = app.REQUEST
    request["PARENTS"] = [app]
    setRequest(request)
    site = app.unrestrictedTraverse(site_path.strip("/").split("/"))
    setSite(site)
    # Let the request know its site, so views and translations work.
    request["PARENTS"] = [site, app]
    _set_language(site, request)
    return site, request


def _set_language(site, request):
    try:
        from plone.registry.interfaces import IRegistry
        from zope.component import queryUtility

        registry = queryUtility(IRegistry)
        language = registry.get("plone.default_language") if registry else None
    except Exception:  # noqa: a missing language never stops a job
        language = None
    if language:
        request["LANGUAGE"] = language
        request.environ["HTTP_ACCEPT_LANGUAGE"] = language


def close_site():
    """Undo :func:`open_site` and forget the user, for the next job of the thread."""
    from AccessControl.SecurityManagement import noSecurityManager
    from zope.component.hooks import setSite
    from zope.globalrequest import clearRequest

    setSite(None)
    clearRequest()
    noSecurityManager()


class UserNotFound(Exception):
    """The cron's user is in neither the site's nor the root's user folder."""


def switch_user(site, user):
    """Adopt the cron's ``user`` (id or login), or the system user if empty.

    Returns the previous security manager, for ``setSecurityManager``.
    Raises :class:`UserNotFound` when ``user`` names nobody.
    """
    from AccessControl.SecurityManagement import getSecurityManager
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.users import UnrestrictedUser

    previous = getSecurityManager()
    if not user:
        system = UnrestrictedUser("collective.cron", "", ["Manager"], [])
        newSecurityManager(None, system.__of__(site.acl_users))
        return previous
    found = find_user(site, user)
    if found is None:
        raise UserNotFound(user)
    newSecurityManager(None, found)
    return previous


# ---------------------------------------------------------------------------
# Claim
# ---------------------------------------------------------------------------


def _load_cron(site, cron_uid):
    return Crontab.load_cron(cron_uid, site)


def _missed_logs(missed, reason, trigger):
    """NOTRUN logs for occurrences that will not run, at most MISSED_LOGS."""
    logs = []
    shown = missed[-MISSED_LOGS:]
    hidden = len(missed) - len(shown)
    for position, when in enumerate(shown):
        messages = [reason]
        if hidden and position == 0:
            messages.append(_text(_(
                u"${count} earlier occurrences since ${since} were not run either",
                mapping={u"count": hidden, u"since": clock.to_iso(missed[0])},
            )))
        logs.append(Log(
            status=NOTRUN,
            messages=messages,
            trigger=trigger,
            instance=instance_id(),
            scheduled=when,
        ))
    return logs


def _log_missed(site, cron, state, missed, trigger):
    """NOTRUN logs with the right reason: occurrences that came due while
    the previous run was going were skipped for that, the others missed."""
    started = getattr(state, "last_started", None)
    ended = state.last_run
    during = [when for when in missed
              if started is not None and ended is not None and started <= when <= ended]
    others = [when for when in missed if when not in during]
    logs = []
    if during:
        reason = _text(_(u"Not run: the previous run was still running"))
        logs.extend(_missed_logs(during, reason, trigger))
    if others:
        reason = _text(_(u"Not run: missed (no worker ran it in time)"))
        logs.extend(_missed_logs(others, reason, trigger))
    logs.sort(key=lambda log: log.scheduled)
    _append_logs(site, cron, logs)


def _append_logs(site, cron, logs):
    store = ILogStore(site)
    for log in logs:
        store.append(cron.uid, log, cron.logs_limit)


def claim_occurrence(site, cron_uid, scheduled, trigger, job_id=None, now=None):
    """Decide what to do with a job, inside the current transaction.

    Returns a dict: ``action`` is ``'run'`` (the caller commits, then calls
    :func:`run_claimed`), ``'skip'`` (duplicate or gone cron: nothing to do,
    ``reason`` says why) or ``'logged'`` (NOTRUN logs were written, nothing
    to run); for ``'run'``, ``scheduled`` is the occurrence to run (a
    catch-up may move it) and ``trigger`` the trigger to log.
    """
    now = now or clock.now()
    cron = _load_cron(site, cron_uid)
    if cron is None:
        logger.info("Job for cron %s dropped: the cron is gone", cron_uid)
        return {"action": "skip", "reason": "gone"}
    if trigger != "manual" and not cron.active:
        logger.info("Job for cron %s (%s) dropped: it is off", cron.name, cron_uid)
        return {"action": "skip", "reason": "off"}
    state = get_state(site, cron_uid, create=True)
    if state.is_handled(scheduled, trigger, job_id):
        return {"action": "skip", "reason": "duplicate"}
    key = (trigger, clock.to_iso(scheduled), job_id)
    if state.running is not None:
        if tuple(state.running[2]) == key:
            return {"action": "skip", "reason": "duplicate"}
        if not running_is_stale(site, state):
            reason = _text(_(u"Not run: the previous run is still running"))
            state.mark_handled(scheduled, trigger, job_id)
            _append_logs(site, cron, _missed_logs([scheduled], reason, trigger))
            return {"action": "logged", "cron": cron}
        logger.warning(
            "Cron %s (%s): the run started by %s at %s was lost with its worker",
            cron.name, cron.uid, state.running[0], clock.to_iso(state.running[1]),
        )
        state.running = None
    if trigger != "manual":
        # Occurrences since the last handled one that are already due were
        # missed (instance down, job lost): coalesce them.
        due = []
        if state.handled is not None:
            due = periodicity.occurrences_between(
                cron.periodicity, state.handled, now, cron.effective_timezone, 1000
            )
        due = [when for when in due if when != scheduled]
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
        if missed:
            _log_missed(site, cron, state, missed, trigger)
        if cron.missed == "skip" and not on_time:
            state.mark_handled(latest, trigger, job_id)
            return {"action": "logged", "cron": cron}
        if latest != scheduled or missed:
            trigger = "catch-up"
        scheduled = latest
    state.running = (instance_id(), now, key)
    return {
        "action": "run",
        "cron": cron,
        "scheduled": scheduled,
        "trigger": trigger,
        "job_id": job_id,
    }


# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------


def _call_runner(site, cron, savepoint):
    """Run the cron's runner as its user: (status, messages, detail).

    When the runner raises, everything since ``savepoint`` is rolled back
    (the log is written after); conflicts propagate (the caller retries the
    whole run).
    """
    from AccessControl.SecurityManagement import setSecurityManager

    try:
        previous_user = switch_user(site, cron.user)
    except UserNotFound:
        return FAILURE, [_text(_(
            u"Not run: user ${user} not found", mapping={u"user": cron.user}
        ))], u""
    runner = None
    try:
        runner = queryMultiAdapter((site, cron), IJobRunner, name=cron.name)
        if runner is None:
            return NOTRUN, [_text(_(
                u"Not run: no job runner is registered under the name ${name}",
                mapping={u"name": cron.name},
            ))], u""
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


def run_claimed(site, cron_uid, scheduled, trigger, job_id=None, request=None):
    """Run the job runner and write its log, in the current transaction.

    Fires the started, finished (and failed) events; releases the running
    marker and moves the high-water mark.  Returns the log (None when the
    cron is gone).
    """
    cron = _load_cron(site, cron_uid)
    state = get_state(site, cron_uid, create=True)
    started = clock.now()
    if cron is None:
        state.running = None
        return None
    savepoint = transaction.savepoint()
    notify(StartedCronJobEvent(site, cron))
    status, messages, detail = _call_runner(site, cron, savepoint)
    ended = clock.now()
    log = Log(
        date=ended,
        status=status,
        messages=messages,
        started=started,
        duration=(ended - started).total_seconds(),
        trigger=trigger,
        instance=instance_id(),
        scheduled=scheduled,
        detail=detail,
    )
    # The state may have been reloaded after a conflict: fetch it again.
    state = get_state(site, cron_uid, create=True)
    state.mark_handled(scheduled, trigger, job_id)
    state.running = None
    state.last_started = started
    state.last_run = ended
    ILogStore(site).append(cron.uid, log, cron.logs_limit)
    if status == FAILURE:
        notify(FailedCronJobEvent(site, cron, log))
    notify(FinishedCronJobEvent(site, cron, log))
    return log


def _as_messages(result):
    if result is None or result is True:
        return []
    if isinstance(result, (list, tuple)):
        return [u"%s" % (item,) for item in result if item is not None]
    return [u"%s" % (result,)] if result != u"" else []


def schedule_next(site, cron_uid, after=None):
    """Queue the next occurrence of a cron (after the transaction commits)."""
    cron = _load_cron(site, cron_uid)
    if cron is None or not cron.active:
        return None
    manager = queryMultiAdapter((site, cron), ICronManager)
    if manager is None:
        return None
    # The job that just ran was the cron's queued one: no need to list the
    # whole queue to replace strays (the reconciler and synchronisation do
    # that); the next job's id is stable, so queueing it twice is harmless.
    return manager.register_job(after=after, jobs=[])


# ---------------------------------------------------------------------------
# The whole job, for engines that carry plain data
# ---------------------------------------------------------------------------


def execute_job(db, site_path, cron_uid, scheduled_iso, trigger, job_id=None,
                attempts=10):
    """Run one job from plain data, with its own connection and transactions.

    The claim commits first (the running marker, or the NOTRUN logs); then
    the runner's effects commit with the log and the next occurrence is
    queued.  Each transaction is retried on conflicts
    (``collective.cron.transactions.retry_on_conflict``); a retry re-runs the
    whole phase.  Returns the log of the run, or None when nothing ran.
    """
    scheduled = clock.from_iso(scheduled_iso)
    connection = db.open()

    def in_site(action):
        def work():
            site, request = open_site(connection.root()["Application"], site_path)
            return action(site, request)
        return work

    def claim(site, request):
        return claim_occurrence(site, cron_uid, scheduled, trigger, job_id)

    try:
        try:
            claimed = retry_on_conflict(
                in_site(claim), attempts,
                note=u"collective.cron: claim %s %s" % (cron_uid, scheduled_iso),
                cleanup=close_site,
            )
        except TooManyConflicts:
            logger.error("Cron %s: gave up claiming %s", cron_uid, scheduled_iso)
            return None
        if claimed["action"] == "skip":
            if claimed.get("reason") == "duplicate":
                logger.info("Cron %s: occurrence %s ran already", cron_uid, scheduled_iso)
            return None
        if claimed["action"] == "run":
            def run(site, request):
                log = run_claimed(site, cron_uid, claimed["scheduled"],
                                  claimed["trigger"], job_id, request)
                if trigger != "manual":
                    schedule_next(site, cron_uid)
                return log
            note = u"collective.cron: run %s %s" % (cron_uid, scheduled_iso)
        elif trigger != "manual":
            def run(site, request):
                schedule_next(site, cron_uid)
            note = u"collective.cron: schedule after %s %s" % (cron_uid, scheduled_iso)
        else:
            return None
        try:
            return retry_on_conflict(in_site(run), attempts, note=note, cleanup=close_site)
        except TooManyConflicts:
            logger.error("Cron %s: gave up committing %s", cron_uid, scheduled_iso)
            return None
    finally:
        transaction.manager.abort()
        connection.close()
