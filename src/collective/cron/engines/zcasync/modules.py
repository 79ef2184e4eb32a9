# -*- coding: utf-8 -*-
"""The one door to zc.async and plone.app.async.

Both are a SyntaxError on Python 3 (``async`` is a keyword there), so no
module of this engine names them in an import statement: each imports them
on first use through these functions.  The engine's modules then compile
and import on Python 3 too, for linters and tools, while only Python 2.7
with zc.async installed ever calls them (the engine's ZCML is loaded with
``zcml:condition="installed zc.async"``).
"""
import importlib


def zc_async(name):
    """The module ``zc.async.<name>`` (``interfaces``, ``dispatcher``...)."""
    return importlib.import_module("zc.async." + name)


def plone_app_async(name):
    """The module ``plone.app.async.<name>`` (``interfaces``, ``subscribers``...)."""
    return importlib.import_module("plone.app.async." + name)
