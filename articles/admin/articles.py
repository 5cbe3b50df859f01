"""The article admin: the list editors search, the form they fix stories in, and bulk actions."""

import io
import os
import tempfile
import zipfile

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from articles import curation
from articles.importer import import_paths
from articles.importer.write import article_slug
from articles.models import Article, ArticleTopic, Image, Provider, RelatedLink

from .base import EstimatedCountPaginator, form_data, intermediate_form, log_bulk_change, snapshot
from .forms import (
    AddTopicForm,
    ArticleAdminForm,
    ChooseTopicForm,
    ImageInlineForm,
    PositionedInlineForm,
    field_label,
    fill_positions,
)
from .upload import upload_view

# Which lock group an inline's changes fall under.
INLINE_LOCKS = {ArticleTopic: "topics", Image: "images", RelatedLink: "related_links"}
# Addresses an editor types without a scheme are web addresses (Django 6's default, chosen now).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def http_url(value):
    """Only http(s) addresses become links or image sources."""
    return value if isinstance(value, str) and value.lower().startswith(("http://", "https://")) else None


def image_src(image):
    if image.thumbnail:
        return image.thumbnail.url
    if image.file:
        return image.file.url
    return http_url(image.url)


class KnownChoiceAutocomplete(AutocompleteSelect):
    """An autocomplete box that renders its current choice from a label it was given.

    Django's widget looks the chosen option up with one query per inline row; the rows
    already carry their tag (select_related), so a long topic list costs nothing extra.
    """

    known = None  # (value, label) of the row's saved choice

    def optgroups(self, name, value, attr=None):
        chosen = [str(v) for v in value if v not in (None, "")]
        if self.known is None or chosen != [self.known[0]]:
            return super().optgroups(name, value, attr)
        return [(None, [self.create_option(name, self.known[0], self.known[1], True, 0)], 0)]


class TopicFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk and "tag" in form.fields:
            widget = form.fields["tag"].widget
            widget = getattr(widget, "widget", widget)  # inside the admin's related-field wrapper
            widget.known = (str(form.instance.tag_id), str(form.instance.tag))
        return form


class TopicInline(admin.TabularInline):
    model = ArticleTopic
    form = PositionedInlineForm
    formset = TopicFormSet
    fields = ("tag", "label", "position", "pinned")
    autocomplete_fields = ("tag",)
    extra = 0
    verbose_name = "topic"
    verbose_name_plural = "topics"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tag").order_by("position", "id")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tag":
            kwargs["widget"] = KnownChoiceAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ImageInline(admin.TabularInline):
    formfield_overrides = URL_FIELDS
    model = Image
    form = ImageInlineForm
    fields = ("preview", "file", "url", "title", "position", "size")
    readonly_fields = ("preview", "size")
    extra = 0

    @admin.display(description="preview")
    def preview(self, image):
        src = image_src(image) if image.pk else None
        if not src:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width:120px;max-height:80px">', src)

    @admin.display(description="size")
    def size(self, image):
        return f"{image.width} × {image.height}" if image.width and image.height else "—"


class RelatedLinkInline(admin.StackedInline):
    formfield_overrides = URL_FIELDS
    model = RelatedLink
    form = PositionedInlineForm
    fields = (("title", "position"), "web_url", "excerpt", ("published_at", "item_type", "quality"), "provider")
    readonly_fields = ("provider",)
    extra = 0
    classes = ("collapse",)
    verbose_name_plural = "related coverage"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.filter(is_published=True, published_at__gt=now)
        if self.value() == "draft":
            return queryset.filter(Q(is_published=False) | Q(published_at__isnull=True))
        return queryset


class TopChoicesFilter(admin.SimpleListFilter):
    """A filter listing the ten busiest values, with a box to type any other.

    With 2,000 providers a full list would bury the sidebar; the box takes a domain or slug.
    """

    template = "admin/articles/input_filter.html"
    limit = 10

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in (self.parameter_name, "p")
            for value in values
        ]

    def lookups(self, request, model_admin):
        choices = list(self.top())
        value = self.value()
        if value and value not in {key for key, _ in choices}:
            choices.append((value, self.label_for(value)))
        return choices


class ProviderFilter(TopChoicesFilter):
    title = "provider"
    parameter_name = "provider"

    def top(self):
        rows = (
            Provider.objects.annotate(n=Count("articles")).filter(n__gt=0).order_by("-n", "name")
            .values_list("domain", "name")[: self.limit]
        )
        return [(domain, name or domain) for domain, name in rows]

    def label_for(self, value):
        return Provider.objects.filter(domain=value).values_list("name", flat=True).first() or value

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(provider__domain=self.value().strip().lower())
        return queryset


class TopicFilter(TopChoicesFilter):
    title = "topic"
    parameter_name = "topic"

    def top(self):
        return list(
            Tag.objects.annotate(n=Count("articles_articletopic_items")).filter(n__gt=0).order_by("-n", "name")
            .values_list("slug", "name")[: self.limit]
        )

    def label_for(self, value):
        return Tag.objects.filter(slug=value).values_list("name", flat=True).first() or value

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(topic_links__tag__slug=self.value().strip())
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    form = ArticleAdminForm
    list_display = (
        "thumbnail", "title", "provider", "published_at", "heat", "quality", "status",
        "is_published", "is_featured", "topic_names",
    )
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
    actions = (
        "publish", "unpublish", "feature", "unfeature", "pin_home", "unpin_home",
        "pin_topic", "unpin_topics", "add_topic", "remove_topic", "export_zip",
    )

    # -- list -------------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            models.Prefetch("images", queryset=Image.objects.order_by("position")),
            models.Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("tag").order_by("position", "id")),
        )

    @admin.display(description="")
    def thumbnail(self, article):
        images = article.images.all()
        src = image_src(images[0]) if images else None
        if not src:
            return ""
        return format_html('<img src="{}" alt="" width="64" style="height:auto" loading="lazy">', src)

    @admin.display(description="status")
    def status(self, article):
        if not article.is_published or article.published_at is None:
            state = "Draft"
        elif article.published_at > timezone.now():
            state = "Scheduled"
        else:
            state = "Live"
        return f"{state} · 📌 home" if article.pinned_home else state

    @admin.display(description="topics")
    def topic_names(self, article):
        return format_html_join(
            ", ", "{}{}", ((link.tag.name, " 📌" if link.pinned else "") for link in article.topic_links.all())
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return upload_view(self, request)

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
            '{} <span title="{}">ⓘ</span>',
            ", ".join(names),
            "Imports leave these fields as the editors set them.",
        )

    def save_model(self, request, obj, form, change):
        if "title" in form.changed_data or not obj.slug:
            obj.slug = article_slug(obj.title)  # as an import would; the URL also carries the id
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        fill_positions(instances)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            obj.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        handed_back = form.cleaned_data.get("return_to_source") or []
        locked = list(article.locked_fields or [])
        changed = [name for name in form.changed_data if name in Article.EDITABLE_FIELDS]
        changed += [INLINE_LOCKS[fs.model] for fs in formsets if fs.model in INLINE_LOCKS and fs.has_changed()]
        locked += [name for name in changed if name not in locked]
        locked = [name for name in locked if name not in handed_back]
        update = {"locked_fields": locked}
        if handed_back:
            update["content_hash"] = ""  # so the next import applies the file again
        Article.objects.filter(pk=article.pk).update(**update)
        article.locked_fields = locked
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

    def _flag(self, request, queryset, field, value, message, *, lock=False):
        selected = snapshot(queryset)
        count = curation.set_flag(selected, field, value, lock=lock)
        log_bulk_change(request, selected, message)
        self.message_user(request, f"{message}: {count} article(s).", messages.SUCCESS)

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
            log_bulk_change(request, selected, f"Pinned to topic {tag.name}.")
            self.message_user(request, f"Pinned {count} article(s) to {tag.name}.", messages.SUCCESS)

        return intermediate_form(
            self, request, queryset, form, title="Pin to a topic", apply=apply,
            intro="Pinned articles come first on the topic's page. Only the articles that have the topic are pinned.",
        )

    @admin.action(description="Unpin from topics", permissions=["change"])
    def unpin_topics(self, request, queryset):
        selected = snapshot(queryset)
        count = curation.unpin_from_topics(selected)
        log_bulk_change(request, selected, "Unpinned from topics.")
        self.message_user(request, f"Unpinned {count} topic pin(s).", messages.SUCCESS)

    @admin.action(description="Add a topic…", permissions=["change"])
    def add_topic(self, request, queryset):
        form = AddTopicForm(form_data(request))

        def apply(form):
            tag = form.get_tag()
            selected = snapshot(queryset)
            count = curation.add_topic(selected, tag)
            log_bulk_change(request, selected, f"Added topic {tag.name}.")
            self.message_user(request, f"Added {tag.name} to {count} article(s).", messages.SUCCESS)

        return intermediate_form(self, request, queryset, form, title="Add a topic", apply=apply)

    @admin.action(description="Remove a topic…", permissions=["change"])
    def remove_topic(self, request, queryset):
        form = ChooseTopicForm(form_data(request), topics=self._topics_of(queryset))

        def apply(form):
            tag = form.cleaned_data["topic"]
            selected = snapshot(queryset)
            count = curation.remove_topic(selected, tag)
            log_bulk_change(request, selected, f"Removed topic {tag.name}.")
            self.message_user(request, f"Removed {tag.name} from {count} article(s).", messages.SUCCESS)

        return intermediate_form(self, request, queryset, form, title="Remove a topic", apply=apply)

    @admin.action(description="Export as front-matter files (.zip)", permissions=["view"])
    def export_zip(self, request, queryset):
        # The exporter is the importer's mirror; imported here so the admin loads without it.
        from articles.exporter import export_articles

        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="newsroom-export-") as outdir:
            paths = export_articles(queryset, outdir)
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for exported in paths:
                    archive.write(exported, os.path.relpath(exported, outdir))
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="articles-{stamp}.zip"'
        return response
