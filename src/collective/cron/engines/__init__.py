# -*- coding: utf-8 -*-
"""Job engines: ``huey/`` and ``zcasync/`` adapt the core to one queue each.

Each registers an ``IJobEngine`` utility (``interfaces.py``) named after the
``engine`` setting, where its library is installed; the queue manager and
the worker start pick the configured one by that name.
"""
