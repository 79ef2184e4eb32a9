# -*- coding: utf-8 -*-
"""Upgrade steps: one module per step, registered in configure.zcml."""
