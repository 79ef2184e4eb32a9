# -*- coding: utf-8 -*-
"""The job system as people see it: its state, its health, and "run now".

The dashboard's engine box and the REST API's ``engine`` key show the same
``engine_state(site)``; the dashboard's "Run now" buttons and ``POST
@crons/<uid>/run`` go through the same ``run_now(site, cron)``.  Both only
look the job system up (``IQueueManager``, ``ICronManager``): without one
they say so instead of failing, and no engine module is imported here.

``site_health(site)`` is the one report behind ``@@cron-health`` and the
REST ``@cron-health``: anonymous callers get its ``status`` only
(``public_report``), holders of "collective.cron: Manage crons" the details.

A queue address may hold a password (``redis://user:secret@host/0``): every
text that leaves this module went through ``mask_secrets`` (the queue URL
as ``config.public_queue`` writes it, inside error texts too).
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron import runstats
from collective.cron import workerwatch
from collective.cron.compat import as_text
from collective.cron.cronfields import environ_dict
from collective.cron.cronfields import InvalidCron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.limits import environ_problem
from collective.cron.listing import Summaries
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.queue import mask_secrets
from collective.cron.state import states
from ZODB.POSException import ConflictError
from zope.component import queryAdapter
from zope.component import queryMultiAdapter

import threading

NO_JOB_SYSTEM = (
    "No job system is available for this site: crons are saved but do not "
    "run. Check the collective.cron section of zope.conf and the event log."
)

# The keys of ``engine_state``, for the dashboard and the REST API alike.
STATE_KEYS = (
    "available",
    "engine",
    "queue",
    "worker",
    "reachable",
    "error",
    "heartbeat",
)


def queue_manager(site):
    """The site's job system (``IQueueManager``), or None without one."""
    return queryAdapter(site, IQueueManager)


def engine_state(site):
    """The job system's state, for people: a dict of ``STATE_KEYS``.

    ``available``: a job system that names its engine is registered;
    ``engine``, ``queue`` (never with a password), ``worker`` (this process
    runs jobs), ``reachable``, ``error`` (text or None) and ``heartbeat``
    (the last sign of life of a worker, an aware datetime or None).  Never
    raises (but ConflictError): when asking the job system fails, the state
    says so.
    """
    queue = queue_manager(site)
    if queue is None:
        return {
            "available": False,
            "engine": None,
            "queue": None,
            "worker": False,
            "reachable": False,
            "error": NO_JOB_SYSTEM,
            "heartbeat": None,
        }
    try:
        state = dict(queue.state() or {})
    except ConflictError:
        raise
    except Exception as error:  # the engine's trouble is shown, not raised
        logger.exception("Cannot read the state of the job system")
        state = {
            "engine": getattr(queue, "engine", None),
            "reachable": False,
            "error": u"%s: %s" % (type(error).__name__, as_text(error)),
        }
    result = dict((key, state.get(key)) for key in STATE_KEYS)
    result["available"] = bool(result["engine"])
    result["worker"] = bool(result["worker"])
    for key in ("engine", "queue", "error"):
        if result[key] is not None:
            result[key] = mask_secrets(result[key]) or None
    return result


class RunNowError(Exception):
    """A manual run was not queued.

    ``reason`` is ``"unavailable"`` (no job system at all), ``"failed"`` (the
    job system raised: ``message`` is its error) or ``"not_queued"`` (it
    queued nothing: ``message`` is the engine's error, or None).  No message
    holds a secret.
    """

    def __init__(self, reason, message=None):
        super(RunNowError, self).__init__(message or reason)
        self.reason = reason
        self.message = message


def check_parameters(value):
    """The parameters of a run now (a dict, or JSON text of one), within
    the limits of a cron's parameters; ``InvalidCron`` naming the field
    ``parameters`` otherwise (nothing is queued then)."""
    try:
        parameters = environ_dict(value)
    except InvalidCron as error:
        raise InvalidCron(as_text(error.args[0]), "parameters")
    problem = environ_problem(parameters)
    if problem:
        raise InvalidCron(problem, "parameters")
    return parameters


def run_now(site, cron, parameters=None):
    """Queue a manual run of ``cron`` (its schedule stays): the job id.

    The one way to run a cron now: ``ICronManager(site, cron).run_now()``;
    ``parameters`` (a dict, checked by ``check_parameters``) override the
    cron's for that run only.
    Raises ``RunNowError`` when no job system is there, when it fails, or
    when it queues nothing (a misconfigured engine).
    """
    manager = None
    if queue_manager(site) is not None:
        manager = queryMultiAdapter((site, cron), ICronManager)
    if manager is None:
        raise RunNowError("unavailable", NO_JOB_SYSTEM)
    try:
        if parameters is None:
            job_id = manager.run_now()
        else:
            job_id = manager.run_now(parameters=parameters)
    except ConflictError:
        raise
    except Exception as error:  # the engine's trouble, told to people
        logger.exception("Cannot queue a manual run of cron %s", cron.uid)
        raise RunNowError("failed", mask_secrets(as_text(error)))
    if job_id is None:
        raise RunNowError("not_queued", engine_state(site)["error"])
    return job_id


# ---------------------------------------------------------------------------
# Health: is this site's cron system doing its job?  (@@cron-health)
# ---------------------------------------------------------------------------

OK = "ok"
DEGRADED = "degraded"
UNHEALTHY = "unhealthy"

# A worker whose last heartbeat is older than this is taken for gone (the
# huey worker beats every 5 s; zc.async's dispatcher pings every few s).
HEARTBEAT_MAX_AGE = 60
# A cron whose queued occurrence is this late (seconds) and did not run is
# overdue: nothing is running it.
OVERDUE_GRACE = 300


def _age(when, now):
    if when is None:
        return None
    return max(0.0, (now - clock.as_utc(when)).total_seconds())


def _workers(queue, state, now):
    """[{"instance", "heartbeat", "age"}]: the engine's own list of workers
    when it has one (``queue.workers()``), else the newest heartbeat."""
    listed = getattr(queue, "workers", None) if queue is not None else None
    workers = []
    if listed is not None:
        try:
            for instance, beat in listed():
                workers.append({"instance": instance, "heartbeat": beat})
        except ConflictError:
            raise
        except Exception:
            logger.exception("Cannot list the workers of the job system")
            workers = []
    if not workers and state["heartbeat"] is not None:
        workers.append({"instance": None, "heartbeat": state["heartbeat"]})
    for worker in workers:
        worker["age"] = _age(worker["heartbeat"], now)
        worker["alive"] = (
            worker["age"] is not None and worker["age"] < HEARTBEAT_MAX_AGE
        )
    return workers


def consecutive_failures(logs):
    """How many of the newest ``logs`` (oldest first) in a row are failures."""
    count = 0
    for log in reversed(logs):
        if log.status != FAILURE:
            break
        count += 1
    return count


# (site path, uid) -> (stamp of the cron's run state, its last log's digest).
# Why: the report used to read the last log of every active cron at each
# request (and @@cron-metrics asks for the report at each scrape): 10,000
# log books read for an uptime probe.  A log is only ever written with a
# write of the cron's run state (a run, the claim's NOTRUN logs, a dead run
# released: each also counts it in ``runstats``), so a digest read while
# the state had a given serial holds while it keeps it, as ``runstats``
# keeps its fallback counters; logs removed or cleared by hand change the
# log book's ``version`` (one small record read, not the logs).
_digests = {}
_lock = threading.Lock()
# Digests kept per process; cleared when it grows past this.
DIGESTS_SIZE = 200000


def _digest(store, uid):
    """(status, date, last message, failures in a row) of ``uid``'s newest
    log, or None without logs: the one read of its logs the report needs."""
    last = store.last(uid) if store is not None else None
    if last is None:
        return None
    failures = consecutive_failures(store.logs(uid)) if last.status == FAILURE else 0
    message = last.messages[-1] if last.messages else u""
    return (last.status, last.date, message, failures)


def last_digest(site, store, uid, state):
    """``_digest`` of ``uid``, from the memo while its state is unchanged."""
    key = ("/".join(site.getPhysicalPath()), uid)
    stamp = runstats.state_stamp(state)
    if stamp is not None and store is not None:
        stamp = (stamp, store.version(uid))
    found = _digests.get(key)
    if stamp is None or found is None or found[0] != stamp:
        found = (stamp, _digest(store, uid))
        if stamp is not None:
            with _lock:
                if len(_digests) >= DIGESTS_SIZE:
                    _digests.clear()
                _digests[key] = found
    return found[1]


def _cron_problems(site, crons, now):
    """(overdue, failing, missed): one list of dicts each, active crons
    only.  ``crons``: summaries (``listing.Summaries``), no Cron built."""
    overdue, failing, missed = [], [], []
    # One look-up of the states' BTree, not one per cron.
    tree = states(site)
    store = queryAdapter(site, ILogStore)
    for cron in crons:
        if not cron.active:
            continue
        about = {"uid": cron.uid, "name": cron.name}
        state = tree.get(cron.uid) if tree is not None else None
        expected = getattr(state, "expected", None) if state is not None else None
        handled = getattr(state, "handled", None) if state is not None else None
        late = _age(expected, now) if expected is not None else None
        if (
            late is not None
            and late > OVERDUE_GRACE
            and state.running is None
            and (handled is None or clock.as_utc(handled) < clock.as_utc(expected))
        ):
            overdue.append(dict(about, expected=expected, late=late))
        last = last_digest(site, store, cron.uid, state)
        if last is None:
            continue
        status, date, message, failures = last
        if status == FAILURE:
            failing.append(
                dict(
                    about,
                    since=date,
                    failures=failures,
                    message=mask_secrets(message),
                )
            )
        elif status == NOTRUN:
            missed.append(dict(about, date=date, message=message))
    return overdue, failing, missed


def site_health(site):
    """The health report of ``site``: a dict, see docs/deployment.rst.

    ``status`` is ``unhealthy`` when crons cannot run: no job system, the
    queue does not answer, no worker alive while active crons wait, or a
    cron is overdue; ``degraded`` when the system runs but a cron's last run
    failed or was not run; ``ok`` otherwise.  ``problems`` says why in
    words (keys, not translated: this is for machines and logs).
    """
    now = clock.now()
    queue = queue_manager(site)
    state = engine_state(site)
    workers = _workers(queue, state, now)
    crontab = Crontab.load(site, read_only=True)
    # Summaries of the records: no Cron is built (see _cron_problems).
    crons = Summaries(crontab).items
    active = [cron for cron in crons if cron.active]
    overdue, failing, missed = _cron_problems(site, active, now)
    problems = []
    if not state["available"]:
        problems.append("no_job_system")
    elif not state["reachable"]:
        problems.append("queue_unreachable")
    if active and not any(worker["alive"] for worker in workers):
        problems.append("no_worker")
    _watch_workers(site, active, workers, now)
    if overdue:
        problems.append("overdue")
    status = UNHEALTHY if problems else OK
    if failing:
        problems.append("failing")
    if missed:
        problems.append("missed")
    if status == OK and problems:
        status = DEGRADED
    return {
        "status": status,
        "problems": problems,
        "checked": now,
        "crontab": {"activated": bool(crontab.activated), "active": len(active)},
        "engine": state,
        "workers": workers,
        "overdue": overdue,
        "failing": failing,
        "missed": missed,
    }


def _watch_workers(site, active, workers, now):
    """The "no worker alive" alert is noticed here (``workerwatch``): a
    report computed is a poll; never fails the report."""
    beats = [w["heartbeat"] for w in workers if w["heartbeat"] is not None]
    newest = max(clock.as_utc(beat) for beat in beats) if beats else None
    try:
        workerwatch.observe(site, active, newest, HEARTBEAT_MAX_AGE, now)
    except ConflictError:
        raise
    except Exception:
        logger.exception("collective.cron: the workers were not watched")


def http_status(report):
    """200 unless the report is ``unhealthy`` (503), for load balancers."""
    return 503 if report["status"] == UNHEALTHY else 200


# Who may read the details of the report.
DETAILS_PERMISSION = "collective.cron: Manage crons"


def _jsonable(value):
    if isinstance(value, dict):
        return dict((key, _jsonable(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "tzinfo") and hasattr(value, "isoformat"):
        return clock.to_iso(value)
    return value


def public_report(report, details=False):
    """The report as JSON-ready data: ``{"status": ...}`` alone without
    ``details`` (what anybody may see), everything with them."""
    if not details:
        return {"status": report["status"]}
    return _jsonable(report)


def may_see_details(site):
    """Whether the current user may read the details of the report."""
    from AccessControl.SecurityManagement import getSecurityManager

    return bool(getSecurityManager().checkPermission(DETAILS_PERMISSION, site))
