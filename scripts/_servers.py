# -*- coding: utf-8 -*-
"""Small helpers of the scripts that start servers on 127.0.0.1.

``make test-cluster`` (scripts/cluster_test.py), ``make test-browser``
(scripts/browser_test.py) and ``make bench`` (benchmarks/bench.py) each start
real servers on free ports of the loopback address and wait for them. They
run with different Pythons (the browser venv has no Plone), so this module
imports nothing but the standard library. The scripts of this folder import
it as ``_servers`` (their folder is on sys.path); benchmarks/bench.py adds
this folder to sys.path first.

``free_port`` and the redis-server command line are the test layers' own
(``collective.cron.testing_servers``, standard library only), loaded here by
the file's path: the browser venv has no collective.cron to import.
"""

import importlib.util
import os
import socket
import time

_spec = importlib.util.spec_from_file_location(
    "_testing_servers",
    os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        "src",
        "collective",
        "cron",
        "testing_servers.py",
    ),
)
_testing_servers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_testing_servers)

HOST = _testing_servers.HOST
free_port = _testing_servers.free_port
redis_command = _testing_servers.redis_command
redis_required = _testing_servers.redis_required
redis_server_binary = _testing_servers.redis_server_binary


def wait_port(port, timeout=60):
    """Wait until something accepts connections on 127.0.0.1:``port``.

    Exits the script (SystemExit) with the reason after ``timeout`` seconds,
    so that a server that does not start ends the run instead of hanging it.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection((HOST, port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    raise SystemExit("nothing answers on %s:%d after %ds" % (HOST, port, timeout))


def tail(path, lines=40):
    """The last ``lines`` lines of the log file ``path``, for an error message."""
    try:
        with open(path, errors="replace") as stream:
            return "".join(stream.readlines()[-lines:])
    except (IOError, OSError):
        return "(no %s)\n" % path
