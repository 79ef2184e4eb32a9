# -*- coding: utf-8 -*-
"""The job system as people see it: its state, and "run now".

The dashboard's engine box and the REST API's ``engine`` key show the same
``engine_state(site)``; the dashboard's "Run now" buttons and ``POST
@crons/<uid>/run`` go through the same ``run_now(site, cron)``.  Both only
look the job system up (``IQueueManager``, ``ICronManager``): without one
they say so instead of failing, and no engine module is imported here.

A queue address may hold a password (``redis://user:secret@host/0``): every
text that leaves this module went through ``mask_secrets`` (the queue URL
as ``config.public_queue`` writes it, inside error texts too).
"""
from collective.cron import logger
from collective.cron.compat import as_text
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IQueueManager
from collective.cron.queue import mask_secrets  # noqa: F401 (part of this module's API)
from ZODB.POSException import ConflictError
from zope.component import queryAdapter
from zope.component import queryMultiAdapter



NO_JOB_SYSTEM = (
    "No job system is available for this site: crons are saved but do not "
    "run. Check the collective.cron section of zope.conf and the event log."
)

# The keys of ``engine_state``, for the dashboard and the REST API alike.
STATE_KEYS = ("available", "engine", "queue", "worker", "reachable", "error", "heartbeat")

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


def run_now(site, cron):
    """Queue a manual run of ``cron`` (its schedule stays): the job id.

    The one way to run a cron now: ``ICronManager(site, cron).run_now()``.
    Raises ``RunNowError`` when no job system is there, when it fails, or
    when it queues nothing (a misconfigured engine).
    """
    manager = None
    if queue_manager(site) is not None:
        manager = queryMultiAdapter((site, cron), ICronManager)
    if manager is None:
        raise RunNowError("unavailable", NO_JOB_SYSTEM)
    try:
        job_id = manager.run_now()
    except ConflictError:
        raise
    except Exception as error:  # the engine's trouble, told to people
        logger.exception("Cannot queue a manual run of cron %s", cron.uid)
        raise RunNowError("failed", mask_secrets(as_text(error)))
    if job_id is None:
        raise RunNowError("not_queued", engine_state(site)["error"])
    return job_id
