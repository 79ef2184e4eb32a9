# -*- coding: utf-8 -*-
"""*Retries*: a run that raises is run again, a few times, later and later.

Two fields of a cron say how:

* ``attempts``: how many times one occurrence may run in all (1, the
  default, is no retry; at most ``MAX_ATTEMPTS``);
* ``retry_delay``: the pause in seconds before the second attempt (60 by
  default); it doubles for each attempt after, with a jitter of
  ``JITTER`` either way (so that crons failing together do not retry
  together), and never exceeds ``MAX_BACKOFF``.

Only a run that ends in FAILURE (its runner raised) is retried; a WARN, a
NOTRUN or a missing runner is not.  A retry is a job of its own, queued in
the same transaction as the failed attempt's log (the job systems queue it
when that transaction commits: ``collective.cron.run``).  Its trigger is
``retry:N`` (N the attempt), so its job id is stable and it is queued and
claimed once, like any other job, on any instance.

The schedule never waits for retries: a retry never moves the cron's
high-water mark (it is remembered by job id, like a manual run), the next
occurrence is queued as usual, and a retry that would come at or after the
next occurrence is not queued (the failure is final) or, when a late worker
takes it after the next occurrence came, is dropped with a NOTRUN log.
Alerts wait for the last attempt: a failed attempt that will be retried
sends none (``collective.cron.alerts``).
"""

from collective.cron.compat import integer_types
from collective.cron.compat import string_types
from collective.cron.cronfields import InvalidCron
from collective.cron.overlap import QUEUED

import datetime
import random

ATTEMPTS_FIELD = "attempts"
DELAY_FIELD = "retry_delay"
DEFAULT_ATTEMPTS = 1
MAX_ATTEMPTS = 10
DEFAULT_DELAY = 60
# An hour before the second attempt at most; the doubling stops at 6 hours.
MAX_DELAY = 3600
MAX_BACKOFF = 6 * 3600
# Each delay is moved by up to this fraction, earlier or later.
JITTER = 0.1
TRIGGER = u"retry"
_PREFIX = TRIGGER + u":"


def _whole(value, field, low, high, what):
    """``value`` as a whole number from ``low`` to ``high``, else
    ``InvalidCron`` naming ``field``."""
    number = None
    if isinstance(value, string_types):
        text = value.strip()
        number = int(text) if text.isdigit() else None
    elif isinstance(value, integer_types) and not isinstance(value, bool):
        number = int(value)
    if number is None or number < low or number > high:
        raise InvalidCron(
            "%s must be a whole number %s from %d to %d, not %r"
            % (field, what, low, high, value),
            field,
        )
    return number


def parse_attempts(value):
    """The number of attempts (1: no retry); ``InvalidCron`` naming
    ``attempts`` for anything else."""
    if value is None or value == u"":
        return DEFAULT_ATTEMPTS
    return _whole(value, ATTEMPTS_FIELD, 1, MAX_ATTEMPTS, "of attempts")


def parse_delay(value):
    """The first retry delay in seconds; ``InvalidCron`` naming
    ``retry_delay`` for anything else."""
    if value is None or value == u"":
        return DEFAULT_DELAY
    return _whole(value, DELAY_FIELD, 1, MAX_DELAY, "of seconds")


def backoff(first, attempt, rand=random.random):
    """Seconds to wait before ``attempt`` (2 for the first retry): ``first``
    doubled for each attempt after the second, jittered, capped."""
    base = min(first * 2 ** max(attempt - 2, 0), MAX_BACKOFF)
    jittered = base * (1 + JITTER * (2 * rand() - 1))
    return min(jittered, MAX_BACKOFF)


def trigger_for(attempt):
    """The trigger of the job of ``attempt`` (2 or more): ``retry:N``."""
    return u"%s%d" % (_PREFIX, attempt)


def attempt_of(trigger):
    """The attempt a job's trigger stands for: N for ``retry:N``, else 1."""
    if trigger and trigger.startswith(_PREFIX):
        try:
            return max(int(trigger[len(_PREFIX) :]), 2)
        except ValueError:
            return 2
    return 1


def is_retry(trigger):
    return bool(trigger) and (trigger == TRIGGER or trigger.startswith(_PREFIX))


def is_extra(trigger):
    """Jobs besides the schedule (a manual run, a retry, a run that waited
    for the previous one: ``overlap.QUEUED``): the schedule's bookkeeping
    (cron manager, reconciler) leaves them alone, and their runs are
    remembered by job id, never by the high-water mark."""
    return trigger in (u"manual", QUEUED) or is_retry(trigger)


def handled_as(trigger):
    """The trigger under which ``state.CronState`` remembers a run: the
    extra ones (:func:`is_extra`) like a manual run (by their job id)."""
    return u"manual" if is_extra(trigger) else trigger


def next_retry(cron, scheduled, attempt, ended, rand=random.random):
    """When to run ``attempt`` + 1 of the occurrence ``scheduled`` whose
    attempt ``attempt`` failed at ``ended``: (when, None), or (None, the
    next occurrence) when the retry would not come before it, or
    (None, None) when no attempt is left."""
    if attempt >= cron.attempts:
        return None, None
    delay = backoff(cron.retry_delay, attempt + 1, rand)
    when = ended + datetime.timedelta(seconds=delay)
    upcoming = next_occurrence(cron, scheduled)
    if upcoming is not None and when >= upcoming:
        return None, upcoming
    return when, None


def next_occurrence(cron, scheduled):
    """The cron's occurrence after ``scheduled`` (the one a retry of
    ``scheduled`` must not run after), or None."""
    try:
        return cron.next_after(scheduled)
    except Exception:
        return None
