# -*- coding: utf-8 -*-
"""Moved: the engine-agnostic core now lives in modules named after its parts.

``collective.cron.jobrunner`` (one run), ``collective.cron.state`` (the run
state), ``collective.cron.reconciler`` and ``collective.cron.transactions``
(retry on conflicts).  These re-exports keep older imports working (and
``CronState`` objects pickled under this module's name loadable).
"""
from collective.cron import clock  # noqa: F401 (moved)
from collective.cron.jobrunner import _text  # noqa: F401 (moved)
from collective.cron.jobrunner import claim_occurrence  # noqa: F401 (moved)
from collective.cron.jobrunner import close_site  # noqa: F401 (moved)
from collective.cron.jobrunner import execute_job  # noqa: F401 (moved)
from collective.cron.jobrunner import GRACE_SECONDS  # noqa: F401 (moved)
from collective.cron.jobrunner import MISSED_LOGS  # noqa: F401 (moved)
from collective.cron.jobrunner import open_site  # noqa: F401 (moved)
from collective.cron.jobrunner import run_claimed  # noqa: F401 (moved)
from collective.cron.jobrunner import schedule_next  # noqa: F401 (moved)
from collective.cron.jobrunner import switch_user as _switch_user  # noqa: F401 (moved)
from collective.cron.jobrunner import UserNotFound  # noqa: F401 (moved)
from collective.cron.reconciler import reconcile_site  # noqa: F401 (moved)
from collective.cron.state import CronState  # noqa: F401 (moved)
from collective.cron.state import forget_state  # noqa: F401 (moved)
from collective.cron.state import get_state  # noqa: F401 (moved)
from collective.cron.state import instance_id  # noqa: F401 (moved)
from collective.cron.state import MANUAL_MEMORY  # noqa: F401 (moved)
from collective.cron.state import PROCESS_STARTED  # noqa: F401 (moved)
from collective.cron.state import running_is_stale as _running_is_stale  # noqa: F401 (moved)
from collective.cron.state import STATE_KEY  # noqa: F401 (moved)
from collective.cron.state import states  # noqa: F401 (moved)
from collective.cron.state import UNKNOWN_WORKER_TIMEOUT  # noqa: F401 (moved)
from collective.cron.transactions import pauses as attempts_pauses  # noqa: F401 (moved)
from collective.cron.users import user_exists  # noqa: F401 (moved)
