# -*- coding: utf-8 -*-
"""@@cron-health and @@cron-metrics at scale: how long one call takes.

A real Zope instance (FileStorage in a temporary folder, huey on SQLite,
no worker) gets a Plone site with ``--crons`` crons (default 10,000), each
with ``--logs`` logs (default 10, one in ten crons failing last), then the
health report (``health.site_health``) and the metrics text
(``metrics.exposition``) are timed, cold (caches emptied) and warm::

    monitoring crons=<n> logs=<k> health_cold_ms=<ms> health_warm_ms=<ms>
        metrics_cold_ms=<ms> metrics_warm_ms=<ms> metrics_bytes=<b>

(one line).  It tells how often a load balancer may poll the health page and
a Prometheus scrape interval that leaves the instance alone.

Usage: ``.envs/py311-plone60/bin/python benchmarks/scale_monitoring.py``.
"""

from __future__ import print_function

from _site import add_crons
from _site import arguments_parser
from _site import open_site
from _site import run
from _site import run_inside
from _site import start_zope

import datetime
import os
import sys
import time


def timed(call):
    started = time.time()
    result = call()
    return (time.time() - started) * 1000.0, result


def inside(arguments):
    db = start_zope(arguments.conf)
    from collective.cron import clock
    from collective.cron import health
    from collective.cron import metrics
    from collective.cron.interfaces import ILogStore
    from collective.cron.log import FAILURE
    from collective.cron.log import Log
    from collective.cron.log import OK

    import transaction

    connection, site = open_site(db)
    add_crons(site, arguments.crons, "mon-%05d")
    store = ILogStore(site)
    now = clock.now()
    for number in range(arguments.crons):
        uid = "mon-%05d" % number
        for index in range(arguments.logs):
            last = index == arguments.logs - 1
            status = FAILURE if (last and number % 10 == 0) else OK
            when = now - datetime.timedelta(hours=arguments.logs - index)
            store.append(
                uid,
                Log(
                    date=when,
                    status=status,
                    messages=[u"m"],
                    started=when,
                    duration=0.3,
                ),
            )
        if number % 500 == 499:
            transaction.commit()
    transaction.commit()

    db.cacheMinimize()
    health_cold, report = timed(lambda: health.site_health(site))
    health_warm, report = timed(lambda: health.site_health(site))
    if os.environ.get("PROFILE_HEALTH"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        health.site_health(site)
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(
            30
        )
    assert len(report["failing"]) == (arguments.crons + 9) // 10, len(report["failing"])
    db.cacheMinimize()
    metrics_cold, (body, _) = timed(lambda: metrics.exposition(site))
    metrics_warm, (body, _) = timed(lambda: metrics.exposition(site))
    connection.close()
    print(
        "monitoring crons=%d logs=%d health_cold_ms=%.0f health_warm_ms=%.0f "
        "metrics_cold_ms=%.0f metrics_warm_ms=%.0f metrics_bytes=%d"
        % (
            arguments.crons,
            arguments.logs,
            health_cold,
            health_warm,
            metrics_cold,
            metrics_warm,
            len(body),
        )
    )
    sys.stdout.flush()
    os._exit(0)


def driver(arguments):
    run_inside(
        __file__,
        "monitoring",
        "monitoring",
        ["--crons", str(arguments.crons), "--logs", str(arguments.logs)],
    )


def main(argv=None):
    parser = arguments_parser(__doc__.splitlines()[1])
    parser.add_argument("--crons", type=int, default=10000)
    parser.add_argument("--logs", type=int, default=10)
    arguments = parser.parse_args(argv)
    run(arguments, inside, driver)


if __name__ == "__main__":
    main()
