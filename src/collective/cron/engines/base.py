# -*- coding: utf-8 -*-
"""What one run of a cron does, whatever engine queued it.

An engine calls ``execute_job`` (it carries plain data: a site path, a cron
uid, an occurrence) or, when it already opened the site in a transaction it
manages itself, ``claim_occurrence``/``run_claimed``.  The rules live here:

* exactly once: each cron keeps a high-water mark of the occurrences it
  handled, written in the same transaction as the job's effects; two
  instances racing on one occurrence conflict in the ZODB and the retry sees
  the mark and skips;
* no overlap: a run first commits a small "running" marker; an occurrence
  due while it is set gets a NOTRUN log "previous run still running";
* missed runs: occurrences that passed without a run are logged NOTRUN
  "missed" and, under the ``run_once`` policy, coalesced into one run;
* the next occurrence is queued once the run committed.
"""
from BTrees.OOBTree import OOBTree
from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import periodicity
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
from collective.cron.interfaces import IQueueManager
from persistent import Persistent
from zope.annotation.interfaces import IAnnotations
from zope.component import queryMultiAdapter
from zope.event import notify
from zope.i18n import translate

import datetime
import os
import random
import socket
import sys
import time
import traceback
import transaction


STATE_KEY = "collective.cron.state"
# How many ids of manual runs a cron remembers to refuse running one twice.
MANUAL_MEMORY = 20
# At most this many NOTRUN logs for one batch of missed occurrences; the
# rest is summed up in the last one.
MISSED_LOGS = 5
# An occurrence is missed, not merely late, once it is older than this and
# nothing is queued or running for it.
GRACE_SECONDS = 30


def instance_id():
    """Who ran a job: host and process, shown in the logs."""
    return u"%s:%d" % (socket.gethostname(), os.getpid())


class CronState(Persistent):
    """What the job system knows of one cron, stored in the ZODB.

    ``handled`` is the newest occurrence (aware UTC) that was run or logged
    as not run: anything at or before it is a duplicate.  ``expected`` is the
    occurrence a job was queued for (None while the cron is off).
    ``running`` is (instance, started, occurrence key) while a run is in
    flight.  Each cron has its own object, so runs of different crons never
    conflict.
    """

    last_started = None

    def __init__(self, handled=None):
        self.handled = handled
        self.expected = None
        self.running = None
        self.manual = ()
        self.last_started = None
        self.last_run = None

    def is_handled(self, scheduled, trigger, job_id):
        if trigger == "manual":
            return job_id in self.manual
        return self.handled is not None and scheduled <= self.handled

    def mark_handled(self, scheduled, trigger, job_id):
        if trigger == "manual":
            self.manual = (tuple(self.manual) + (job_id,))[-MANUAL_MEMORY:]
        elif self.handled is None or scheduled > self.handled:
            self.handled = scheduled


def states(site, create=False):
    annotations = IAnnotations(site)
    tree = annotations.get(STATE_KEY)
    if tree is None and create:
        tree = annotations[STATE_KEY] = OOBTree()
    return tree


def get_state(site, uid, create=False):
    tree = states(site, create=create)
    if tree is None:
        return None
    state = tree.get(uid)
    if state is None and create:
        state = tree[uid] = CronState()
    return state


def forget_state(site, uid):
    tree = states(site)
    if tree is not None and uid in tree:
        del tree[uid]


def _text(message, request=None):
    """An i18n message as text in the site language (logs are stored as text)."""
    return translate(message, context=request) if request is not None else translate(
        message
    )


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


class UserNotFound(Exception):
    pass


def _switch_user(site, user_id):
    """Adopt the cron's user, or a system user with the Manager role.

    Returns the previous security manager, to be restored by the caller.
    """
    from AccessControl.SecurityManagement import getSecurityManager
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.User import UnrestrictedUser

    previous = getSecurityManager()
    if not user_id:
        system = UnrestrictedUser("collective.cron", "", ["Manager"], [])
        newSecurityManager(None, system.__of__(site.acl_users))
        return previous
    user = site.acl_users.getUserById(user_id)
    folder = site.acl_users
    if user is None:
        # Zope-level users (the admin of a fresh instance) live above the site.
        root_users = site.getPhysicalRoot().acl_users
        user = root_users.getUserById(user_id)
        folder = root_users
    if user is None:
        raise UserNotFound(user_id)
    if not hasattr(user, "aq_base"):
        user = user.__of__(folder)
    newSecurityManager(None, user)
    return previous


def user_exists(site, user_id):
    if not user_id:
        return True
    if site.acl_users.getUserById(user_id) is not None:
        return True
    return site.getPhysicalRoot().acl_users.getUserById(user_id) is not None


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------


def _load_cron(site, cron_uid):
    cron = Crontab.load_cron(cron_uid, site)
    return (cron.crontab if cron is not None else None), cron


def _missed_logs(cron, missed, reason, trigger, scheduled_for_summary=None):
    """NOTRUN logs for occurrences that will not run, at most MISSED_LOGS."""
    logs = []
    shown = missed[-MISSED_LOGS:]
    hidden = len(missed) - len(shown)
    for position, when in enumerate(shown):
        messages = [reason]
        if hidden and position == 0:
            messages.append(
                _text(
                    _(
                        u"${count} earlier occurrences since ${since} were not run either",
                        mapping={
                            u"count": hidden,
                            u"since": clock.to_iso(missed[0]),
                        },
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
    """NOTRUN logs for occurrences that will not run, with the right reason:
    those that came due while the previous run was going were skipped for
    that, the others were missed."""
    started = getattr(state, "last_started", None)
    ended = state.last_run
    during = [when for when in missed
              if started is not None and ended is not None and started <= when <= ended]
    others = [when for when in missed if when not in during]
    logs = []
    if during:
        reason = _text(_(u"Not run: the previous run was still running"))
        logs.extend(_missed_logs(cron, during, reason, trigger))
    if others:
        reason = _text(_(u"Not run: missed (no worker ran it in time)"))
        logs.extend(_missed_logs(cron, others, reason, trigger))
    logs.sort(key=lambda log: log.scheduled)
    _append_logs(site, cron, logs)


def _append_logs(site, cron, logs):
    store = ILogStore(site)
    for log in logs:
        store.append(cron.uid, log, cron.logs_limit)


def claim_occurrence(site, cron_uid, scheduled, trigger, job_id=None, now=None):
    """Decide what to do with a job, inside the current transaction.

    Returns a dict: ``action`` is ``'run'`` (the caller commits, then calls
    ``run_claimed``), ``'skip'`` (duplicate or gone cron: nothing to do) or
    ``'logged'`` (NOTRUN logs were written, nothing to run); ``scheduled`` is
    the occurrence to run (a catch-up may move it) and ``trigger``.
    """
    now = now or clock.now()
    crontab, cron = _load_cron(site, cron_uid)
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
        if not _running_is_stale(site, state):
            reason = _text(_(u"Not run: the previous run is still running"))
            state.mark_handled(scheduled, trigger, job_id)
            _append_logs(site, cron, _missed_logs(cron, [scheduled], reason, trigger))
            return {"action": "logged", "cron": cron}
        logger.warning(
            "Cron %s (%s): the run started by %s at %s was lost with its worker",
            cron.name,
            cron.uid,
            state.running[0],
            clock.to_iso(state.running[1]),
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
            GRACE_SECONDS, 0.5 * periodicity.period_seconds(
                cron.periodicity, cron.effective_timezone)
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


def _running_is_stale(site, state):
    """A running marker whose worker is known to be gone."""
    queue = IQueueManager(site, None)
    instance = state.running[0]
    if instance == instance_id():
        # This process holds it: the run is really in flight here, unless
        # the marker is older than this process (a restarted pid).
        return state.running[1] < PROCESS_STARTED
    if queue is None:
        return False
    alive = queue.is_alive(instance)
    if alive is None:
        # A worker the job system does not know: after a long time, take
        # it for gone rather than let the cron wait for ever.
        return clock.now() - clock.as_utc(state.running[1]) > UNKNOWN_WORKER_TIMEOUT
    return alive is False


UNKNOWN_WORKER_TIMEOUT = datetime.timedelta(hours=6)


PROCESS_STARTED = clock.now()


def run_claimed(site, cron_uid, scheduled, trigger, job_id=None, request=None):
    """Run the job runner and write its log, in the current transaction.

    The runner's own changes are rolled back when it raises (the log is
    kept).  Returns the log.
    """
    crontab, cron = _load_cron(site, cron_uid)
    state = get_state(site, cron_uid, create=True)
    started = clock.now()
    if cron is None:
        state.running = None
        return None
    status, messages, detail = OK, [], u""
    runner = None
    savepoint = transaction.savepoint()
    previous_user = None
    notify(StartedCronJobEvent(site, cron))
    try:
        previous_user = _switch_user(site, cron.user)
    except UserNotFound:
        status = FAILURE
        messages = [
            _text(
                _(
                    u"Not run: user ${user} not found",
                    mapping={u"user": cron.user},
                )
            )
        ]
    else:
        try:
            runner = queryMultiAdapter((site, cron), IJobRunner, name=cron.name)
            if runner is None:
                status = NOTRUN
                messages = [
                    _text(
                        _(
                            u"Not run: no job runner is registered under the name ${name}",
                            mapping={u"name": cron.name},
                        )
                    )
                ]
            else:
                result = runner.run()
                extra = _as_messages(result)
                messages = list(getattr(runner, "messages", []) or []) + extra
                status = WARN if extra else OK
        except Exception as error:
            if _is_conflict(error):
                raise
            savepoint.rollback()
            status = FAILURE
            messages = list(getattr(runner, "messages", []) or []) + [
                u"%s: %s" % (error.__class__.__name__, error)
            ]
            detail = u"".join(traceback.format_exception(*sys.exc_info()))
            if not isinstance(detail, type(u"")):
                detail = detail.decode("utf-8", "replace")
            logger.error(
                "Cron %s (%s) failed: %s", cron.name, cron.uid, messages[-1]
            )
        finally:
            if previous_user is not None:
                from AccessControl.SecurityManagement import setSecurityManager

                setSecurityManager(previous_user)
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


def _is_conflict(error):
    from ZODB.POSException import ConflictError

    return isinstance(error, ConflictError)


def schedule_next(site, cron_uid, after=None):
    """Queue the next occurrence of a cron (after the transaction commits)."""
    crontab, cron = _load_cron(site, cron_uid)
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
# The whole job for engines that carry plain data
# ---------------------------------------------------------------------------


def attempts_pauses(attempts):
    """Random, growing pauses between conflict retries (seconds)."""
    for number in range(attempts):
        yield min(2.0, 0.05 * (2 ** number)) * random.uniform(0.5, 1.5)


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
    from zope.component.hooks import setSite
    from zope.globalrequest import clearRequest
    from AccessControl.SecurityManagement import noSecurityManager

    setSite(None)
    clearRequest()
    noSecurityManager()


def execute_job(db, site_path, cron_uid, scheduled_iso, trigger, job_id=None,
                attempts=10):
    """Run one job from plain data, with its own connection and transactions.

    Phase one commits the claim (the running marker, or the NOTRUN logs);
    phase two runs the runner and commits its effects with the log.  Both
    retry on conflicts with random, growing pauses; a retry re-runs the
    whole phase.  The next occurrence is queued after the commit.
    """
    from ZODB.POSException import ConflictError

    scheduled = clock.from_iso(scheduled_iso)
    # The thread's own transaction manager: savepoints taken by the runner
    # (and by run_claimed) must belong to the transaction we commit.
    manager = transaction.manager
    connection = db.open()
    claim = None
    try:
        for pause in attempts_pauses(attempts):
            try:
                manager.begin()
                site, request = open_site(connection.root()["Application"], site_path)
                claim = claim_occurrence(site, cron_uid, scheduled, trigger, job_id)
                manager.get().note(
                    u"collective.cron: claim %s %s" % (cron_uid, scheduled_iso)
                )
                manager.commit()
                break
            except ConflictError:
                manager.abort()
                time.sleep(pause)
            finally:
                close_site()
        else:
            logger.error(
                "Cron %s: gave up claiming %s after %d conflicts",
                cron_uid, scheduled_iso, attempts,
            )
            return None
        if claim["action"] == "skip":
            if claim.get("reason") == "duplicate":
                logger.info("Cron %s: occurrence %s ran already", cron_uid, scheduled_iso)
            return None
        log = None
        if claim["action"] == "run":
            for pause in attempts_pauses(attempts):
                try:
                    manager.begin()
                    site, request = open_site(
                        connection.root()["Application"], site_path
                    )
                    log = run_claimed(
                        site,
                        cron_uid,
                        claim["scheduled"],
                        claim["trigger"],
                        job_id,
                        request,
                    )
                    if trigger != "manual":
                        schedule_next(site, cron_uid)
                    manager.get().note(
                        u"collective.cron: run %s %s" % (cron_uid, scheduled_iso)
                    )
                    manager.commit()
                    break
                except ConflictError:
                    manager.abort()
                    logger.info(
                        "Cron %s: conflict while committing %s, retrying",
                        cron_uid, scheduled_iso,
                    )
                    time.sleep(pause)
                finally:
                    close_site()
            else:
                logger.error(
                    "Cron %s: gave up committing %s after %d conflicts",
                    cron_uid, scheduled_iso, attempts,
                )
                return None
        elif trigger != "manual":
            for pause in attempts_pauses(attempts):
                try:
                    manager.begin()
                    site, request = open_site(
                        connection.root()["Application"], site_path
                    )
                    schedule_next(site, cron_uid)
                    manager.commit()
                    break
                except ConflictError:
                    manager.abort()
                    time.sleep(pause)
                finally:
                    close_site()
        return log
    finally:
        manager.abort()
        connection.close()


def reconcile_site(site, queue=None, now=None):
    """Make the queue and the states of a site's crons right again.

    Called by every worker at start-up and then every minute: each active
    cron gets its next job if none is queued; a run whose worker died is
    released; occurrences that passed with nothing queued or running are
    caught up through a job (which logs them as missed).  Returns the number
    of jobs it queued.  Writes to the ZODB only when something was wrong.
    """
    now = now or clock.now()
    queue = queue or IQueueManager(site)
    crontab = Crontab.load(site)
    pending = {}
    for job in queue.jobs():
        pending.setdefault(job["uid"], []).append(job)
    queued = 0
    for cron in crontab.crons.values():
        if not cron.active:
            continue
        state = get_state(site, cron.uid)
        if state is not None and state.running is not None:
            if _running_is_stale(site, state):
                logger.warning(
                    "Cron %s (%s): releasing the run of %s that died with its worker",
                    cron.name, cron.uid, state.running[0],
                )
                lost_job = tuple(state.running[2])[2]
                if lost_job:
                    # Its queue entry is gone with the worker; forgetting the
                    # id lets the same occurrence be queued again below.
                    queue.remove_job(lost_job)
                state.running = None
            else:
                continue
        jobs = [job for job in pending.get(cron.uid, [])
                if job["trigger"] != "manual" and job["status"] != "finished"]
        if jobs:
            continue
        if state is not None and state.handled is not None:
            after = state.handled
        else:
            # Never synchronised here: owe nothing before now.
            after = now
        upcoming = periodicity.next_occurrence(
            cron.periodicity, after, cron.effective_timezone
        )
        if upcoming <= now - datetime.timedelta(seconds=GRACE_SECONDS):
            # Missed: a job for the oldest missed occurrence catches them all up.
            queue.register_job(cron.uid, now, trigger="schedule", scheduled=upcoming)
        else:
            queue.register_job(cron.uid, upcoming, trigger="schedule")
        state = get_state(site, cron.uid, create=True)
        if state.expected != upcoming:
            state.expected = upcoming
        queued += 1
    return queued
