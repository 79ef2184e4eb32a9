# -*- coding: utf-8 -*-
"""``collective-cron-worker``: run the job worker as a process of its own.

    collective-cron-worker instance/etc/zope.conf [--threads N]

It starts Zope from the zope.conf (without serving pages), runs the worker
of the configured engine (huey, or zc.async's dispatcher) until SIGTERM or
SIGINT, lets the jobs in flight finish, and exits.  Useful to keep jobs away from the processes that serve
visitors, or on a machine of its own with a Redis queue and ZEO/RelStorage.
"""
from __future__ import print_function

import argparse
import os
import sys
import time


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="collective-cron-worker",
        description="Run the collective.cron job worker of a Zope instance.",
    )
    parser.add_argument("zope_conf", help="path to the instance's zope.conf")
    parser.add_argument(
        "--threads", type=int, default=None, help="worker threads (default: zope.conf)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    if not os.path.isfile(arguments.zope_conf):
        print("collective-cron-worker: no such file: %s" % arguments.zope_conf,
              file=sys.stderr)
        return 2
    os.environ["COLLECTIVE_CRON_WORKER"] = "on"
    if arguments.threads:
        os.environ["COLLECTIVE_CRON_THREADS"] = str(arguments.threads)

    from collective.cron import config

    try:
        settings = config.get_settings()
    except config.ConfigurationError as error:
        print(str(error), file=sys.stderr)
        return 2
    from Zope2.Startup.run import configure_wsgi

    # Opens the database and loads the configuration; the IProcessStarting
    # subscriber starts the worker and installs the signal handlers.
    configure_wsgi(arguments.zope_conf).prepare()
    import Zope2
    from collective.cron.startup import job_engine

    # Read again: zope.conf's <product-config> is known now.
    settings = config.get_settings()
    engine = job_engine(settings)
    if engine is None:
        return 2
    if engine.current_worker() is None:
        engine.start_worker(Zope2.DB, settings, install_signal_handlers=True)
    try:
        while engine.current_worker() is not None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    engine.stop_worker(graceful=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
