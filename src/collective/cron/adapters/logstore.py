# -*- coding: utf-8 -*-
"""Moved to ``collective.cron.logstore``; re-exported for older imports
(and for log books pickled under this module's name)."""
from collective.cron.logstore import ANNOTATION_KEY  # noqa: F401 (moved)
from collective.cron.logstore import LogBook  # noqa: F401 (moved)
from collective.cron.logstore import LogStore  # noqa: F401 (moved)
from collective.cron.logstore import StoredLog  # noqa: F401 (moved)
