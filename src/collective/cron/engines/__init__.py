# -*- coding: utf-8 -*-
"""Job engines: the queue manager picks one from the configuration."""
