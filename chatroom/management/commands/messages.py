"""
`manage.py messages` (`make messages`): bring the translation catalogues up to date with the code.

Runs Django's makemessages for both domains (django: Python and templates; djangojs: the page's
modules) for every language but English, with the project's flags in one place: tests, tools and
build output are not scanned, source references name the file without its line (so that an edit
elsewhere in a file does not touch the catalogue), and strings no longer in the code are dropped.
New and changed strings arrive untranslated (no fuzzy guesses): translate them, then `make compilemessages`
(the catalogue test, chatroom/tests/test_catalogue.py, fails until none is left).
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.makemessages import Command as MakeMessages
from django.utils.translation import to_locale

# Not translated: what never reaches a person (tests, benchmarks, tooling) or is generated.
IGNORE = [
    "staticfiles",
    "media",
    "var",
    "node_modules",
    "bench",
    "testbed",
    "stack_tests",
    "browser_tests",
    "js_tests",
    "docs",
    "deploy",
    "scripts",
    "tests",
    "chatroom/testing",
    "conftest.py",
]


class ExactMakeMessages(MakeMessages):
    """makemessages without msgmerge's guesses: a new string arrives empty, not as a near namesake's translation."""

    msgmerge_options = [*MakeMessages.msgmerge_options, "--no-fuzzy-matching"]


def catalogue_locales() -> list[str]:
    """The locales with a catalogue: every configured language except the source one (zh_Hans)."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


class Command(BaseCommand):
    help = "Update locale/<lang>/LC_MESSAGES/django.po and djangojs.po from the code (makemessages, both domains)."

    def handle(self, *args, **options):
        for domain in ("django", "djangojs"):
            call_command(
                ExactMakeMessages(),
                locale=catalogue_locales(),
                domain=domain,
                ignore_patterns=IGNORE,
                add_location="file",
                no_obsolete=True,
                verbosity=options["verbosity"],
            )
        self.report_untranslated()

    def report_untranslated(self) -> None:
        """List what is left to translate, file by file (polib, a development requirement)."""
        try:
            import polib
        except ImportError:  # a production image: makemessages ran, there is nothing to list with
            return
        for directory in settings.LOCALE_PATHS:
            for path in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
                po = polib.pofile(str(path))
                todo = [entry for entry in po.untranslated_entries() + po.fuzzy_entries() if not entry.obsolete]
                self.stdout.write(f"{path.relative_to(settings.BASE_DIR)}: {len(todo)} to translate")
                for entry in todo:
                    self.stdout.write(f"  {entry.msgid!r}")
