# -*- coding: utf-8 -*-
"""Every interface of collective.cron: models, components, events, registry.

Each part of the machinery is looked up through the component architecture,
so an integrator can replace one (the job system, the persistence of the
crontab, the log store) by registering an adapter for a more specific
interface or in an overrides.zcml.
"""

from collective.cron import _
from collective.cron.alertschema import _web_address  # noqa: F401 (public name)
from collective.cron.alertschema import IAlertSettings  # noqa: F401 (public name)
from zope import schema
from zope.interface import Attribute
from zope.interface import Interface
from zope.interface.interfaces import IObjectEvent
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

MANAGE_PERMISSION = "collective.cron.ManageCrons"


class ICollectiveCronLayer(IDefaultBrowserLayer):
    """Browser layer, active once the add-on is installed in a site."""


# --------------------------------------------------------------------------
# Registry (record names are those of collective.cron 2.x: keep them)
# --------------------------------------------------------------------------


class IRegistryCrontab(Interface):
    """The crontab as stored in plone.app.registry.

    Registered without a prefix, so the records are called
    ``collective.cron.interfaces.IRegistryCrontab.activated`` and
    ``collective.cron.interfaces.IRegistryCrontab.crontab`` as in 2.x.

    Since profile version 3001 each cron has a record of its own
    (``collective.cron.crons.<key>``, see ``collective.cron.registry``):
    ``crontab`` is the 2.x list, still read, moved to per-cron records on
    the next write and then left empty (not removed, so that a 2.x
    ``registry.xml`` still imports).
    """

    activated = schema.Bool(
        title=_(u"Crontab activated"),
        description=_(u"Global switch: when off, no cron of this site runs."),
        default=True,
        required=False,
    )

    crontab = schema.List(
        title=_(u"Crons"),
        description=_(u"One JSON object per cron."),
        value_type=schema.Text(title=_(u"Cron")),
        default=[],
        missing_value=[],
        required=False,
    )


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class ILog(Interface):
    """The record of one run (or non-run) of a cron."""

    date = Attribute("When the entry was written (aware UTC datetime)")
    status = Attribute("One of NOTRUN, FAILURE, WARN, OK (integers, as in 2.x)")
    messages = Attribute("List of text")
    started = Attribute("When the run started (aware UTC) or None")
    duration = Attribute("Seconds the run took (float) or None")
    trigger = Attribute("'schedule', 'manual' or 'catch-up'")
    instance = Attribute("Identifier of the process that ran the job")
    scheduled = Attribute("The occurrence this entry is about (aware UTC)")
    detail = Attribute("Longer text, the traceback of a failure")

    def dump():
        """A JSON-compatible dict."""


class ICron(Interface):
    """One periodic job of a crontab."""

    uid = Attribute("Stable identifier")
    name = Attribute("Name of the IJobRunner adapter to run")
    activated = Attribute("Whether the cron runs")
    periodicity = Attribute("Cron expression (5 fields or @alias)")
    timezone = Attribute("IANA timezone name the periodicity is read in")
    user = Attribute("User id the job runs as, or empty for a system user")
    environ = Attribute("Dict of parameters given to the runner")
    logs_limit = Attribute("How many logs are kept")
    description = Attribute("Text for people")
    missed = Attribute("Missed-run policy: 'run_once' or 'skip'")
    crontab = Attribute("The crontab this cron belongs to, or None")
    logs = Attribute("Logs of this cron, oldest first")
    next = Attribute("Next occurrence (aware UTC) or None")

    def dump():
        """A JSON-compatible dict (with the logs)."""


class ICrontab(Interface):
    """The collection of the crons of one site."""

    crons = Attribute("Ordered dict uid -> ICron")
    activated = Attribute("Global switch")
    manager = Attribute("The ICrontabRegistryManager that persists it")

    def save():
        """Persist the crontab and fire IModifiedCrontabEvent."""

    def save_cron(cron):
        """Add or replace one cron, then save."""

    def dump():
        """A JSON-compatible dict."""


# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------


class ICrontabRegistryManager(Interface):
    """Persistence of a crontab (adapts ICrontab)."""

    activated = Attribute("Global switch as stored")
    cronsettings = Attribute("The registry proxy for IRegistryCrontab")
    crons = Attribute("The stored list of JSON strings")
    read_only = Attribute("When true, writes and synchronisation are no-ops")

    def save():
        """Write the adapted crontab."""


class ILogStore(Interface):
    """Bounded per-cron log storage, written in O(1) per run (adapts a site)."""

    def append(uid, log, limit=None):
        """Add a log (ILog) for cron ``uid``; keep at most ``limit`` logs."""

    def logs(uid):
        """Logs of cron ``uid``, oldest first."""

    def last(uid):
        """The newest log of cron ``uid`` or None."""

    def count(uid):
        """How many logs cron ``uid`` has."""

    def version(uid):
        """A value that changes whenever cron ``uid``'s logs change (a log
        added, removed or trimmed, the logs cleared), without reading them;
        None without logs."""

    def clear(uid=None):
        """Forget the logs of cron ``uid`` or of every cron."""

    def remove(uid, index):
        """Forget one log by its position (0 is the oldest)."""

    def trim(uid, limit):
        """Keep the ``limit`` newest logs."""


class ICrontabManager(Interface):
    """Makes the job queue match a crontab (adapts site and crontab)."""

    def synchronize():
        """Remove jobs of gone or inactive crons, schedule missing ones."""


class ICronManager(Interface):
    """Queue presence and manual runs of one cron (adapts site and cron)."""

    def register_job(force=False):
        """Queue the next occurrence of the cron."""

    def remove_jobs():
        """Remove every queued job of the cron."""

    def run_now(parameters=None):
        """Queue an immediate run that does not move the schedule;
        ``parameters`` (a dict) override the cron's for that run only."""


class IQueueManager(Interface):
    """The job system: the only component that knows the engine (adapts a site)."""

    def register_job(cron_uid, when, trigger="schedule", scheduled=None):
        """Queue a run of a cron at ``when`` (aware UTC); returns a job id.

        ``scheduled`` is the occurrence the job is for (default ``when``):
        a catch-up job runs now for an occurrence in the past.  Engines whose
        queue lives outside the ZODB queue the job after the transaction
        commits, and not at all if it aborts.
        """

    def remove_job(job_id):
        """Remove one queued job."""

    def remove_jobs(cron_uid):
        """Remove every queued job of a cron."""

    def jobs(cron_uid=None):
        """Queued jobs of this site, as dicts with the keys id, uid, when,
        scheduled, trigger and status."""

    def mark_site(active=True):
        """Remember (or forget) that this site has a crontab, so that every
        worker restores its queue at start-up (the crontab queue marker)."""

    def is_alive(instance):
        """Whether the worker process ``instance`` (an id from the logs) has
        shown it is alive recently: True, False, or None when unknown."""

    def job_status(job_id):
        """'pending', 'running', 'finished' or None."""

    def state():
        """Engine state for people, a dict with the keys

        ``engine`` (``'huey'``, ``'zcasync'``), ``queue`` (where jobs are
        kept, without any password), ``worker`` (whether this process runs
        jobs), ``reachable`` (whether the queue answers), ``error`` (text or
        None) and ``heartbeat`` (aware UTC time a worker last showed it was
        alive, or None).  Callers that show it to people pass it through
        ``collective.cron.queue.public_state``, which masks secrets in
        ``queue`` and ``error``.
        """


class ICrontabQueueMarker(Interface):
    """The sites that have a crontab on one queue (the crontab queue marker).

    Engine-specific (each engine keeps the marks with its queue); the rules
    of when to mark and how workers walk the marked sites are in
    ``collective.cron.marker``.
    """

    def sites():
        """Paths (text) of the marked sites, sorted."""

    def mark(path):
        """Remember the site at ``path`` (after the commit for queues
        outside the ZODB)."""

    def unmark(path):
        """Forget the site at ``path``."""


class IJobRunner(Interface):
    """What a cron does: a named adapter on (site, cron), name = cron.name."""

    def run():
        """Do the work.

        Return nothing for an OK log, or a text / list of texts for a WARN
        log with these messages; raise for a FAILURE log.
        """


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------


class IModifiedCrontabEvent(Interface):
    """A crontab was saved."""

    crontab = Attribute("The crontab")


class ICrontabSynchronisationEvent(IObjectEvent):
    """The queue of a site must match its crontab (object is the site)."""

    crontab = Attribute("The crontab")


class IServerRestartEvent(IObjectEvent):
    """The process started: restore the queue of a site (object is the site)."""


class ICronJobEvent(IObjectEvent):
    """Something happened to a run of a cron (object is the site)."""

    cron = Attribute("The cron")
    log = Attribute("The log of the run, when there is one")


class IStartedCronJobEvent(ICronJobEvent):
    """A cron job starts."""


class IFinishedCronJobEvent(ICronJobEvent):
    """A cron job finished (whatever its status)."""


class IFailedCronJobEvent(ICronJobEvent):
    """A cron job raised an error."""


class INotRunCronJobEvent(ICronJobEvent):
    """Occurrences of a cron were logged as not run (missed, or skipped
    while the previous run was still going), in the transaction of the
    claim that logged them: fired once, by the instance that wrote the
    logs.  ``log`` is the newest of those NOTRUN logs."""

    logs = Attribute("The NOTRUN logs written together, oldest first")


class IJobEngine(Interface):
    """A job engine: its queue manager and this process's worker.

    Each engine (``engines/huey``, ``engines/zcasync``) registers one as a
    utility named after the ``engine`` setting that selects it, in ZCML
    loaded only where its library is installed.  The queue manager lookup
    (``collective.cron.queue``), the process start-up and the
    ``collective-cron-worker`` script look it up by that name, so none of
    them names or imports an engine.
    """

    name = Attribute("The engine's name, as in the ``engine`` setting.")

    def queue_manager(site):
        """The ``IQueueManager`` of ``site`` on this engine."""

    def start_worker(db, settings, install_signal_handlers=False):
        """Start this process's worker on the database ``db`` and return it.

        ``settings`` are ``collective.cron.config.get_settings()``.  A worker
        that runs already is returned as it is.  With
        ``install_signal_handlers`` (only from the main thread) SIGTERM and
        SIGINT stop the worker gracefully, then stop the process.
        """

    def stop_worker(graceful=True):
        """Stop this process's worker, if any; ``graceful`` lets the jobs in
        flight finish first."""

    def current_worker():
        """This process's running worker, or None."""


# The alert settings schema lives in ``collective.cron.alertschema``; it is
# imported above so that ``collective.cron.interfaces.IAlertSettings`` (the
# name registry.xml and add-ons use) keeps working.
