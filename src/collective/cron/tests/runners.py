# -*- coding: utf-8 -*-
"""Job runners registered by testing.zcml."""

from collective.cron.crontab import Runner

RUNS = []


class OkRunner(Runner):
    def run(self):
        RUNS.append((self.cron.uid, self.cron.name))


class WarnRunner(Runner):
    def run(self):
        return [u"something to look at", u"and another thing"]


class FailingRunner(Runner):
    def run(self):
        raise ValueError("this runner fails on purpose")


class RecordingRunner(Runner):
    """Records in the site's annotations, so a test sees what a worker did."""

    def run(self):
        from zope.annotation.interfaces import IAnnotations

        annotations = IAnnotations(self.context)
        runs = list(annotations.get("collective.cron.test.runs", []))
        runs.append((self.cron.uid, dict(self.cron.environ)))
        annotations["collective.cron.test.runs"] = runs
        self.log(u"recorded")


class WhoAmIRunner(Runner):
    def run(self):
        from AccessControl import getSecurityManager

        self.log(getSecurityManager().getUser().getId())
