# -*- coding: utf-8 -*-
"""Moved to ``collective.cron.registry``; re-exported for older imports."""
from collective.cron.registry import ACTIVATED_RECORD  # noqa: F401 (moved)
from collective.cron.registry import CRONTAB_RECORD  # noqa: F401 (moved)
from collective.cron.registry import CrontabRegistryManager  # noqa: F401 (moved)
from collective.cron.registry import PREFIX  # noqa: F401 (moved)
