# -*- coding: utf-8 -*-
"""plone.restapi services of collective.cron: the ``@crons`` endpoint."""
