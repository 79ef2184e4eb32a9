# -*- coding: utf-8 -*-
"""Events of the crontab life cycle; add-ons and content rules react to them."""

from collective.cron.interfaces import ICrontabSynchronisationEvent
from collective.cron.interfaces import IFailedCronJobEvent
from collective.cron.interfaces import IFinishedCronJobEvent
from collective.cron.interfaces import IModifiedCrontabEvent
from collective.cron.interfaces import INotRunCronJobEvent
from collective.cron.interfaces import IServerRestartEvent
from collective.cron.interfaces import IStartedCronJobEvent
from zope.interface import implementer
from zope.interface.interfaces import ObjectEvent


@implementer(IModifiedCrontabEvent)
class ModifiedCrontabEvent(object):
    def __init__(self, crontab):
        self.crontab = crontab


@implementer(ICrontabSynchronisationEvent)
class CrontabSynchronisationEvent(ObjectEvent):
    """``object`` is the site whose queue must follow ``crontab``."""

    def __init__(self, site, crontab=None):
        super(CrontabSynchronisationEvent, self).__init__(site)
        self.crontab = crontab


@implementer(IServerRestartEvent)
class ServerRestartEvent(ObjectEvent):
    """``object`` is a site whose queue is to be restored after a start."""


class CronJobEvent(ObjectEvent):
    def __init__(self, site, cron, log=None):
        super(CronJobEvent, self).__init__(site)
        self.cron = cron
        self.log = log


@implementer(IStartedCronJobEvent)
class StartedCronJobEvent(CronJobEvent):
    pass


@implementer(IFinishedCronJobEvent)
class FinishedCronJobEvent(CronJobEvent):
    pass


@implementer(IFailedCronJobEvent)
class FailedCronJobEvent(CronJobEvent):
    pass


@implementer(INotRunCronJobEvent)
class NotRunCronJobEvent(CronJobEvent):
    """``log`` is the newest of the NOTRUN ``logs`` written together."""

    def __init__(self, site, cron, log=None, logs=()):
        super(NotRunCronJobEvent, self).__init__(site, cron, log)
        self.logs = list(logs) or ([log] if log is not None else [])
