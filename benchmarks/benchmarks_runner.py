# -*- coding: utf-8 -*-
"""The no-op job runner the benchmarks schedule."""

from collective.cron.crontab import Runner


class NoOp(Runner):
    def run(self):
        return None
