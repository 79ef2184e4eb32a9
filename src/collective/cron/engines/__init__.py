# -*- coding: utf-8 -*-
"""Job engines: ``huey/`` and ``zcasync/`` adapt the core to one queue each.

Each registers an ``IJobEngine`` utility (``interfaces.py``) named after the
``engine`` setting, where its library is installed; the queue manager and
the worker start pick the configured one by that name.  What they share:
``base.py`` (the ``IJobEngine`` utility's bodies, and ``run_job``, which
marks a run whose transaction failed as abandoned) and ``signals.py``
(SIGTERM/SIGINT stop the worker from a thread, never from the handler).
"""
