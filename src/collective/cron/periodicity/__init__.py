# -*- coding: utf-8 -*-
"""Periodicities: what is accepted, when it runs, how it reads.

- ``validate``: which 5-field expressions and aliases are accepted, with a
  message naming the bad field (``InvalidPeriodicity``);
- ``occurrences``: the next runs in a cron's time zone, with the daylight
  saving time rules (read that module's docstring: it is the contract of
  the schedule), ``get_timezone`` and the site's zone;
- ``describe``: the expression in words (English, French, German).

The names below are the public API; import them from here.  Note that
``periodicity.validate`` and ``periodicity.describe`` are the functions,
which hide the submodules of the same names: reach a submodule with
``from collective.cron.periodicity.describe import ...``.
"""

from collective.cron.periodicity.describe import describe  # noqa: F401
from collective.cron.periodicity.occurrences import DEFAULT_TIMEZONE  # noqa: F401
from collective.cron.periodicity.occurrences import get_timezone  # noqa: F401
from collective.cron.periodicity.occurrences import next_occurrence  # noqa: F401
from collective.cron.periodicity.occurrences import next_occurrences  # noqa: F401
from collective.cron.periodicity.occurrences import occurrences_between  # noqa: F401
from collective.cron.periodicity.occurrences import period_seconds  # noqa: F401
from collective.cron.periodicity.occurrences import site_timezone  # noqa: F401
from collective.cron.periodicity.validate import ALIASES  # noqa: F401
from collective.cron.periodicity.validate import InvalidPeriodicity  # noqa: F401
from collective.cron.periodicity.validate import InvalidTimezone  # noqa: F401
from collective.cron.periodicity.validate import MAX_LENGTH  # noqa: F401
from collective.cron.periodicity.validate import STORED_MAX_LENGTH  # noqa: F401
from collective.cron.periodicity.validate import validate  # noqa: F401
