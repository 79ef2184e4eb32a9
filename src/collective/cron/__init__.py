# -*- coding: utf-8 -*-
"""collective.cron: periodic jobs for Plone sites."""

from zope.i18nmessageid import MessageFactory

import logging

_ = MessageFactory("collective.cron")
logger = logging.getLogger("collective.cron")
