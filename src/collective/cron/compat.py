# -*- coding: utf-8 -*-
"""What differs between Python 2.7 (Plone 5.2 with zc.async) and Python 3.

Every other module imports these names instead of testing the version
itself, so that the day Python 2.7 goes, this file is the one to shrink.
"""

import sys

PY2 = sys.version_info[0] == 2

if PY2:  # pragma: no cover (Python 2.7 only)
    text_type = unicode  # noqa: F821
    binary_type = str
    string_types = (str, unicode)  # noqa: F821
    integer_types = (int, long)  # noqa: F821
    from urllib import quote  # noqa: F401
    from urllib import unquote  # noqa: F401
    from urllib2 import HTTPError  # noqa: F401
    from urllib2 import Request  # noqa: F401
    from urllib2 import urlopen  # noqa: F401
    from urlparse import parse_qs  # noqa: F401
    from urlparse import urlsplit  # noqa: F401
else:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)
    from urllib.error import HTTPError  # noqa: F401
    from urllib.parse import parse_qs  # noqa: F401
    from urllib.parse import quote  # noqa: F401
    from urllib.parse import unquote  # noqa: F401
    from urllib.parse import urlsplit  # noqa: F401
    from urllib.request import Request  # noqa: F401
    from urllib.request import urlopen  # noqa: F401


def module_available(name):
    """Whether the module ``name`` can be found, without running it.

    For a library that may not even compile on this Python (plone.app.async
    uses ``async`` as a name, a keyword on Python 3).
    """
    if PY2:  # pragma: no cover (Python 2.7 only)
        import pkgutil

        try:
            return pkgutil.find_loader(name) is not None
        except ImportError:
            return False
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def as_text(value, default=u""):
    """Anything as text: bytes are read as UTF-8 (bad bytes replaced), None is ``default``.

    Messages, names and logs go through here so that building them never fails.
    """
    if value is None:
        return default
    if isinstance(value, binary_type):
        return value.decode("utf-8", "replace")
    return text_type(value)


def native_string(value):
    """Text as the ``str`` of the running Python (bytes on 2.7), e.g. for headers."""
    value = as_text(value)
    return value.encode("utf-8") if PY2 else value
