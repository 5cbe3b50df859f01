from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import page_cache, signals

        # The importer and the admin announce changes; the page cache is one listener.
        signals.content_changed.connect(page_cache.on_content_changed, dispatch_uid="articles.page_cache")
