# -*- coding: utf-8 -*-
"""Start the job worker of a server process.

Zope fires IDatabaseOpenedWithRoot, then IProcessStarting, in the main
thread before serving (``runwsgi`` and ``zconsole run`` alike; tests fire
neither).  The worker starts only where the configuration says this process
runs jobs (see ``config.get_settings``: server commands yes, scripts no),
through the ``IJobEngine`` utility named after the configured engine.  A
configuration that cannot work is logged once and the instance serves
pages all the same.
"""
from collective.cron import config
from collective.cron import logger
from collective.cron.interfaces import IJobEngine
from zope.component import adapter
from zope.component import queryUtility
from zope.processlifetime import IDatabaseOpenedWithRoot
from zope.processlifetime import IProcessStarting


_database = []


@adapter(IDatabaseOpenedWithRoot)
def remember_database(event):
    del _database[:]
    _database.append(event.database)


def database():
    if _database:
        return _database[0]
    import Zope2

    return Zope2.DB


def job_engine(settings):
    """The ``IJobEngine`` of the configured engine, or None after saying why."""
    engine = queryUtility(IJobEngine, name=settings["engine"])
    if engine is None:
        logger.error(
            "collective.cron: the %s engine is not available in this process "
            "(is its library installed?); jobs wait in the queue",
            settings["engine"],
        )
    return engine


@adapter(IProcessStarting)
def start_worker(event):
    settings = config.settings_or_none()
    if settings is None or not settings["worker"]:
        return
    engine = job_engine(settings)
    if engine is None:
        return
    try:
        engine.start_worker(database(), settings, install_signal_handlers=True)
    except Exception as error:
        logger.error(
            "collective.cron: the job worker did not start (%s); pages are "
            "served, jobs wait in the queue",
            error,
        )
