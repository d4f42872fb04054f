"""The translation catalogues in tests: compiled (they are build output) before a test reads Chinese."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import trans_real


def catalogue_files() -> list[Path]:
    return sorted(path for directory in settings.LOCALE_PATHS for path in Path(directory).glob("*/LC_MESSAGES/*.po"))


def compile_catalogues() -> None:
    """
    Compile each .po file newer than its .mo, as `make compilemessages` does (msgfmt --check-format),
    then drop Django's cached catalogues, which may have been read before the .mo files existed.
    """
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise RuntimeError("msgfmt is missing: `make compilemessages` installs Debian's gettext")
    for po in catalogue_files():
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)  # noqa: S603 (msgfmt on our own catalogues)
    trans_real._translations = {}
    trans_real._default = None
