import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext
from tqdm import tqdm

from articles.domains import normalize_domain
from articles.exporter import export_articles
from articles.models import Article, Provider
from taggit.models import Tag


class Command(BaseCommand):
    help = (
        "Export articles as front-matter files (one per article) into OUTDIR, in the format "
        "import_articles reads. This is the backup path: export + import gives the same site."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", metavar="OUTDIR", help="Directory to write into (created if missing).")
        parser.add_argument("--topic", action="append", default=[], metavar="SLUG",
                            help="Only articles with this topic (repeatable: any of them).")
        parser.add_argument("--provider", action="append", default=[], metavar="DOMAIN",
                            help="Only articles from this publisher domain (repeatable).")
        parser.add_argument("--published-only", action="store_true",
                            help="Only articles readers can see now.")
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")

    def handle(self, *args, outdir, topic, provider, published_only, no_progress, verbosity, **options):
        articles = Article.objects.all()
        if published_only:
            articles = articles.published()
        if topic:
            unknown = set(topic) - set(Tag.objects.filter(slug__in=topic).values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"Unknown topic slug(s): {', '.join(sorted(unknown))}")
            articles = articles.filter(topic_links__tag__slug__in=topic).distinct()
        if provider:
            domains = [normalize_domain(d) for d in provider]
            unknown = set(domains) - set(Provider.objects.filter(domain__in=domains).values_list("domain", flat=True))
            if unknown:
                raise CommandError(f"Unknown provider domain(s): {', '.join(sorted(unknown))}")
            articles = articles.filter(provider__domain__in=domains)

        total = articles.count()
        bar = tqdm(total=total, unit="file", desc="Exporting", file=sys.stderr,
                   disable=no_progress or verbosity < 1 or not sys.stderr.isatty())

        def on_file(path):
            bar.update(1)
            if verbosity >= 2:
                self.stdout.write(f"wrote {path}")

        try:
            written = export_articles(articles, outdir, on_file=on_file)
        except OSError as exc:
            raise CommandError(f"{outdir}: {exc.strerror or exc}") from None
        finally:
            bar.close()
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(ngettext("Exported %(n)s article to %(dir)s", "Exported %(n)s articles to %(dir)s", len(written)) % {"n": f"{len(written):,}", "dir": outdir}))
