# -*- coding: utf-8 -*-
"""Moved to ``collective.cron.legacy`` (the one place for the 2.x format).

Kept for ``cron.py``'s import until it names ``collective.cron.legacy``;
then this module goes.
"""

from collective.cron.legacy import chronological  # noqa: F401
from collective.cron.legacy import local_to_utc  # noqa: F401
from collective.cron.legacy import status_name  # noqa: F401
from collective.cron.legacy import STATUSES  # noqa: F401
