# -*- coding: utf-8 -*-
"""``@crons``: the crontab of the site, its crons, their logs and runs."""
