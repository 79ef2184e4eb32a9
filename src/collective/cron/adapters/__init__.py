# -*- coding: utf-8 -*-
"""Moved: the registry, log store and managers are top-level modules now;
only re-exports for older imports are left here."""
