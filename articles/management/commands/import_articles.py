from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import ngettext

from articles import image_jobs
from articles.importer import SourceNotFound, import_paths
from articles.stories.tasks import enqueue_after_import


class Command(BaseCommand):
    help = (
        "Import front-matter article files (.md, .markdown, .txt). PATHs are files or directories, "
        "walked recursively in sorted order. Re-importing is safe: unchanged files are skipped, "
        "changed ones update their article. Exits non-zero when any file was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file or a directory of files.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument(
            "--max-bytes", type=int, default=None,
            help="Refuse files larger than this many bytes (default: NEWSROOM_IMPORT_MAX_BYTES, 1 MiB).",
        )
        parser.add_argument(
            "--workers", type=int, default=None,
            help="Processes that parse files in parallel (default: the number of cores, at most 4).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")

    def handle(self, *args, paths, dry_run, max_bytes, workers, no_progress, verbosity, **options):
        if max_bytes is not None and max_bytes <= 0:
            raise CommandError("--max-bytes must be a positive number of bytes.")
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not set up (or not up to date): run `python manage.py migrate` first.")
        try:
            report = import_paths(
                paths, dry_run=dry_run, max_bytes=max_bytes, workers=workers,
                progress=verbosity >= 1 and not no_progress,
            )
        except SourceNotFound as exc:
            raise CommandError(str(exc)) from None
        if not dry_run:
            enqueue_after_import(report)  # stories for the new articles, by the worker, not here
            image_jobs.enqueue_after_import(report)  # their images, when the fetcher is on

        if verbosity >= 2:
            for path, outcome, detail in report.outcomes:
                if outcome != "refused":
                    self.stdout.write(f"{outcome:9} {path}" + (f" ({detail})" if detail else ""))
        if verbosity >= 1:
            for warning in report.warnings:
                self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        for path, problems in report.refused:
            for problem in problems:
                self.stderr.write(self.style.ERROR(f"{path}: {problem}"))
        if verbosity >= 1:
            style = self.style.SUCCESS if report.ok else self.style.WARNING
            prefix = "Dry run: " if dry_run else ""
            self.stdout.write(style(prefix + report.summary()))
        if not report.ok:
            raise CommandError(ngettext("%(n)s file refused.", "%(n)s files refused.", len(report.refused)) % {"n": len(report.refused)}, returncode=1)
