# -*- coding: utf-8 -*-
"""The cron jobrunner wrapper: what one run of a cron does, whatever the engine.

An engine calls :func:`execute_job` with plain data (a site path, a cron
uid, an occurrence, a trigger, its job id) and a database; an engine that
already opened the site in a transaction it manages itself calls
``claim.claim_occurrence``, commits, then ``run.run_claimed``.

The parts, each in its own module, and this one that strings them together:

* ``collective.cron.sitecontext`` -- the site, its request and language,
  the cron's user (:func:`execute_job` opens the site once per transaction);
* ``collective.cron.claim`` -- the first transaction: skip, log or set the
  running marker; the missed-run logs; releasing a dead worker's marker;
* ``collective.cron.run`` -- the second transaction: the runner as its
  user, its log, the high-water mark;
* here -- the retries of each transaction (:class:`_RunWithRetries`) and
  the queueing of the next occurrence (:func:`schedule_next`).

The contract, written once here:

* **Exactly once.** Each cron has a state object (``collective.cron.state``)
  with a high-water mark of the occurrences handled, written in the same
  transaction as the run's effects.  Two instances racing on one occurrence
  conflict on that small object; the retry sees the mark and skips.  ZODB
  effects happen once; effects outside the ZODB happen at least once (a run
  interrupted by a dead worker is run again, and the loss is logged).
* **Two transactions per run.** The *claim* commits a running marker naming
  the worker (and creates the cron's state and log book if missing); the
  *run* commits the runner's effects with its log and releases the marker.
  A marker left by a dead worker is released (by the claim or the reconciler)
  once the job system says that worker is gone, with a WARN log
  "Interrupted: the worker X stopped during the run started at T"
  (``claim.release_interrupted``); the occurrence is then run again.
* **Saves never conflict with runs.** The run's transaction writes only
  its cron's state, its cron's log book and what the runner writes; a save
  of the crontab writes the registry, the states of new crons and of the
  crons whose own schedule changed, and nothing unchanged (see
  ``collective.cron.state``).  So saving *another* cron never makes a
  running job conflict.
* **Retries after a conflict** (:class:`_RunWithRetries`).  When the run's
  commit conflicts, nothing of it was committed.  If the runner changed no
  ZODB object, its effects were all outside the ZODB and happened once:
  only the bookkeeping (log, mark, marker, next job) is written again in a
  fresh transaction, and the log says "Retried after a conflict (attempt
  N) … the job ran once".  If the runner changed ZODB objects, those
  changes were lost with the aborted transaction and only running it again
  redoes them: the runner runs again and the log says how many times it
  ran ("… ran again (N runs)"), since effects outside the ZODB may then
  have happened that many times.  Runners that write to the ZODB *and*
  act outside it should make the outside action idempotent.
* **No overlap.** An occurrence that comes due while the marker of another
  live run is set is not run: it gets a NOTRUN log "previous run is still
  running" and counts as handled.
* **Missed runs.** Occurrences between the mark and the one being run that
  are already past were missed (instance down, job lost).  Under the
  ``run_once`` policy they are coalesced into one run (trigger
  ``catch-up``) and each gets a NOTRUN log (at most ``claim.MISSED_LOGS``,
  the rest summed up); under ``skip`` a late occurrence is not run at all.
  Occurrences that fell while the previous run was going are logged as
  skipped for that reason, not as missed, and the next on-time run after
  them is labelled ``schedule``, not ``catch-up``.  A change of the cron's
  periodicity or timezone resets the mark to the time of the change
  (``CronManager.register_job``): nothing of the old schedule is owed.
* **Manual runs** never move the schedule; their job ids are remembered so
  one is never run twice.  Retries of a run that raised
  (``collective.cron.retries``) are remembered the same way, and their run
  queues no next occurrence (the scheduled run did).
* **As whom.** The run adopts the cron's user (an id or a login, found by
  ``collective.cron.users.find_user`` like the forms do); a user who is gone
  gives a FAILURE log and nothing runs.  An empty user is the system user.
* **After the commit** the next occurrence is queued.
"""

from collective.cron import _
from collective.cron import clock
from collective.cron import logger
from collective.cron import retries
from collective.cron.claim import claim_occurrence
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.run import record_run
from collective.cron.run import run_claimed
from collective.cron.sitecontext import close_site
from collective.cron.sitecontext import log_text
from collective.cron.sitecontext import open_site
from collective.cron.state import get_state
from collective.cron.state import set_changed
from collective.cron.transactions import retry_on_conflict
from collective.cron.transactions import TooManyConflicts
from zope.component import queryMultiAdapter

import transaction


def schedule_next(site, cron_uid, after=None):
    """Queue the next occurrence of a cron (after the transaction commits)."""
    cron = Crontab.load_cron(cron_uid, site)
    if cron is None or not cron.active:
        return None
    manager = queryMultiAdapter((site, cron), ICronManager)
    if manager is None:
        return None
    # The job that just ran was the cron's queued one: no need to list the
    # whole queue to replace strays (the reconciler and synchronisation do
    # that); the next job's id is stable, so queueing it twice is harmless.
    job = manager.register_job(after=after, jobs=[])
    # A save leaves the state of an unchanged cron alone: the run, which
    # owns it, remembers the occurrence it queued.
    state = get_state(site, cron_uid)
    if state is not None:
        next_occurrence = getattr(manager, "next_occurrence", None)
        if next_occurrence is not None:
            set_changed(state, "expected", next_occurrence(after))
    return job


# ---------------------------------------------------------------------------
# Retries of a run
# ---------------------------------------------------------------------------


class _RunWithRetries(object):
    """One attempt of the run's transaction, called by ``retry_on_conflict``.

    The first attempt runs the runner and records it.  When its commit
    conflicts, a later attempt (a fresh transaction on fresh data):

    * re-applies only the bookkeeping (:func:`record_run`: log, high-water
      mark, marker, next job) when the runner changed no ZODB object: its
      effects were all outside the ZODB, they happened once and are kept;
      the conflict was on the bookkeeping (e.g. an overlapping claim that
      logged a NOTRUN on the same cron).  The log says "retried after a
      conflict (attempt N)" and that the job ran once;
    * runs the runner again when it changed ZODB objects: a ZODB commit is
      all or nothing, the aborted attempt took those changes with it and
      only running again redoes them.  The log then says the job ran N
      times, because its effects outside the ZODB may have happened N times.
    """

    def __init__(self, cron_uid, claimed, job_id):
        self.cron_uid = cron_uid
        self.claimed = claimed
        self.job_id = job_id
        self.attempt = 0
        self.runs = 0
        self.outcome = {}

    def __call__(self, site, request):
        self.attempt += 1
        scheduled = self.claimed["scheduled"]
        trigger = self.claimed["trigger"]
        if self.attempt > 1 and self.outcome and not self.outcome["wrote"]:
            cron = Crontab.load_cron(self.cron_uid, site)
            if cron is None:
                get_state(site, self.cron_uid, create=True).running = None
                log = None
            else:
                note = log_text(
                    _(
                        u"Retried after a conflict (attempt ${attempt}): the log was "
                        u"written again; the job ran once",
                        mapping={u"attempt": self.attempt},
                    )
                )
                log = record_run(
                    site,
                    cron,
                    scheduled,
                    trigger,
                    self.job_id,
                    self.outcome,
                    notes=[note],
                    attempt=self.claimed.get("attempt", 1),
                    key=self.claimed.get("key"),
                )
        else:
            self.runs += 1
            notes = []
            if self.runs > 1:
                notes.append(
                    log_text(
                        _(
                            u"Retried after a conflict (attempt ${attempt}): the job's "
                            u"own database changes conflicted, so it ran again "
                            u"(${runs} runs); its effects outside the database may "
                            u"have happened ${runs} times",
                            mapping={u"attempt": self.attempt, u"runs": self.runs},
                        )
                    )
                )
            log = run_claimed(
                site,
                self.cron_uid,
                scheduled,
                trigger,
                self.job_id,
                request,
                outcome=self.outcome,
                notes=notes,
                attempt=self.claimed.get("attempt", 1),
                key=self.claimed.get("key"),
            )
        return log


# ---------------------------------------------------------------------------
# The whole job, for engines that carry plain data
# ---------------------------------------------------------------------------


def execute_job(
    db, site_path, cron_uid, scheduled_iso, trigger, job_id=None, attempts=10
):
    """Run one job from plain data, with its own connection and transactions.

    The claim commits first (the running marker, or the NOTRUN logs); then
    the runner's effects commit with the log and the next occurrence is
    queued.  Each transaction is retried on conflicts (``collective.cron.transactions.retry_on_conflict``); the run
    is retried as :class:`_RunWithRetries` says.  Returns the log of the
    run, or None when nothing ran.
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
                in_site(claim),
                attempts,
                note=u"collective.cron: claim %s %s" % (cron_uid, scheduled_iso),
                cleanup=close_site,
            )
        except TooManyConflicts:
            logger.error("Cron %s: gave up claiming %s", cron_uid, scheduled_iso)
            return None
        if claimed["action"] == "skip":
            if claimed.get("reason") == "duplicate":
                logger.info(
                    "Cron %s: occurrence %s ran already", cron_uid, scheduled_iso
                )
            return None
        if claimed["action"] == "run":
            attempt = _RunWithRetries(cron_uid, claimed, job_id)

            def run(site, request):
                log = attempt(site, request)
                if not retries.is_extra(trigger):
                    # Bookkeeping too: redone, never the runner, on a retry.
                    schedule_next(site, cron_uid)
                return log

            note = u"collective.cron: run %s %s" % (cron_uid, scheduled_iso)
        elif not retries.is_extra(trigger):

            def run(site, request):
                schedule_next(site, cron_uid)

            note = u"collective.cron: schedule after %s %s" % (cron_uid, scheduled_iso)
        else:
            return None
        try:
            return retry_on_conflict(
                in_site(run), attempts, note=note, cleanup=close_site
            )
        except TooManyConflicts:
            logger.error("Cron %s: gave up committing %s", cron_uid, scheduled_iso)
            return None
    finally:
        transaction.manager.abort()
        connection.close()
