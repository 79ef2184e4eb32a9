# -*- coding: utf-8 -*-
"""Rebuild the catalogs of the collective.cron domain.

Run it from anywhere with an environment that has i18ndude::

    python src/collective/cron/locales/update.py

1. the messages that ``periodicity/validate.py`` builds from (msgid, default) pairs
   are invisible to i18ndude: they are written to
   ``collective.cron-manual.pot`` first;
2. ``i18ndude rebuild-pot`` extracts every other message of the package
   (Python, page templates, ZCML, GenericSetup XML) and merges the manual
   ones into ``collective.cron.pot``;
3. ``i18ndude sync`` brings the French and German catalogs up to date;
4. the ``.mo`` files are compiled, so that translations work even where
   ``zope_i18n_compile_mo_files`` is not set.

Then translate what is new (``msgstr ""``) and run it again to compile.
"""

import ast
import io
import os
import subprocess
import sys

DOMAIN = "collective.cron"
LANGUAGES = ("fr", "de")
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)


def i18ndude():
    candidate = os.path.join(os.path.dirname(sys.executable), "i18ndude")
    return candidate if os.path.exists(candidate) else "i18ndude"


def dynamic_messages(path):
    """(msgid, default, line) of the calls passing "periodicity_error_*" ids."""
    with io.open(path, encoding="utf-8") as stream:
        tree = ast.parse(stream.read())
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        args = node.args
        for position, arg in enumerate(args[:-1]):
            value = getattr(arg, "value", getattr(arg, "s", None))
            default = getattr(
                args[position + 1], "value", getattr(args[position + 1], "s", None)
            )
            if (
                isinstance(value, str)
                and value.startswith("periodicity_error")
                and isinstance(default, str)
            ):
                found[value] = (default, node.lineno)
    return found


def quote(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_manual_pot():
    path = os.path.join(HERE, DOMAIN + "-manual.pot")
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"Domain: %s\\n"' % DOMAIN,
        "",
    ]
    for msgid, (default, line) in sorted(
        dynamic_messages(os.path.join(PACKAGE, "periodicity", "validate.py")).items()
    ):
        lines.append("#: ./periodicity/validate.py:%d" % line)
        lines.append("#. Default: %s" % quote(default))
        lines.append("msgid %s" % quote(msgid))
        lines.append('msgstr ""')
        lines.append("")
    with io.open(path, "w", encoding="utf-8") as stream:
        stream.write(u"\n".join(lines))
    return path


def compile_mo(po_path):
    from pythongettext.msgfmt import Msgfmt

    with open(po_path, "rb") as stream:
        data = Msgfmt(stream, name=po_path).get()
    with open(po_path[:-3] + ".mo", "wb") as stream:
        stream.write(data)


def main():
    manual = write_manual_pot()
    pot = os.path.join(HERE, DOMAIN + ".pot")
    subprocess.check_call(
        [
            i18ndude(),
            "rebuild-pot",
            "--pot",
            pot,
            "--merge",
            manual,
            "--exclude",
            "tests testing.zcml locales",
            "--create",
            DOMAIN,
            PACKAGE,
        ]
    )
    catalogs = [
        os.path.join(HERE, language, "LC_MESSAGES", DOMAIN + ".po")
        for language in LANGUAGES
    ]
    subprocess.check_call([i18ndude(), "sync", "--pot", pot] + catalogs)
    for catalog in catalogs:
        compile_mo(catalog)


if __name__ == "__main__":
    main()
