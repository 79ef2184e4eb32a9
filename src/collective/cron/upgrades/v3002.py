# -*- coding: utf-8 -*-
"""Profile version 3002: the alert settings records, and run counters.

Alerts (``collective.cron.alerts``) read their settings from the records
``collective.cron.alerts.*``, which a new install gets from registry.xml.
A site installed before alerts existed has none: no alert could be sent
until an administrator saved the alerts page once.  This step registers
them (values already there are kept: ``registerInterface`` keeps a value
its field still accepts).

It also gives every cron the run counters the metrics read
(``collective.cron.runstats``), counted from the logs it keeps, so that no
scrape has to read logs afterwards.  Both are idempotent.
"""

from collective.cron import logger
from collective.cron.alerts import ALERTS_PREFIX
from collective.cron.alerts import settings
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IAlertSettings
from collective.cron.runstats import seed
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite


def upgrade_to_3002(setup_tool):
    """Upgrade step (GenericSetup handler)."""
    site = getToolByName(setup_tool, "portal_url").getPortalObject()
    if getSite() is not site:
        setSite(site)
    registry = getUtility(IRegistry)
    if settings() is None:
        registry.registerInterface(IAlertSettings, prefix=ALERTS_PREFIX)
        logger.info("collective.cron 3002: alert settings registered (alerts off)")
    counted = 0
    for uid in Crontab.load(site, read_only=True).crons.keys():
        seed(site, uid)
        counted += 1
    logger.info("collective.cron 3002: run counters of %d crons", counted)
