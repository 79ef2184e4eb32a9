# -*- coding: utf-8 -*-
"""SIGTERM and SIGINT stop a process's worker well, for every engine.

Neither waitress nor Zope handles SIGTERM (the process would die with its
jobs), and Zope closes the database before ``atexit`` runs: the worker must
be stopped while the process still serves.  A signal handler runs in the
main thread between two bytecodes, possibly in the middle of a write to a
log stream: logging from it, or waiting there for threads that log, raised
"RuntimeError: reentrant call inside <_io.BufferedWriter>".  So the handler
only restores the default handlers (a second signal stops the process at
once) and starts a thread; that thread logs, stops the worker, then
interrupts the main thread (``KeyboardInterrupt``, as Ctrl-C does).
"""

from collective.cron import logger

import signal
import threading

try:
    import _thread as thread_module
except ImportError:  # Python 2.7
    import thread as thread_module


_lock = threading.Lock()
_pending = {"stop": None, "label": None, "signum": None, "thread": None}
_stopping = threading.Event()


def _stop_then_interrupt():
    """The one waiting thread of the process (started by the first
    ``install_stop_handlers``): once a signal came, stop and interrupt."""
    _stopping.wait()
    stop, label = _pending["stop"], _pending["label"]
    logger.info(
        "collective.cron: signal %s, stopping the %s", _pending["signum"], label
    )
    try:
        stop()
    except Exception:
        logger.exception("collective.cron: stopping the %s failed", label)
    logger.info("collective.cron: the %s stopped; the process exits", label)
    thread_module.interrupt_main()


def _handler(signum, frame):
    # Nothing here may write, log or wait: see the module's docstring.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _pending["signum"] = signum
    _stopping.set()


def install_stop_handlers(stop, label):
    """On SIGTERM or SIGINT, call ``stop()`` in a thread, then interrupt the
    main thread.  ``label`` names the worker in the logs.  Called from the
    main thread only (Python installs signal handlers there).

    The thread waits from the first call on (one per process): the handler
    only sets an event.
    """
    with _lock:
        _pending["stop"] = stop
        _pending["label"] = label
        if _pending["thread"] is None:
            thread = threading.Thread(
                target=_stop_then_interrupt, name="collective.cron stop"
            )
            thread.daemon = True
            thread.start()
            _pending["thread"] = thread
    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return _handler
