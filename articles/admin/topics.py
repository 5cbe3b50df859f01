"""Topics (taggit's Tag), their redirects, and providers: counts, renames and merges."""

import taggit.admin  # noqa: F401  (registers taggit's TagAdmin, which ours replaces)
from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from taggit.models import Tag

from articles import curation
from articles.models import Provider, TopicRedirect
from articles.slugs import topic_slug

from .base import form_data, intermediate_form, isolated_name, log_bulk_change, snapshot
from .forms import MergeForm

admin.site.unregister(Tag)


class TopicForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Empty: made from the name (or a hash of it, for a name like “🤖”)."

    def clean(self):
        cleaned = super().clean()
        name, slug = cleaned.get("name"), cleaned.get("slug")
        if name and not slug:
            slug = cleaned["slug"] = topic_slug(name)
        if self.instance.pk and name and "name" in self.changed_data and "slug" not in self.changed_data:
            # A renamed topic gets the slug of its new name; the old one redirects.
            slug = cleaned["slug"] = self.instance.slugify(name)
        if slug and Tag.objects.exclude(pk=self.instance.pk).filter(slug=slug).exists():
            raise forms.ValidationError(
                "Another topic already has the address “%(slug)s”: merge the two instead.",
                params={"slug": slug},
            )
        return cleaned


class TopicRedirectInline(admin.TabularInline):
    model = TopicRedirect
    fields = ("old_slug", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    verbose_name = "old address"
    verbose_name_plural = "old addresses that lead here"


@admin.register(Tag)
class TopicAdmin(admin.ModelAdmin):
    form = TopicForm
    list_display = ("topic_name", "slug", "article_count")
    search_fields = ("name", "slug")
    ordering = ("name",)
    inlines = (TopicRedirectInline,)
    prepopulated_fields = {"slug": ("name",)}
    actions = ("merge", "delete_unused")
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles_articletopic_items"))

    @admin.display(description="name", ordering="name")
    def topic_name(self, tag):
        return isolated_name(tag.name)

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    def save_model(self, request, obj, form, change):
        old_slug = form.initial.get("slug") if change else None
        obj.slug = form.cleaned_data["slug"]
        super().save_model(request, obj, form, change)
        if change:
            curation.rename_topic(obj, old_slug)

    @admin.action(description="Merge selected topics…", permissions=["change", "delete"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Choose at least two topics to merge.", messages.WARNING)
            return None
        form = MergeForm(form_data(request), choices=queryset.order_by("name"))

        def apply(form):
            target = form.cleaned_data["target"]
            sources = [tag for tag in queryset if tag.pk != target.pk]
            count = curation.merge_topics(target, sources)
            names = ", ".join(t.name for t in sources)
            log_bulk_change(request, [target], f"Merged {names} into this topic.")
            self.message_user(request, f"Merged {names} into {target.name} ({count} articles).", messages.SUCCESS)

        return intermediate_form(
            self, request, queryset, form, title="Merge topics", apply=apply,
            intro="Articles of the other topics move to the one you choose; their old addresses redirect to it.",
        )

    @admin.action(description="Delete selected topics that no article uses", permissions=["delete"])
    def delete_unused(self, request, queryset):
        unused = list(queryset.filter(article_count=0))
        names = [tag.name for tag in unused]
        if unused:
            self.log_deletions(request, unused)
        Tag.objects.filter(pk__in=[tag.pk for tag in unused]).delete()
        kept = queryset.count()
        message = f"Deleted {len(names)} unused topic(s)" + (f": {', '.join(names)}." if names else ".")
        if kept:
            message += f" Kept {kept} topic(s) that articles use."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(TopicRedirect)
class TopicRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_slug", "topic", "created_at")
    list_select_related = ("topic",)
    search_fields = ("old_slug", "topic__name", "topic__slug")
    autocomplete_fields = ("topic",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("provider_name", "domain", "article_count")
    search_fields = ("name", "domain")
    ordering = ("name",)
    readonly_fields = ("slug", "created_at")
    fields = ("name", "domain", "slug", "logos", "created_at")
    actions = ("merge",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="name", ordering="name")
    def provider_name(self, provider):
        return isolated_name(provider.name)

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, provider):
        return provider.article_count

    @admin.action(description="Merge selected providers…", permissions=["change", "delete"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Choose at least two providers to merge.", messages.WARNING)
            return None
        form = MergeForm(form_data(request), choices=queryset.order_by("name"))

        def apply(form):
            target = form.cleaned_data["target"]
            sources = [p for p in snapshot(queryset) if p.pk != target.pk]
            count = curation.merge_providers(target, sources)
            names = ", ".join(f"{p.name} ({p.domain})" for p in sources)
            log_bulk_change(request, [target], f"Merged {names} into this provider.")
            self.message_user(
                request, f"Merged {names} into {target.name}: {count} article(s) moved.", messages.SUCCESS
            )

        return intermediate_form(
            self, request, queryset, form, title="Merge providers", apply=apply,
            intro="Articles and related coverage of the other providers move to the one you choose; "
            "the others are deleted. Moved articles keep this provider when their files are imported again.",
        )

