import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.image_jobs import due_count, fetch_images, fetch_lock


class Command(BaseCommand):
    help = (
        "Fetch feed images into local storage (MEDIA_ROOT) as WebP renditions, then exit: each article's "
        "lead image and a slideshow's images not fetched yet, and failures whose back-off has passed. "
        "Off unless NEWSROOM_FETCH_IMAGES is set (docs/production.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Fetch at most this many URLs.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, limit, no_progress, verbosity, **options):
        if not settings.NEWSROOM_FETCH_IMAGES:
            raise CommandError("The image fetcher is off: set NEWSROOM_FETCH_IMAGES=1 to turn it on (docs/production.md).")
        if limit is not None and limit <= 0:
            raise CommandError("--limit must be a positive number.")
        total = due_count()
        if limit is not None:
            total = min(total, limit)
        bar = None
        if verbosity >= 1 and not no_progress:
            bar = tqdm(total=total, unit="url", desc="Fetching images", file=sys.stderr, dynamic_ncols=True)

        def progress(report):
            if bar is not None:
                bar.update(1)
                bar.set_postfix(fetched=report.fetched, refused=report.refused, failed=report.failed, refresh=False)

        with fetch_lock() as free:
            if not free:
                raise CommandError("Another image fetching run is in progress; try again when it ends.")
            try:
                report = fetch_images(limit=limit, on_progress=progress)
            finally:
                if bar is not None:
                    bar.close()
        if verbosity >= 2:
            for url, why in report.problems:
                self.stdout.write(f"{why[:7]:7} {url} ({why.split(': ', 1)[1]})")
        if verbosity >= 1:
            style = self.style.SUCCESS if not report.problems else self.style.WARNING
            self.stdout.write(style(f"Images: {report.summary()}."))
