# -*- coding: utf-8 -*-
"""Moved to ``collective.cron.queue``; these re-exports keep older imports working."""
from collective.cron.queue import _report_once  # noqa: F401 (moved)
from collective.cron.queue import queue_manager  # noqa: F401 (moved)
from collective.cron.queue import UnavailableQueueManager  # noqa: F401 (moved)
