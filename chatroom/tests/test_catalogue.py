"""
The Simplified Chinese catalogue is complete (README, "Languages"): no untranslated or fuzzy
entry in either domain, every placeholder kept, and no string in the code that the catalogue
lacks (makemessages, run on a copy of the project, finds nothing new). When this fails after a
change of wording: `make messages`, translate what it reports, commit the .po files.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from chatroom.testing.i18n import catalogue_files

ROOT = Path(settings.BASE_DIR)
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# What the copy leaves out: local state, caches and build output (makemessages skips tests itself).
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "staticfiles", "media", "var", "__pycache__", ".*cache*", "*.mo", "results"
)

needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="Debian's gettext is missing (`make compilemessages` installs it)",
)


def problems(po: polib.POFile) -> list[str]:
    """Entries a Chinese reader would see in English or wrongly: untranslated, fuzzy, placeholders lost."""
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        label = repr(entry.msgid)
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {label}")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(translations):
            found.append(f"untranslated: {label}")
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != wanted:
                found.append(f"placeholders differ: {label} -> {text!r}")
    return found


def catalogue(locale_dir: Path, domain: str) -> polib.POFile:
    return polib.pofile(str(locale_dir / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"))


def test_both_domains_have_a_chinese_catalogue():
    assert [path.relative_to(ROOT).as_posix() for path in catalogue_files()] == [
        "locale/zh_Hans/LC_MESSAGES/django.po",
        "locale/zh_Hans/LC_MESSAGES/djangojs.po",
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated(domain):
    po = catalogue(ROOT / "locale", domain)
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert not po.metadata_is_fuzzy
    assert len(po) > 100
    assert problems(po) == []


def test_the_problems_found_are_the_ones_a_reader_would_see():
    """The check itself: each kind of broken entry is reported."""
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Send", msgstr="发送"))
    po.append(polib.POEntry(msgid="Leave", msgstr=""))
    po.append(polib.POEntry(msgid="Rooms", msgstr="房间", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Hello, %(name)s", msgstr="你好"))
    po.append(polib.POEntry(msgid="%(n)s new", msgid_plural="%(n)s new", msgstr_plural={0: ""}))
    assert problems(po) == [
        "untranslated: 'Leave'",
        "fuzzy: 'Rooms'",
        "placeholders differ: 'Hello, %(name)s' -> '你好'",
        "untranslated: '%(n)s new'",
    ]


@needs_gettext
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogue_compiles(domain, tmp_path):
    po = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)], check=True)


@needs_gettext
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """`make messages` on a copy of the project: whatever it adds is missing from the catalogue."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED, symlinks=True)
    env = {**os.environ, "DJANGO_DEBUG": "true", "DJANGO_ENV_FILE": "", "PYTHONPATH": str(copy)}
    subprocess.run([sys.executable, "manage.py", "messages", "-v0"], cwd=copy, env=env, check=True, capture_output=True)
    for domain in DOMAINS:
        assert problems(catalogue(copy / "locale", domain)) == [], (
            f"{domain}.po lacks strings of the code: run `make messages` and translate them"
        )
