# -*- coding: utf-8 -*-
"""The no-op job runner the benchmarks schedule."""

from collective.cron.crontab import Runner


class NoOp(Runner):
    def run(self):
        return None


class Sleep60(Runner):
    """A long run: 60 s (latency_under_load)."""

    def run(self):
        import time

        time.sleep(60)
