# -*- coding: utf-8 -*-
"""``Runner``: the base class of job runners (``IJobRunner`` adapters).

An add-on subclasses it, implements ``run()`` and registers it as a named
adapter on (site, cron) whose name is the cron's name::

    from collective.cron.crontab import Runner

    class Cleanup(Runner):
        def run(self):
            return "3 items removed"

    <adapter factory=".jobs.Cleanup" name="cleanup" />

It stays importable from ``collective.cron.crontab``, where 2.x and the
documentation put it.
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron.compat import as_text
from collective.cron.interfaces import ICron
from collective.cron.interfaces import IJobRunner
from collective.cron.log import as_messages
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.interface import implementer

import abc

# An abstract base written the same way on Python 2.7 and 3 (the class
# statement's metaclass syntax differs between them).
_Abstract = abc.ABCMeta(str("_Abstract"), (object,), {})


@implementer(IJobRunner)
@adapter(ISiteRoot, ICron)
class Runner(_Abstract):
    """Base class of job runners: subclass it and implement ``run()``.

    ``self.context`` is the site and ``self.cron`` the cron; ``log()`` and
    ``progress()`` add messages to the log of the current run.  ``run()``
    returns nothing for an OK log, a text or a list of texts for a WARN log
    with these messages, and raises for a FAILURE log.
    """

    def __init__(self, context, cron):
        self.context = context
        self.cron = cron
        self.messages = []
        self.percent = None
        # Set by the run (run.py) from the cron's timeout: see should_stop.
        self.deadline = None

    @property
    def environ(self):
        return self.cron.environ

    def log(self, *messages):
        """Add messages to this run's log; they do not change its status."""
        self.messages.extend(as_messages(list(messages)))

    def progress(self, percent, text=u""):
        """Say how far the run got, in the log and in the event log."""
        self.percent = max(0, min(100, int(percent)))
        if text:
            self.messages.append(u"%d%%: %s" % (self.percent, as_text(text)))
        logger.info(
            "cron %s (%s): %s%% %s", self.cron.name, self.cron.uid, self.percent, text
        )

    def should_stop(self):
        """True once the run is past the cron's timeout.

        Python threads cannot be killed: nothing stops a runner that does
        not ask.  A long runner checks this between two pieces of work and
        returns early (with a message saying what is left for next time).
        Always False for a cron without a timeout.
        """
        return self.deadline is not None and clock.now() > self.deadline

    @abc.abstractmethod
    def run(self):
        """The work of the job (see the class docstring for the outcome)."""
