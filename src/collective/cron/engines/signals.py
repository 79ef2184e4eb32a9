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


def install_stop_handlers(stop, label):
    """On SIGTERM or SIGINT, call ``stop()`` in a thread, then interrupt the
    main thread.  ``label`` names the worker in the logs.  Called from the
    main thread only (Python installs signal handlers there).

    The thread is started here and waits: the handler only sets an event.
    """
    received = []
    stopping = threading.Event()

    def stop_then_interrupt():
        stopping.wait()
        logger.info("collective.cron: signal %s, stopping the %s", received[0], label)
        try:
            stop()
        except Exception:
            logger.exception("collective.cron: stopping the %s failed", label)
        logger.info("collective.cron: the %s stopped; the process exits", label)
        thread_module.interrupt_main()

    def handler(signum, frame):
        # Nothing here may write, log or wait: see the module's docstring.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        received.append(signum)
        stopping.set()

    thread = threading.Thread(target=stop_then_interrupt, name="collective.cron stop")
    thread.daemon = True
    thread.start()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return handler
