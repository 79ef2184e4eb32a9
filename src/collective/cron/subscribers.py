# -*- coding: utf-8 -*-
"""Subscribers that tie the models to the rest of the machinery."""

from collective.cron.events import CrontabSynchronisationEvent
from collective.cron.interfaces import IModifiedCrontabEvent
from zope.component import adapter
from zope.component.hooks import getSite
from zope.event import notify


@adapter(IModifiedCrontabEvent)
def synchronise_on_save(event):
    """A saved crontab asks its site's queue to follow it (never when read-only)."""
    crontab = event.crontab
    if crontab.read_only:
        return
    site = crontab.site if crontab.site is not None else getSite()
    if site is None:
        return
    notify(CrontabSynchronisationEvent(site, crontab))
