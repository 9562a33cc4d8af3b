from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organisations.register import RegisterError
from organisations.services import register_import


class Command(BaseCommand):
    help = (
        "Import the register of the sector (UTF-8 CSV with the header "
        "name,kind,region,homes,website). The file is the whole register: organisations "
        "missing from it are marked gone from the register. Nothing is imported if any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.csv")
        parser.add_argument("--note", default="", help="a note kept with the import")

    def handle(self, *args, file, note, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file at {file}.")

        def progress(message):
            self.stdout.write(message)
            self.stdout.flush()

        try:
            with path.open("rb") as data:
                record, plan = register_import(
                    file=data, file_name=path.name, note=note, progress=progress
                )
        except RegisterError as error:
            for line in str(error).splitlines():
                self.stderr.write(line)
            raise CommandError(
                f"Nothing was imported: {error.total} problem{'s' if error.total != 1 else ''} "
                f"in {path.name}."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {record.rows:,} rows from {path.name}: {record.added:,} new, "
                f"{record.updated:,} updated, {record.unchanged:,} unchanged, "
                f"{record.gone:,} gone from the register."
            )
        )
        near = plan.near_misses
        if near:
            self.stdout.write(
                f"{len(near)} new organisation{'s' if len(near) != 1 else ''} "
                "look like ones already known (not merged): check them under "
                "Organisations › Possible duplicates in admin, or import the file "
                "through the admin upload to confirm each one."
            )
            for miss in near:
                names = " or ".join(name for _pk, name, _score in miss.candidates)
                self.stdout.write(f"  Line {miss.row.line}: “{miss.row.name}” is like {names}")
