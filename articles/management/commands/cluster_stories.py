from django.core.management.base import BaseCommand

from articles.stories.assign import cluster_pending, clustering_lock, pending_count


class Command(BaseCommand):
    help = (
        "Put the articles that have no story yet into stories (joining the nearest story of their "
        "time, or starting one), then exit. --rebuild recomputes every story, keeping editors' decisions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help="Forget computed stories and cluster every article again "
                                 "(editors' placements and locked stories stay).")

    def handle(self, *args, rebuild, verbosity, **options):
        if verbosity >= 2:
            self.stdout.write(f"{pending_count()} article(s) pending" + (" before the rebuild" if rebuild else ""))

        def progress(report):
            if verbosity >= 2:
                self.stdout.write(f"  {report.articles} placed, {report.stories_created} stories started")

        with clustering_lock(wait=False) as free:
            if not free and verbosity >= 1:
                self.stdout.write("Waiting for the clustering run in progress to finish…")
        with clustering_lock():
            report = cluster_pending(rebuild=rebuild, on_progress=progress)
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(
                f"Stories: {report.articles} article(s) placed, {report.stories_created} story(ies) started, "
                f"{report.stories_merged} merged, {report.vectors_computed} title vector(s) computed."
            ))
