# -*- coding: utf-8 -*-
"""The zc.async engine: plone.app.async's queue as collective.cron's job system.

Registered only where zc.async is installed (Plone 5.2 on Python 2.7), by
``configure.zcml`` with ``zcml:condition="installed zc.async"``.  zc.async
and plone.app.async are a SyntaxError on Python 3, so the modules import
them on first use only (``modules``): importing this package registers
nothing and works on Python 3 too (for linters).

``storage``
    where the zc.async queue is, and collective.cron's data on it;
``marker``
    the crontab queue marker (the sites every worker restores at start-up);
``queue``
    ``ZCAsyncQueueManager`` (the site's ``IQueueManager``) and
    ``run_queued_job``, the function every queued cron job calls;
``worker``
    the dispatcher of this process: start (as plone.app.async's worker
    ZCML would), ``queue_ready``, stop and signals; ``engine``, the
    ``IJobEngine`` utility named "zcasync";
``reconciler``
    restoring the marked sites after a start, and the minutely reconciler;
``zpublisher``
    the transactions manager plone.app.async's job runner expects.

The names below are the engine's public ones (tests and the test layers
import them from here).  ``run_queued_job`` must stay importable from here
for good: every queued job names it by this path.
"""
from collective.cron.engines.zcasync.marker import mark_site  # noqa: F401
from collective.cron.engines.zcasync.marker import marked_sites  # noqa: F401
from collective.cron.engines.zcasync.marker import unmark_site  # noqa: F401
from collective.cron.engines.zcasync.queue import ANNOTATION  # noqa: F401
from collective.cron.engines.zcasync.queue import ENGINE  # noqa: F401
from collective.cron.engines.zcasync.queue import job_id_of  # noqa: F401
from collective.cron.engines.zcasync.queue import run_queued_job  # noqa: F401
from collective.cron.engines.zcasync.queue import ZCAsyncQueueManager  # noqa: F401
from collective.cron.engines.zcasync.reconciler import RECONCILE_SECONDS  # noqa: F401
from collective.cron.engines.zcasync.reconciler import restart_sites  # noqa: F401
from collective.cron.engines.zcasync.reconciler import start_reconciler  # noqa: F401
from collective.cron.engines.zcasync.reconciler import stop_reconciler  # noqa: F401
from collective.cron.engines.zcasync.reconciler import wait_for_restarts  # noqa: F401
from collective.cron.engines.zcasync.storage import get_queue  # noqa: F401
from collective.cron.engines.zcasync.storage import prepare_queue  # noqa: F401
from collective.cron.engines.zcasync.storage import QUEUE_DATA  # noqa: F401
from collective.cron.engines.zcasync.storage import QUEUE_NAME  # noqa: F401
from collective.cron.engines.zcasync.storage import queue_connection  # noqa: F401
from collective.cron.engines.zcasync.storage import QueueUnavailable  # noqa: F401
from collective.cron.engines.zcasync.storage import site_path  # noqa: F401
from collective.cron.engines.zcasync.worker import current_worker  # noqa: F401
from collective.cron.engines.zcasync.worker import engine  # noqa: F401
from collective.cron.engines.zcasync.worker import graceful_shutdown_on_start  # noqa: F401
from collective.cron.engines.zcasync.worker import install_stop_handlers  # noqa: F401
from collective.cron.engines.zcasync.worker import queue_ready  # noqa: F401
from collective.cron.engines.zcasync.worker import start_worker  # noqa: F401
from collective.cron.engines.zcasync.worker import stop_dispatcher  # noqa: F401
from collective.cron.engines.zcasync.worker import stop_worker  # noqa: F401
from collective.cron.engines.zcasync.worker import ZCAsyncEngine  # noqa: F401
from collective.cron.engines.zcasync.zpublisher import install_transactions_manager  # noqa: F401
from collective.cron.engines.zcasync.zpublisher import transactions_manager_on_start  # noqa: F401
from collective.cron.engines.zcasync.zpublisher import TransactionsManager  # noqa: F401
