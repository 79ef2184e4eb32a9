# -*- coding: utf-8 -*-
"""The queue manager of a site on plone.app.async / zc.async.

Jobs are queued with plone.app.async's ``IAsyncService`` at
``begin_after=when`` and carry plain data only (the site, found again by its
path, the cron uid, the ISO text of the occurrence, the trigger); their
metadata lives in the job's annotations, their id is the job's oid in the
queue's database.
"""

from AccessControl.SecurityManagement import getSecurityManager
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import setSecurityManager
from AccessControl.SpecialUsers import nobody
from collective.cron import clock
from collective.cron.engines.zcasync.marker import mark_site
from collective.cron.engines.zcasync.marker import unmark_site
from collective.cron.engines.zcasync.modules import plone_app_async
from collective.cron.engines.zcasync.modules import zc_async
from collective.cron.engines.zcasync.storage import get_queue
from collective.cron.engines.zcasync.storage import QUEUE_NAME
from collective.cron.engines.zcasync.storage import queue_section
from collective.cron.engines.zcasync.storage import QueueUnavailable
from collective.cron.engines.zcasync.storage import site_path
from collective.cron.interfaces import IQueueManager
from Products.CMFPlone.interfaces import IPloneSiteRoot
from ZODB.utils import p64
from ZODB.utils import u64
from zope.component import adapter
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite
from zope.interface import implementer

import datetime

ENGINE = "zcasync"
# The job annotation holding a cron job's metadata (plain data only).
ANNOTATION = "collective.cron"

PENDING = "pending"
RUNNING = "running"
FINISHED = "finished"


def job_status(job):
    """Our name (pending, running, finished) of a zc.async job's status."""
    interfaces = zc_async("interfaces")
    if job.status == interfaces.PENDING:
        return PENDING
    if job.status in (interfaces.ASSIGNED, interfaces.ACTIVE, interfaces.CALLBACKS):
        return RUNNING
    if job.status == interfaces.COMPLETED:
        return FINISHED
    return None


def run_queued_job(site, cron_uid, scheduled_iso, trigger):
    """What every queued cron job calls (through plone.app.async's runner).

    Keep this name and signature: queued jobs refer to it.  plone.app.async
    gives the site (traversed again from its path in the worker); the run
    itself, with its own connection and transactions, is
    ``collective.cron.jobrunner.execute_job`` (through
    ``collective.cron.engines.base.run_job``).
    """
    from collective.cron.engines.base import run_job

    job = zc_async("threadlocal").local.getJob()
    job_id = job_id_of(job) if job is not None else None
    run_job(
        site._p_jar.db(),
        site_path(site),
        cron_uid,
        scheduled_iso,
        trigger,
        job_id=job_id,
    )


# Queued jobs name their function by module and name: one lasting path,
# the package's (which re-exports it), whatever module defines it.
run_queued_job.__module__ = "collective.cron.engines.zcasync"


def job_id_of(job):
    return str(u64(job._p_oid))


@implementer(IQueueManager)
@adapter(IPloneSiteRoot)
class ZCAsyncQueueManager(object):
    """The job system of a site on plone.app.async / zc.async.

    Jobs live in the ZODB: queueing and removing happen in the current
    transaction and vanish with it when it aborts.  Only jobs queued for
    this site (by path) are listed or touched, even though every site of
    the database shares the queue.
    """

    engine = ENGINE
    job_function = staticmethod(run_queued_job)

    def __init__(self, context):
        self.context = context
        self.path = site_path(context)

    @property
    def queue(self):
        return get_queue(self.context)

    # -- queueing ------------------------------------------------------

    def register_job(self, cron_uid, when, trigger="schedule", scheduled=None):
        when = clock.as_utc(when)
        scheduled = clock.as_utc(scheduled) if scheduled is not None else when
        if trigger != "manual":
            # One job per occurrence: queueing the same one again (after a
            # run and by the synchronisation, say) gives the queued job.
            for data in self.jobs(cron_uid):
                if (
                    data["trigger"] == trigger
                    and data["scheduled"] == scheduled
                    and data["status"] == "pending"
                ):
                    return data["id"]
        queue = self.queue
        job = self._queue_call(
            queue, when, self.job_function, cron_uid, scheduled.isoformat(), trigger
        )
        job.annotations[ANNOTATION] = {
            "site": self.path,
            "uid": cron_uid,
            "when": when.isoformat(),
            "scheduled": scheduled.isoformat(),
            "trigger": trigger,
        }
        return job_id_of(job)

    def _queue_call(self, queue, when, func, *args):
        """Queue ``func(site, *args)`` through plone.app.async at ``when``.

        Queued as nobody in particular: the job wrapper picks the cron's
        user itself, and a user removed later must not break the job.
        plone.app.async's 'default' quota (one job at a time) is used once
        a worker created it.
        """
        service = getUtility(plone_app_async("interfaces").IAsyncService)
        quotas = ("default",) if "default" in queue.quotas else ()
        previous_site = getSite()
        previous_user = getSecurityManager()
        setSite(self.context)
        newSecurityManager(None, nobody)
        try:
            return service.queueJobInQueueWithDelay(
                None, when, queue, quotas, func, self.context, *args
            )
        finally:
            setSecurityManager(previous_user)
            setSite(previous_site)

    def remove_job(self, job_id):
        job = self._job(job_id)
        if job is None or job_status(job) != PENDING:
            return False
        job.parent.remove(job)
        return True

    def remove_jobs(self, cron_uid):
        removed = 0
        queue = self.queue
        for job in list(queue):
            info = self._info(job)
            if info is not None and info["uid"] == cron_uid:
                queue.remove(job)
                removed += 1
        return removed

    def mark_site(self, active=True):
        """Mark (or unmark) this site for the restore at every worker start."""
        if active:
            return mark_site(self.context, self.queue)
        return unmark_site(self.context, self.queue)

    # -- reading -------------------------------------------------------

    def jobs(self, cron_uid=None):
        """Jobs of this site that did not finish: pending, then running."""
        result = []
        queue = get_queue(self.context, create=False)
        if queue is None:
            return result
        for job in self._unfinished(queue):
            data = self._describe(job)
            if data is None or (cron_uid is not None and data["uid"] != cron_uid):
                continue
            result.append(data)
        return sorted(result, key=lambda data: (data["when"], data["id"]))

    def job_status(self, job_id):
        job = self._job(job_id)
        if job is None:
            return None
        return job_status(job)

    def is_alive(self, instance):
        """Whether the dispatcher of the process ``instance`` pings.

        Workers register their instance id when their queue gets ready;
        a process that never ran a worker here is unknown (None).
        """
        from collective.cron.state import instance_id

        if instance == instance_id():
            return True
        try:
            queue = self.queue
        except QueueUnavailable:
            return None
        instances = queue_section(queue, "instances")
        uuid = instances.get(instance) if instances is not None else None
        if uuid is None:
            return None
        for key, agents in queue.dispatchers.items():
            if str(key) == uuid:
                return bool(agents.activated) and not agents.dead
        return False

    def state(self):
        dispatcher = zc_async("dispatcher").get(default=None)
        state = {
            "engine": ENGINE,
            "queue": u"plone.app.async (zc.async queue %r)" % (QUEUE_NAME,),
            "worker": bool(dispatcher is not None and dispatcher.activated),
            "reachable": False,
            "error": None,
            "heartbeat": None,
        }
        try:
            queue = get_queue(self.context, create=False)
        except QueueUnavailable as error:
            state["error"] = u"%s" % (error,)
            return state
        if queue is None:
            state["error"] = (
                u"the zc.async queue does not exist yet: it is created when a "
                u"worker starts or a job is queued"
            )
            return state
        state["queue"] = (
            u"plone.app.async: zc.async queue %r in database %r, %d jobs"
            % (
                QUEUE_NAME,
                queue._p_jar.db().database_name,
                len(queue),
            )
        )
        state["reachable"] = True
        pings = [
            agents.last_ping.value
            for agents in queue.dispatchers.values()
            if agents.activated and agents.last_ping.value is not None
        ]
        pings += [
            agents.activated
            for agents in queue.dispatchers.values()
            if isinstance(agents.activated, datetime.datetime)
        ]
        if pings:
            state["heartbeat"] = clock.as_utc(max(pings))
        if not [
            agents
            for agents in queue.dispatchers.values()
            if agents.activated and not agents.dead
        ]:
            state["error"] = (
                u"no zc.async worker is running: jobs wait until one starts"
            )
        return state

    # -- helpers -------------------------------------------------------

    def _job(self, job_id):
        """The job with this id, if it is one of this site's cron jobs."""
        try:
            oid = p64(int(job_id))
        except (TypeError, ValueError):
            return None
        try:
            connection = self.queue._p_jar
            job = connection.get(oid)
            info = self._info(job)
        except Exception:  # noqa: a gone or packed oid is just "no such job"
            return None
        return job if info is not None else None

    def _info(self, job):
        annotations = getattr(job, "annotations", None)
        if annotations is None:
            return None
        info = annotations.get(ANNOTATION)
        if info is None or info.get("site") != self.path:
            return None
        return info

    def _describe(self, job):
        info = self._info(job)
        if info is None:
            return None
        return {
            "id": job_id_of(job),
            "uid": info["uid"],
            "when": clock.as_utc(job.begin_after),
            "scheduled": clock.from_iso(info["scheduled"]),
            "trigger": info["trigger"],
            "status": job_status(job) or PENDING,
        }

    def _unfinished(self, queue):
        for job in queue:
            yield job
        for agents in queue.dispatchers.values():
            for agent in agents.values():
                for job in agent:
                    yield job
