# -*- coding: utf-8 -*-
"""*Timeout*: how long a run may take before it is reported overdue.

Python threads cannot be killed: a timeout does **not** stop a run.  What
it does:

* while the run goes on past it, the dashboard and the REST API show the
  cron as *overdue* (computed from the running marker: nothing is written,
  because a write to the cron's state or log book while it runs would make
  the run's own commit conflict);
* ``Runner.should_stop()`` becomes true, so that a runner that checks it
  between two pieces of work can end cooperatively;
* when the run ends, its log says how long it ran past its timeout, and an
  OK run becomes WARN (a FAILURE stays a FAILURE).

``timeout`` is a whole number of seconds, 0 (the default) for none.  This
module reads and checks the value; ``Cron`` stores it.
"""

from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.cronfields import InvalidCron

import datetime

FIELD = "timeout"
# A week: a longer run is better watched by other means.
MAX_TIMEOUT = 7 * 24 * 3600


def _invalid(message):
    return InvalidCron(message, FIELD)


def parse(value):
    """``value`` as whole seconds (0: no timeout); ``InvalidCron`` naming
    ``timeout`` for anything else."""
    if value is None or value == u"":
        return 0
    if isinstance(value, bool):
        value = None
    elif isinstance(value, string_types):
        text = value.strip()
        value = int(text) if text.isdigit() else None
    elif not isinstance(value, integer_types):
        value = None
    if value is None or value < 0 or value > MAX_TIMEOUT:
        raise _invalid(
            "timeout must be a whole number of seconds from 0 (no timeout) "
            "to %d (7 days)" % (MAX_TIMEOUT,)
        )
    return int(value)


def deadline(timeout, started):
    """When a run started at ``started`` becomes overdue, or None."""
    if not timeout or started is None:
        return None
    return started + datetime.timedelta(seconds=timeout)


def is_overdue(timeout, started, now):
    """Whether a run started at ``started`` is past its timeout at ``now``."""
    limit = deadline(timeout, started)
    return limit is not None and now > limit


def running_started(state):
    """When the run holding the running marker of ``state`` started, or None."""
    running = getattr(state, "running", None) if state is not None else None
    return running[1] if running else None
