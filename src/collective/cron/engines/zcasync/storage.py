# -*- coding: utf-8 -*-
"""Where the jobs are: plone.app.async's zc.async queue, in the ZODB.

The queue lives in the database plone.app.async registers as
``IAsyncDatabase`` (the main one, or ``async`` in a multi-database set-up).
collective.cron keeps a little data of its own on the queue object
(``QUEUE_DATA``): the marked sites and the workers' instance ids.
"""
from BTrees.OOBTree import OOBTree
from collective.cron import logger
from collective.cron.engines.zcasync.modules import plone_app_async
from collective.cron.engines.zcasync.modules import zc_async
from zope.component import queryUtility
from zope.component.hooks import getSite


QUEUE_NAME = ""  # plone.app.async's default queue
# Attribute of the zc.async queue holding what collective.cron remembers
# there: {"sites": {path: marked at}, "instances": {instance id: uuid text}}.
QUEUE_DATA = "_collective_cron"


class QueueUnavailable(RuntimeError):
    """plone.app.async is not set up in this process; the message says how."""


def site_path(site):
    return "/".join(site.getPhysicalPath())


def async_database():
    """The database plone.app.async keeps its queue in, if one is registered."""
    return queryUtility(plone_app_async("interfaces").IAsyncDatabase)


def queue_connection(site):
    """The connection to the database of the queue, from the site's connection.

    plone.app.async's start-up registers that database (``IAsyncDatabase``:
    the main one with ``single_db_*.zcml``, ``async`` with ``multi_db_*``);
    without it, the site's own database, as ``single_db_instance.zcml`` would.
    """
    if site is None or getattr(site, "_p_jar", None) is None:
        raise QueueUnavailable("no site with a database connection to reach the queue")
    database = async_database()
    if database is None:
        return site._p_jar
    return site._p_jar.get_connection(database.database_name)


def get_queue(site=None, create=True):
    """The zc.async queue jobs of ``site`` (default: the current site) go to.

    Created in the current transaction when no worker created it yet, unless
    ``create`` is false (reading must not write: a page that only looks
    would then be a write on GET); None then.
    """
    site = site if site is not None else getSite()
    connection = queue_connection(site)
    root = connection.root()
    key = zc_async("interfaces").KEY
    queues = root.get(key)
    if queues is None and not create:
        return None
    if queues is None:
        queues = root[key] = zc_async("queue").Queues()
        connection.add(queues)
        logger.info("zc.async queues created in database %r", connection.db().database_name)
    queue = queues.get(QUEUE_NAME)
    if queue is None and not create:
        return None
    if queue is None:
        queue = queues[QUEUE_NAME] = zc_async("queue").Queue()
        connection.add(queue)
        logger.info("zc.async queue %r created", QUEUE_NAME)
    return queue


def queue_in(connection):
    """The queue found from any connection of the multi-database, or None."""
    database = async_database()
    if database is not None:
        connection = connection.get_connection(database.database_name)
    queues = connection.root().get(zc_async("interfaces").KEY)
    if queues is None or QUEUE_NAME not in queues:
        return None
    return queues[QUEUE_NAME]


def _queue_data(queue, create=False):
    data = getattr(queue, QUEUE_DATA, None)
    if data is None and create:
        data = OOBTree()
        setattr(queue, QUEUE_DATA, data)
    return data


def prepare_queue(queue):
    """Create what collective.cron keeps in the queue, once for all.

    Done when a worker's queue gets ready, so that later writes (marking a
    site) change only this container, never the busy queue object itself.
    """
    for name in ("sites", "instances"):
        queue_section(queue, name, create=True)
    return _queue_data(queue)


def queue_section(queue, name, create=False):
    """collective.cron's ``name`` BTree on the queue ("sites", "instances")."""
    data = _queue_data(queue, create=create)
    if data is None:
        return None
    section = data.get(name)
    if section is None and create:
        section = data[name] = OOBTree()
    return section
