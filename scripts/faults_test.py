# py3-only: the fault suite drives the huey engine, which needs Python 3.
# -*- coding: utf-8 -*-
"""``make test-faults``: collective.cron's promises under faults (issue 10).

Real processes only: for each scenario a ZEO server, runwsgi instances with
their job workers and, where the scenario says so, a redis-server; the
scenarios run side by side on the same minutes (see scripts/faults/).  Each
prints one line

    faults: scenario=<name> occurrences=<n> runs=<n> lost=<n> duplicates=<n> interrupted_logged=<n> errors=<n>

and the run ends with

    faults: scenarios=<n> lost=<n> duplicates=<n> tracebacks=<n>

(tracebacks: in the instances' output, but for those a scenario provokes on
purpose, listed by name).  The exit status is 0 only when lost, duplicates,
errors and tracebacks are all 0.  Every server listens on 127.0.0.1 and is
stopped by its own pid, on failure too.
"""

from __future__ import print_function

from faults import harness
from faults import scenarios as catalogue
from faults.harness import log

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time


def run_scenario(scenario, m0):
    """Apply the fault (the crons are on since the minute before ``m0``)."""
    try:
        scenario.drive(m0)
    except BaseException as error:  # a broken scenario must not stop the others
        scenario.error("%s: %s" % (error.__class__.__name__, error))


def start_stacks(scenarios, root):
    """Start the stacks of the scenarios that have one (not ``fuzz``)."""
    scenarios = [scenario for scenario in scenarios if scenario.stack_needed]
    skeleton = harness.make_skeleton(root)
    log("creating the Plone site (zconsole)")
    site_conf, datafs = harness.prepare_site(root)
    for scenario in scenarios:
        scenario.build(root, skeleton, datafs)
        scenario.stack.start()
    log("%d stacks started; waiting for their instances" % len(scenarios))
    for scenario in scenarios:
        scenario.stack.wait_ready()
        scenario.say(
            "ready: ZEO %d%s, instances on %s"
            % (
                scenario.stack.zeo_port,
                ", Redis %d" % scenario.stack.redis_port if scenario.redis else "",
                ", ".join(str(process.port) for process in scenario.stack.instances),
            )
        )
    return site_conf


def in_parallel(function, scenarios):
    threads = [
        threading.Thread(target=function, args=(scenario,)) for scenario in scenarios
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def switch_on(scenario):
    status, body = scenario.stack.request("PATCH", "/Plone/@crons", {"activated": True})
    if status not in (200, 204):
        scenario.error("PATCH @crons activated: %s %s" % (status, body))
    if time.time() > scenario.m0 - 1:
        scenario.error(
            "crontab switched on after %s: the harness is too slow"
            % (harness.iso(scenario.m0))
        )


def prepare(scenario):
    scenario.prepare()
    scenario.add_crons(scenario.crons())


def run(chosen, root):
    """Start the stacks, run the scenarios side by side, count."""
    # Those without a stack (fuzz) start now: they need no clock.
    for scenario in chosen:
        scenario.begin(root)
    stacked = [scenario for scenario in chosen if scenario.stack_needed]
    site_conf = start_stacks(stacked, root)
    # The crontabs are off: the crons are saved, nothing is queued yet.
    in_parallel(prepare, stacked)
    m0 = harness.next_minute(time.time(), margin=15)
    for scenario in chosen:
        scenario.m0 = m0
    in_parallel(lambda scenario: scenario.add_crons(scenario.timed_crons(m0)), stacked)
    # Switched on within the minute before m0: m0 is every cron's first
    # occurrence, in every run of the suite.
    harness.sleep_until(m0 - 55)
    in_parallel(switch_on, stacked)
    log("crontabs on; first occurrence observed: %s" % harness.iso(m0))
    threads = [
        threading.Thread(target=run_scenario, args=(scenario, m0))
        for scenario in stacked
    ]
    for thread in threads:
        thread.start()
    # The dump's zconsole loads Plone while the scenarios observe (after
    # the restarts of the first minute), and reads once told to.
    harness.sleep_until(m0 + 60)
    output = os.path.join(root, "logs.json")
    go = os.path.join(root, "dump.go")
    dumper = harness.start_zconsole(
        root,
        "dump",
        site_conf,
        "dump",
        output,
        go,
        *["%s=%d" % (scenario.name, scenario.stack.zeo_port) for scenario in stacked]
    )
    for thread in threads:
        thread.join()
    for scenario in stacked:
        scenario.stack.stop_instances()
    open(go, "w").close()
    harness.finish_zconsole(dumper, "dump")
    with open(output) as stream:
        dump = json.load(stream)
    for scenario in stacked:
        scenario.stack.shutdown()
    # The stackless ones (fuzz, niced) have had what CPU the stacks left;
    # with the servers stopped they get the rest.
    for scenario in chosen:
        if not scenario.stack_needed:
            run_scenario(scenario, m0)
    return [(scenario, scenario.result(dump)) for scenario in chosen]


def line(name, figures):
    """The issue's line; a scenario's own figures (``extra``) follow it."""
    return (
        "faults: scenario=%s occurrences=%d runs=%d lost=%d duplicates=%d "
        "interrupted_logged=%d errors=%d%s"
        % (
            name,
            figures["occurrences"],
            figures["runs"],
            figures["lost"],
            figures["duplicates"],
            figures["interrupted_logged"],
            figures["errors"],
            " " + figures["extra"] if figures.get("extra") else "",
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", default="", help="comma-separated scenario names (default: all)"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    arguments = parser.parse_args(argv)
    chosen = catalogue.all_scenarios()
    if arguments.list:
        for scenario in chosen:
            print(scenario.name)
        return 0
    if arguments.only:
        wanted = set(arguments.only.split(","))
        unknown = wanted - set(scenario.name for scenario in chosen)
        if unknown:
            parser.error("unknown scenario(s): %s" % ", ".join(sorted(unknown)))
        chosen = [scenario for scenario in chosen if scenario.name in wanted]
    # SIGTERM (CI's timeout) stops the servers as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    root = tempfile.mkdtemp(prefix="collective.cron-faults-")
    log("work folder %s" % root)
    began = time.time()
    try:
        results = run(chosen, root)
    finally:
        harness.Process.stop_all()
    lost = duplicates = errors = counted = 0
    provoked = {}
    for scenario, figures in results:
        lost += figures["lost"]
        duplicates += figures["duplicates"]
        errors += figures["errors"]
        for name in figures["tracebacks"]:
            if any(word in name for word in scenario.provoked):
                key = "%s (%s)" % (name, scenario.name)
                provoked[key] = provoked.get(key, 0) + 1
            else:
                counted += 1
                log("Traceback in %s: %s" % (scenario.name, name))
    for key in sorted(provoked):
        log(
            "provoked on purpose, not counted: %d Traceback(s) %s"
            % (provoked[key], key)
        )
    log("%d s in all; work folder %s" % (time.time() - began, root))
    for scenario, figures in results:
        print(line(scenario.name, figures))
    print(
        "faults: scenarios=%d lost=%d duplicates=%d tracebacks=%d"
        % (len(results), lost, duplicates, counted)
    )
    failed = lost or duplicates or errors or counted or len(results) != len(chosen)
    if not failed and not arguments.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
