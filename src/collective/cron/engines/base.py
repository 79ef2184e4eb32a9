# -*- coding: utf-8 -*-
"""What every engine shares: the ``IJobEngine`` utility, and running a job.

``JobEngine``
    the ``IJobEngine`` utility over an engine's module-level functions
    (``queue_manager``, ``start_worker``, ``stop_worker``,
    ``current_worker``): each engine names them, the bodies are here.
``run_job``
    one run of a cron from plain data (``jobrunner.execute_job``).  When a
    transaction of the run fails for another reason than a conflict (the
    ZEO server went away during the commit), the running marker the claim
    committed stays in the database naming this live worker: the job is
    remembered as abandoned (``state.abandon_run``), so that this process
    takes that marker for what it is, not a run in progress, and the
    reconciler releases it (logging the interrupted attempt) instead of
    every later occurrence being "not run: still running".
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron import state
from collective.cron.interfaces import IJobEngine
from transaction.interfaces import TransientError
from ZODB.POSException import POSError
from zope.interface import implementer


def run_job(db, site_path, cron_uid, scheduled_iso, trigger, job_id=None):
    from collective.cron.jobrunner import execute_job

    try:
        return execute_job(db, site_path, cron_uid, scheduled_iso, trigger, job_id)
    except Exception as error:
        state.abandon_run(
            (trigger, clock.to_iso(clock.from_iso(scheduled_iso)), job_id)
        )
        if not isinstance(error, (POSError, TransientError)):
            raise
        # The database did not take the transaction: said in one line (the
        # fault is outside; a traceback would tell nothing more).
        logger.error(
            "Cron %s: the transaction of the run of %s failed (%s: %s); its "
            "effects in the database were rolled back, and the reconciler "
            "releases its running marker",
            cron_uid,
            scheduled_iso,
            type(error).__name__,
            error,
        )
        return None


@implementer(IJobEngine)
class JobEngine(object):
    """An ``IJobEngine`` utility; a subclass gives ``name`` and the
    functions of its engine (as static methods)."""

    name = None
    make_queue_manager = None
    start = None
    stop = None
    current = None

    def queue_manager(self, site):
        return self.make_queue_manager(site)

    def start_worker(self, db, settings=None, install_signal_handlers=False):
        return self.start(db, settings, install_signal_handlers)

    def stop_worker(self, graceful=True):
        return self.stop(graceful)

    def current_worker(self):
        return self.current()
