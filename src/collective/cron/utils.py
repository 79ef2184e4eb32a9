# -*- coding: utf-8 -*-
"""Small helpers that several layers need, each written once."""

from BTrees.OOBTree import OOBTree
from collective.cron.compat import string_types
from zope.annotation.interfaces import IAnnotations

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


def as_bool(value):
    """A boolean from a form, a JSON document, XML or a setting.

    Text is true when it is one of ``TRUE_WORDS`` (any case, spaces ignored);
    anything else uses Python's truth.
    """
    if isinstance(value, string_types):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def annotation_tree(context, key, create=False, factory=OOBTree):
    """The BTree stored under ``key`` in ``context``'s annotations.

    With ``create=False`` nothing is written (a page that only reads must
    not add objects to the database) and None is returned when it is not
    there yet.
    """
    annotations = IAnnotations(context)
    tree = annotations.get(key)
    if tree is None and create:
        tree = annotations[key] = factory()
    return tree
