# py3-only: the fault suite drives the huey engine, which needs Python 3.
# -*- coding: utf-8 -*-
"""The fuzz scenario: ``tests/test_fuzz.py`` with many examples.

The strategies and properties are test_fuzz's own (not repeated here):
random periodicities, time zones, parameters, JSON imports and crons.xml
files through the public functions (``periodicity.validate``,
``build_cron``, ``import_crontab``, ``apply_crons_xml``): ``EXAMPLES``
examples in all (the issue's 10,000: 2,500 per property), and
POST/PATCH/@import and arbitrary bodies over real HTTP (a WSGI server of
the functional layer): ``REST_EXAMPLES`` in all (250 per property; a
request costs far more than a function call).  The line says how many
ran: ``examples=`` and ``rest_examples=``, 0 for a run that failed.

A property fails on any exception but a clear ``ValueError`` naming its
field, on a 5xx, on a 4xx without a message, and on a refused input that
changed the crontab.

It needs no stack: it runs in zope-testrunner subprocesses (``nice``: the
other scenarios' timelines come first), started with the suite and waited
for at the end.  ``errors``: failures, errors, skips, a missing test or a
subprocess that did not end well.
"""

from __future__ import print_function

from cluster_test import BIN
from faults.harness import Process
from faults.harness import tracebacks
from faults.scenarios import Scenario

import os
import re
import threading

# The line says how many ran; FAULTS_FUZZ_EXAMPLES / FAULTS_FUZZ_REST_EXAMPLES
# change them for a quick try.
EXAMPLES = int(os.environ.get("FAULTS_FUZZ_EXAMPLES") or 10000)
REST_EXAMPLES = int(os.environ.get("FAULTS_FUZZ_REST_EXAMPLES") or 500)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# (what, examples in all, test_fuzz's classes, their properties)
RUNS = (
    (
        "functions",
        EXAMPLES,
        ("TestPeriodicity", "TestBuilder", "TestJsonImport", "TestCronsXml"),
        4,
    ),
    ("rest", REST_EXAMPLES, ("TestRest",), 2),
)
COUNTS = re.compile(
    r"^ *(?:Total: (\d+) tests, (\d+) failures, (\d+) errors and (\d+) skipped"
    r"|Ran (\d+) tests with (\d+) failures, (\d+) errors and (\d+) skipped)"
)


class Fuzz(Scenario):
    name = "fuzz"
    stack_needed = False

    def __init__(self):
        super(Fuzz, self).__init__()
        self.thread = None
        self.root = None
        self.outputs = []
        self.ran = {}

    def begin(self, root):
        self.root = root
        self.thread = threading.Thread(target=self._run)
        self.thread.daemon = True  # an interrupted suite does not wait for it
        self.thread.start()

    def _run(self):
        for what, examples, classes, count in RUNS:
            each = examples // count
            command = [
                "nice",
                "-n",
                "10",
                os.path.join(BIN, "zope-testrunner"),
                "--test-path=" + os.path.join(ROOT, "src"),
                "-s",
                "collective.cron",
                "-m",
                "test_fuzz",
            ]
            for name in classes:
                command += ["-t", name]
            # A harness Process: stopped by its pid with the servers when
            # the suite is interrupted.
            process = Process(
                self.root,
                "fuzz-" + what,
                command,
                env={"COLLECTIVE_CRON_FUZZ_EXAMPLES": str(each)},
            ).start()
            output = process.output
            self.outputs.append(output)
            code = process.popen.wait()
            process.stop()
            self.check_output(what, output, code, count, each)
            if code < 0:  # killed (the suite is stopping): no next run
                break

    def check_output(self, what, output, code, count, each):
        found = None
        with open(output, errors="replace") as stream:
            for line in stream:
                match = COUNTS.match(line)
                if match:
                    found = [int(n) for n in match.groups() if n is not None]
        if found is None:
            self.error("fuzz %s: no test counts in %s (exit %s)" % (what, output, code))
            return
        tests, failures, errors, skipped = found
        self.say(
            "%s: %d properties x %d examples, %d failures, %d errors, %d skipped"
            % (what, tests, each, failures, errors, skipped)
        )
        if tests != count or failures or errors or skipped or code:
            self.error(
                "fuzz %s: %d tests (want %d), %d failures, %d errors, %d "
                "skipped, exit %s (see %s)"
                % (what, tests, count, failures, errors, skipped, code, output)
            )
        else:
            self.ran[what] = tests * each

    def drive(self, m0):
        self.thread.join()

    def expected(self, m0):
        return {}, []

    def result(self, dump):
        figures = dict(
            occurrences=0, runs=0, lost=0, duplicates=0, interrupted_logged=0
        )
        figures["errors"] = len(self.errors)
        figures["tracebacks"] = tracebacks(self.outputs)
        figures["extra"] = "examples=%d rest_examples=%d" % (EXAMPLES, REST_EXAMPLES)
        return figures
