# -*- coding: utf-8 -*-
"""Small helpers of the scripts that start servers on 127.0.0.1.

``make test-cluster`` (scripts/cluster_test.py), ``make test-browser``
(scripts/browser_test.py) and ``make bench`` (benchmarks/bench.py) each start
real servers on free ports of the loopback address and wait for them. They
run with different Pythons (the browser venv has no Plone), so this module
imports nothing but the standard library. The scripts of this folder import
it as ``_servers`` (their folder is on sys.path); benchmarks/bench.py adds
this folder to sys.path first.
"""

import socket
import time

HOST = "127.0.0.1"


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on (at the time of asking)."""
    sock = socket.socket()
    try:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


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
