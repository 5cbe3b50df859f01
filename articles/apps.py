from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import page_cache, signals

        # The importer and the admin announce changes; the page cache is one listener.
        signals.content_changed.connect(page_cache.on_content_changed, dispatch_uid="articles.page_cache")

        # taggit's Tag makes its slug with Tag.slugify (on save, and in our rename and redirect
        # look-ups): one rule for every door a topic comes in by (articles/slugs.py).
        from taggit.models import Tag

        from .slugs import tag_slugify
        from .text import display_name

        Tag.slugify = tag_slugify
        # And shows its name through str() in the admin (titles, breadcrumbs, choices, autocomplete
        # results, messages): isolated when it holds bidi controls or right-to-left letters.
        Tag.__str__ = lambda tag: display_name(tag.name)
