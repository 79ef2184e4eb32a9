# -*- coding: utf-8 -*-
"""Give the browser test's site a few hundred crons (a long, batched list).

    CRONS=300 zconsole run instance/etc/zope.conf scripts/browser/add_crons.py

Run by scripts/browser_test.py after create_site.py: ``$CRONS`` crons (default
300) of the demo runner with varied names, schedules and switches, saved
through ``Crontab.save`` so that their jobs are queued as on a real site.
``zconsole`` gives the global ``app``.
"""

from __future__ import print_function

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import os
import transaction

KINDS = (
    (u"Nightly report", u"0 3 * * *"),
    (u"Newsletter", u"30 8 * * 1"),
    (u"Cache warm-up", u"*/15 * * * *"),
    (u"Link check", u"0 */6 * * *"),
    (u"Archive", u"0 0 1 * *"),
)


def main(app):
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab

    app = makerequest(app)
    setRequest(app.REQUEST)
    newSecurityManager(None, system)
    site = app[os.environ.get("PLONE_SITE_ID") or "Plone"]
    setSite(site)
    count = int(os.environ.get("CRONS") or 300)
    crontab = Crontab.load(site)
    for number in range(count):
        title, schedule = KINDS[number % len(KINDS)]
        crontab.add_cron(
            Cron(
                uid=u"many-%04d" % number,
                name=u"collective.cron.demo.statistics",
                periodicity=schedule,
                description=u"%s #%d" % (title, number),
                activated=number % 7 != 3,
            )
        )
    crontab.save()
    transaction.commit()
    print("add_crons: %d crons" % count)


main(app)  # noqa: F821 (zconsole's global)
