# -*- coding: utf-8 -*-
"""Start the job worker of a server process.

Zope fires IDatabaseOpenedWithRoot, then IProcessStarting, in the main
thread before serving (``runwsgi`` and ``zconsole run`` alike; tests fire
neither).  The worker starts only where the configuration says this process
runs jobs (see ``config.get_settings``): a configuration that cannot work is
logged once and the instance serves pages all the same.
"""
from collective.cron import config
from collective.cron import logger
from zope.component import adapter
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


@adapter(IProcessStarting)
def start_worker(event):
    settings = config.settings_or_none()
    if settings is None or not settings["worker"]:
        return
    if settings["engine"] != "huey":
        # zc.async runs its own dispatcher (plone.app.async's ZCML).
        return
    try:
        from collective.cron.engines import huey as engine
    except (ImportError, SyntaxError) as error:
        logger.error("collective.cron: the huey engine cannot load: %s", error)
        return
    try:
        engine.start_worker(database(), settings, install_signal_handlers=True)
    except Exception as error:
        logger.error(
            "collective.cron: the job worker did not start (%s); pages are "
            "served, jobs wait in the queue",
            error,
        )
