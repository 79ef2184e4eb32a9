# py3-only: huey has no release for Python 2.7 (configure.zcml registers
# this engine with zcml:condition="installed huey").
# -*- coding: utf-8 -*-
"""The huey engine: jobs in an SQLite file (one host) or in Redis (several).

``storage``
    the huey of a queue URL (SQLite with batched commits, or Redis) and
    the one task it runs;
``queue``
    ``HueyQueueManager`` (the site's ``IQueueManager``), queue changes
    after commit, the crontab queue marker;
``worker``
    the consumer threads of a process, heartbeat, reconciler, signals, and
    ``engine``, the ``IJobEngine`` utility named "huey".

The names below are the engine's public ones (tests, scripts and
benchmarks import them from here).
"""
from collective.cron.engines.huey.queue import AfterCommitOperations  # noqa: F401
from collective.cron.engines.huey.queue import ALIVE_SECONDS  # noqa: F401
from collective.cron.engines.huey.queue import Enqueue  # noqa: F401
from collective.cron.engines.huey.queue import HueyQueueManager  # noqa: F401
from collective.cron.engines.huey.queue import job_id_for  # noqa: F401
from collective.cron.engines.huey.queue import marked_sites  # noqa: F401
from collective.cron.engines.huey.queue import Revoke  # noqa: F401
from collective.cron.engines.huey.queue import SiteMark  # noqa: F401
from collective.cron.engines.huey.storage import batch  # noqa: F401
from collective.cron.engines.huey.storage import BatchingSqliteStorage  # noqa: F401
from collective.cron.engines.huey.storage import get_database  # noqa: F401
from collective.cron.engines.huey.storage import get_huey  # noqa: F401
from collective.cron.engines.huey.storage import KEY_PREFIX  # noqa: F401
from collective.cron.engines.huey.storage import make_huey  # noqa: F401
from collective.cron.engines.huey.storage import run_task  # noqa: F401
from collective.cron.engines.huey.storage import set_database  # noqa: F401
from collective.cron.engines.huey.storage import SITES_KEY  # noqa: F401
from collective.cron.engines.huey.storage import TASK_NAME  # noqa: F401
from collective.cron.engines.huey.worker import current_worker  # noqa: F401
from collective.cron.engines.huey.worker import engine  # noqa: F401
from collective.cron.engines.huey.worker import FastScheduler  # noqa: F401
from collective.cron.engines.huey.worker import HueyEngine  # noqa: F401
from collective.cron.engines.huey.worker import InProcessConsumer  # noqa: F401
from collective.cron.engines.huey.worker import install_stop_handlers  # noqa: F401
from collective.cron.engines.huey.worker import reconcile_all  # noqa: F401
from collective.cron.engines.huey.worker import start_worker  # noqa: F401
from collective.cron.engines.huey.worker import stop_worker  # noqa: F401
from collective.cron.engines.huey.worker import Worker  # noqa: F401
