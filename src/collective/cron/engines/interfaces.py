# -*- coding: utf-8 -*-
"""The one interface every job engine offers: ``IJobEngine``.

Each engine registers an ``IJobEngine`` utility named after its ``engine``
setting (``huey``, ``zcasync``), in ZCML loaded only where the engine's
library is installed.  The process start-up (``collective.cron.startup``)
and the ``collective-cron-worker`` script look the utility up by that name,
so neither names an engine nor imports one.
"""
from zope.interface import Attribute
from zope.interface import Interface


class IJobEngine(Interface):
    """A job engine: its queue manager and this process's worker.

    Registered as a named utility; the name is the value of the ``engine``
    setting that selects it.
    """

    name = Attribute("The engine's name, as in the ``engine`` setting.")

    def queue_manager(site):
        """The ``IQueueManager`` of ``site`` on this engine."""

    def start_worker(db, settings, install_signal_handlers=False):
        """Start this process's worker on the database ``db`` and return it.

        ``settings`` are ``collective.cron.config.get_settings()``.  A worker
        that runs already is returned as it is.  With
        ``install_signal_handlers`` (only from the main thread) SIGTERM and
        SIGINT stop the worker gracefully, then stop the process.
        """

    def stop_worker(graceful=True):
        """Stop this process's worker, if any; ``graceful`` lets the jobs in
        flight finish first."""

    def current_worker():
        """This process's running worker, or None."""
