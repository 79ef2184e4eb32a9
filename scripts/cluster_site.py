# -*- coding: utf-8 -*-
"""zconsole script of ``make test-cluster``: create the site, or dump its logs.

zconsole run zope.conf scripts/cluster_site.py setup CRONS
zconsole run zope.conf scripts/cluster_site.py dump OUTPUT.json
"""

from __future__ import print_function

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from collective.cron import clock
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from Products.CMFPlone.factory import addPloneSite
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import json
import sys
import transaction


def setup(app, count):
    site = addPloneSite(app, "Plone", extension_ids=["collective.cron:default"])
    setSite(site)
    crontab = Crontab.load(site)
    for number in range(count):
        crontab.add_cron(
            Cron(
                uid="cluster-%02d" % number,
                name="collective.cron.demo.pause",
                periodicity="* * * * *",
                environ={"seconds": 1.5},
                logs_limit=500,
            )
        )
    # Off until the workers run: a backlog of jobs due before they start
    # would blur what the test measures.
    crontab.activated = False
    crontab.save()
    transaction.commit()
    print("created %d crons at %s" % (count, clock.to_iso(clock.now())))


def activate(app):
    site = app["Plone"]
    setSite(site)
    crontab = Crontab.load(site)
    crontab.activated = True
    crontab.save()
    transaction.commit()
    print("crontab switched on at %s" % clock.to_iso(clock.now()))


def dump(app, output):
    site = app["Plone"]
    setSite(site)
    store = ILogStore(site)
    data = {}
    for uid in Crontab.load(site).crons:
        data[uid] = [log.dump() for log in store.logs(uid)]
    with open(output, "w") as stream:
        json.dump(data, stream)
    print("dumped the logs of %d crons" % len(data))


def main(app, argv):
    # zconsole hands the script its own arguments, with or without its name
    while argv and argv[0] not in ("setup", "dump", "activate"):
        argv = argv[1:]
    app = makerequest(app)
    setRequest(app.REQUEST)
    newSecurityManager(None, system)
    if argv[0] == "setup":
        setup(app, int(argv[1]))
    elif argv[0] == "activate":
        activate(app)
    else:
        dump(app, argv[1])


main(app, list(sys.argv))  # noqa: F821 (zconsole defines app)
