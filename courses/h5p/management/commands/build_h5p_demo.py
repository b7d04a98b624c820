"""`manage.py build_h5p_demo`: writes the demo `.h5p` files (Sangkat.Choice, English and Khmer)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from courses.h5p.packaging import DEMO_CHOICE, demo_package


class Command(BaseCommand):
    help = "Package Sangkat's demo H5P activities as .h5p files (to upload elsewhere, or to test)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="var/h5p", help="Folder to write the .h5p files to.")

    def handle(self, *args, output: str = "var/h5p", **options):
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for language in DEMO_CHOICE:
            path = folder / f"sangkat-choice-passwords-{language}.h5p"
            path.write_bytes(demo_package(language))
            self.stdout.write(f"Wrote {path}")
