# py3-only: the process under test runs a huey worker.
# -*- coding: utf-8 -*-
"""SIGTERM stops a process's worker without logging from the signal handler.

A real process runs a huey worker (SQLite queue) and logs to stderr as
fast as it can from its main thread, so that the signal lands in the
middle of a write: a handler that logs there raised "RuntimeError:
reentrant call".  The process must stop its worker (logged from a thread),
then leave its main loop through KeyboardInterrupt, as Ctrl-C would.
"""

from collective.cron.testing import huey_available

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

SCRIPT = r"""
import logging, sys
from collective.cron.engines.huey import worker
from collective.cron.engines.huey.storage import make_huey

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
huey = make_huey("sqlite:///" + sys.argv[1])
worker._worker = worker.Worker(huey, db=None)
worker._worker.start()
worker.install_stop_handlers()
noise = logging.getLogger("noise")
print("ready", flush=True)
try:
    while True:
        noise.info("x" * 500)
except KeyboardInterrupt:
    print("interrupted, worker running: %s" % worker._worker.running, flush=True)
worker.stop_worker()
print("exited", flush=True)
"""


class SignalTests(object):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="collective.cron-signal-")
        self.addCleanup(shutil.rmtree, self.folder, True)

    def run_and_signal(self, signum):
        script = os.path.join(self.folder, "process.py")
        with open(script, "w") as stream:
            stream.write(SCRIPT)
        stderr_path = os.path.join(self.folder, "stderr.txt")
        with open(stderr_path, "w") as stderr:
            process = subprocess.Popen(
                [sys.executable, script, os.path.join(self.folder, "q.sqlite")],
                stdout=subprocess.PIPE,
                stderr=stderr,
                universal_newlines=True,
                # buildout's bin/test puts the eggs on sys.path in its script,
                # not in the interpreter: the child needs them too
                env=dict(
                    os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)
                ),
            )
            self.addCleanup(self._kill, process)
            ready = process.stdout.readline().strip()
            if ready != "ready":
                process.kill()
                with open(stderr_path) as stream:
                    self.fail("the process did not start: %s" % stream.read()[-2000:])
            time.sleep(0.5)
            process.send_signal(signum)
            output, _ = process.communicate(timeout=30)
        with open(stderr_path) as stream:
            errors = stream.read()
        return process.returncode, output, errors

    def _kill(self, process):
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()

    def check(self, signum):
        code, output, errors = self.run_and_signal(signum)
        self.assertEqual(code, 0, errors[-2000:])
        self.assertEqual(
            output.splitlines(), ["interrupted, worker running: False", "exited"]
        )
        self.assertNotIn("reentrant", errors)
        self.assertNotIn("Traceback", errors)
        lines = [line for line in errors.splitlines() if "collective.cron" in line]
        said = [
            index
            for index, text in enumerate(lines)
            for wanted in (
                "signal %d, stopping the huey worker" % signum,
                "stopped; the process exits",
            )
            if wanted in text
        ]
        self.assertEqual(len(said), 2, lines)
        self.assertTrue(any("worker" in line and "stopped" in line for line in lines))

    def test_sigterm(self):
        self.check(signal.SIGTERM)

    def test_sigint(self):
        self.check(signal.SIGINT)


if huey_available():

    class TestSignals(SignalTests, unittest.TestCase):
        pass


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
