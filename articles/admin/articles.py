"""The article admin: the list editors search, the form they fix stories in, and bulk actions."""

import os

from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from articles import curation, revisions, visibility
from articles.cards import renditions
from articles.importer import import_paths
from articles.links import image_src
from articles.locks import EDITABLE_FIELDS, INLINE_LOCKS, field_label, update_locks
from articles.models import Article, ArticleTopic, Image
from articles.slugs import article_slug

from .base import EstimatedCountPaginator, counted, form_data, intermediate_form, isolated_name, log_bulk_change, snapshot
from .filters import ProviderFilter, StatusFilter, TopicFilter
from .exports import export_download_view, export_job_view
from .forms import URL_FIELDS, AddTopicForm, ArticleAdminForm, ChooseTopicForm, fill_positions
from .inlines import ImageInline, RelatedLinkInline, TopicInline
from .upload import import_job_view, upload_view
from .versions import compare_view, history_context, restore_view



@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    form = ArticleAdminForm
    # The published and featured flags read in the status column ("Live · ★ featured"): the
    # title and the topics get the width.
    list_display = ("thumbnail", "title", "topic_names", "provider_name", "published", "heat", "quality", "status")
    list_display_links = ("thumbnail", "title")
    list_filter = (
        StatusFilter, "is_published", "is_featured", "pinned_home", ProviderFilter, TopicFilter,
        "item_type", "category", "published_at",
    )
    search_fields = ("title", "excerpt", "provider__name", "provider__domain", "identity_url", "web_url")
    date_hierarchy = "published_at"
    ordering = ("-published_at", "-id")
    list_select_related = ("provider",)
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    autocomplete_fields = ("provider",)
    inlines = (TopicInline, ImageInline, RelatedLinkInline)
    readonly_fields = (
        "kept_from_editor", "source_path", "content_hash", "first_imported_at", "last_imported_at",
        "created_at", "updated_at", "secured", "extra",
    )
    fieldsets = (
        (None, {"fields": ("title", "excerpt", "provider", "body")}),
        ("Publishing", {
            "fields": (("is_published", "published_at"), ("is_featured", "pinned_home")),
            "description": "A published time in the future schedules the article: readers see it from then on.",
        }),
        ("Classification and scores", {"fields": (("category", "item_type"), ("quality", "heat"))}),
        ("Addresses", {"fields": ("identity_url", "web_url", "original_url", "amp_url", "cdn_amp_url")}),
        ("Embed", {"fields": ("featured_content",), "classes": ("collapse",)}),
        ("Kept from the editor", {
            "fields": ("kept_from_editor", "return_to_source"),
            "description": "Fields you change here are kept when the source file is imported again.",
        }),
        ("Provenance", {
            "fields": (
                "source_path", "content_hash", ("first_imported_at", "last_imported_at"),
                ("created_at", "updated_at"), "secured", "extra",
            ),
            "classes": ("collapse",),
        }),
    )
    object_history_template = "admin/articles/article/object_history.html"
    actions = (
        "publish", "unpublish", "feature", "unfeature", "pin_home", "unpin_home",
        "pin_topic", "unpin_topics", "add_topic", "remove_topic", "export_zip",
    )

    # -- list -------------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            models.Prefetch("images", queryset=Image.objects.order_by("position")),
            models.Prefetch(
                "topic_links", queryset=ArticleTopic.objects.select_related("tag").order_by("position", "id")
            ),
        )

    @admin.display(description="")
    def thumbnail(self, article):
        # Only local renditions (a thumbnail made here, an uploaded file, a fetched image's smallest
        # rendition): a list of 50 feed images hot-linked from publishers is slow, and broken offline.
        for image in article.images.all():
            if image.thumbnail or image.file:
                return format_html('<img src="{}" alt="" width="64" loading="lazy">', image_src(image, thumbnail=True))
            made = renditions(image)
            if made:
                return format_html('<img src="{}" alt="" width="64" loading="lazy">', made[0][1])
        return format_html('<img src="{}" alt="" width="64" height="48" class="no-thumbnail">',
                           static("img/no-thumbnail.svg"))

    @admin.display(description="published", ordering="published_at")
    def published(self, article):
        """The published time, short ("1 Dec 2026 11:49"), in the admin's time zone."""
        if article.published_at is None:
            return "—"
        return date_format(timezone.localtime(article.published_at), "j M Y H:i")

    @admin.display(description="status")
    def status(self, article):
        parts = [visibility.status(article).label]
        if article.is_featured:
            parts.append("★ featured")
        if article.pinned_home:
            parts.append("📌 home")
        return " · ".join(parts)

    @admin.display(description="topics")
    def topic_names(self, article):
        return format_html_join(
            ", ", "<bdi>{}</bdi>{}", ((link.tag.name, " 📌" if link.pinned else "") for link in article.topic_links.all())
        )

    @admin.display(description="provider", ordering="provider__name")
    def provider_name(self, article):
        return isolated_name(article.provider.name or article.provider.domain)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="articles_article_import_job",
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "export/<int:job_id>/",
                self.admin_site.admin_view(self.export_job_view),
                name="articles_article_export_job",
            ),
            path(
                "export/<int:job_id>/download/",
                self.admin_site.admin_view(self.export_download_view),
                name="articles_article_export_download",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return upload_view(self, request)

    def import_job_view(self, request, job_id):
        return import_job_view(self, request, job_id)

    # -- versions -----------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        extra = history_context(article) if article is not None else {}
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def compare_view(self, request, object_id):
        return compare_view(self, request, object_id)

    def restore_view(self, request, object_id, version_id):
        return restore_view(self, request, object_id, version_id)

    def export_job_view(self, request, job_id):
        return export_job_view(self, request, job_id)

    def export_download_view(self, request, job_id):
        return export_download_view(self, request, job_id)

    # -- form -------------------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        # The identity is the import's key: changing it would detach the article from its file.
        return (*self.readonly_fields, "identity_url") if obj else self.readonly_fields

    @admin.display(description="Kept from the editor")
    def kept_from_editor(self, article):
        names = [field_label(name) for name in article.locked_fields or ()]
        if not names:
            return "Nothing: every field follows the source file."
        return format_html(
            '{} <img src="{}" alt="{}" title="{}" width="13" height="13">',
            ", ".join(names),
            static("admin/img/icon-unknown.svg"),
            "(help)",
            "Imports leave these fields as the editors set them; tick them below to hand them back.",
        )

    def save_model(self, request, obj, form, change):
        if "title" in form.changed_data or not obj.slug:
            obj.slug = article_slug(obj.title)  # as an import would; the URL also carries the id
        super().save_model(request, obj, form, change)
        problem = getattr(obj, "body_render_problem", "")
        if problem and "body" in form.changed_data:
            self.message_user(request, f"The body was not rendered ({problem}): readers see it as plain text.",
                              messages.WARNING)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        fill_positions(instances)
        for obj in instances:
            if isinstance(obj, ArticleTopic) and not obj.label:
                obj.label = obj.tag.name  # the spelling an export writes
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            obj.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        handed_back = form.cleaned_data.get("return_to_source") or []
        changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        changed += [INLINE_LOCKS[fs.model] for fs in formsets if fs.model in INLINE_LOCKS and fs.has_changed()]
        update_locks(article, changed=changed, handed_back=handed_back)
        labels = ", ".join(field_label(name) for name in changed)
        message = (f"Changed {labels}." if labels else "Saved.") if change else "Added in the admin."
        revisions.record([article.pk], user=request.user, message=message)
        if handed_back:
            self._restore_from_source(request, article, handed_back)

    def _restore_from_source(self, request, article, names):
        labels = ", ".join(field_label(n) for n in names)
        if article.source_path and os.path.isfile(article.source_path):
            report = import_paths([article.source_path], workers=1)
            if report.ok:
                self.message_user(request, f"Returned {labels} to the source and re-imported {article.source_path}.")
            else:
                problems = "; ".join(p for _, ps in report.refused for p in ps)
                self.message_user(
                    request, f"Returned {labels} to the source, but its file was refused: {problems}", messages.WARNING
                )
        else:
            self.message_user(
                request, f"Returned {labels} to the source; the next import of its file restores them.", messages.INFO
            )

    # -- actions ------------------------------------------------------------------------------

    def _keep(self, request, selected, message):
        """An action's history entry and a version of each article it touched."""
        log_bulk_change(request, selected, message)
        revisions.record([article.pk for article in selected], user=request.user, message=message)

    def _flag(self, request, queryset, field, value, message, *, lock=False):
        selected = snapshot(queryset)
        count = curation.set_flag(selected, field, value, lock=lock)
        self._keep(request, selected, message)
        self.message_user(request, f"{message}: {counted(count, 'article', 'articles')}.", messages.SUCCESS)

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        self._flag(request, queryset, "is_published", True, "Published", lock=True)

    @admin.action(description="Unpublish selected articles", permissions=["change"])
    def unpublish(self, request, queryset):
        self._flag(request, queryset, "is_published", False, "Unpublished", lock=True)

    @admin.action(description="Feature selected articles", permissions=["change"])
    def feature(self, request, queryset):
        self._flag(request, queryset, "is_featured", True, "Featured")

    @admin.action(description="Unfeature selected articles", permissions=["change"])
    def unfeature(self, request, queryset):
        self._flag(request, queryset, "is_featured", False, "Unfeatured")

    @admin.action(description="Pin to home", permissions=["change"])
    def pin_home(self, request, queryset):
        self._flag(request, queryset, "pinned_home", True, "Pinned to home")

    @admin.action(description="Unpin from home", permissions=["change"])
    def unpin_home(self, request, queryset):
        self._flag(request, queryset, "pinned_home", False, "Unpinned from home")

    def _topics_of(self, queryset):
        return Tag.objects.filter(articles_articletopic_items__content_object__in=queryset).distinct().order_by("name")

    @admin.action(description="Pin to topic…", permissions=["change"])
    def pin_topic(self, request, queryset):
        form = ChooseTopicForm(form_data(request), topics=self._topics_of(queryset))

        def apply(form):
            tag = form.cleaned_data["topic"]
            selected = snapshot(queryset)
            count = curation.pin_to_topic(selected, tag)
            self._keep(request, selected, f"Pinned to topic {tag}.")
            self.message_user(request, f"Pinned {counted(count, 'article', 'articles')} to {tag}.", messages.SUCCESS)

        return intermediate_form(
            self, request, queryset, form, title="Pin to a topic", apply=apply,
            intro="Pinned articles come first on the topic's page. Only the articles that have the topic are pinned.",
        )

    @admin.action(description="Unpin from topics", permissions=["change"])
    def unpin_topics(self, request, queryset):
        selected = snapshot(queryset)
        count = curation.unpin_from_topics(selected)
        self._keep(request, selected, "Unpinned from topics.")
        self.message_user(request, f"Unpinned {counted(count, 'topic pin', 'topic pins')}.", messages.SUCCESS)

    @admin.action(description="Add a topic…", permissions=["change"])
    def add_topic(self, request, queryset):
        form = AddTopicForm(form_data(request))

        def apply(form):
            tag = form.get_tag()
            selected = snapshot(queryset)
            count = curation.add_topic(selected, tag)
            self._keep(request, selected, f"Added topic {tag}.")
            self.message_user(request, f"Added {tag} to {counted(count, 'article', 'articles')}.", messages.SUCCESS)

        return intermediate_form(self, request, queryset, form, title="Add a topic", apply=apply)

    @admin.action(description="Remove a topic…", permissions=["change"])
    def remove_topic(self, request, queryset):
        form = ChooseTopicForm(form_data(request), topics=self._topics_of(queryset))

        def apply(form):
            tag = form.cleaned_data["topic"]
            selected = snapshot(queryset)
            count = curation.remove_topic(selected, tag)
            self._keep(request, selected, f"Removed topic {tag}.")
            self.message_user(request, f"Removed {tag} from {counted(count, 'article', 'articles')}.", messages.SUCCESS)

        return intermediate_form(self, request, queryset, form, title="Remove a topic", apply=apply)

    @admin.action(description="Export as front-matter files (.zip)", permissions=["view"])
    def export_zip(self, request, queryset):
        # A worker writes the zip (articles/export_jobs.py): no request waits on thousands of files.
        from articles.export_jobs import start_export

        job = start_export(queryset, user=request.user)
        return HttpResponseRedirect(reverse("admin:articles_article_export_job", args=[job.pk]))
