"""What Sangkat's management commands share: they speak the person's language.

Facilitators run some of them on center PCs (the session page shows the command to type), so
their messages are translated like the pages. `--language km` chooses Khmer; without it the site's
default language (LANGUAGE_CODE) is used.
"""

import argparse

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


class SpeaksLanguage:
    """Mix into a BaseCommand (before it) to add `--language` and run the command in it.

    `help` may be lazy (gettext_lazy); the arguments' help texts use gettext in add_arguments.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs a real string: a lazy `help` is settled in the language active now.
        self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            help=gettext("the language of the messages (default: %(default)s)") % {
                                "default": settings.LANGUAGE_CODE})
        return parser

    def run_from_argv(self, argv):
        """From the command line, `--help` and argument errors speak the chosen language too."""
        early = argparse.ArgumentParser(add_help=False)
        early.add_argument("--language")
        chosen = early.parse_known_args(argv[2:])[0].language
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE  # argparse refuses a wrong choice, in that language
        with translation.override(chosen):
            return super().run_from_argv(argv)

    def execute(self, *args, **options):
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
