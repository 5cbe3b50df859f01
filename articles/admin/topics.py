"""Topics (taggit's Tag, shown through the Topic proxy), their aliases, and providers (and
theirs): counts, renames and merges."""

import copy

import taggit.admin  # noqa: F401  (registers taggit's TagAdmin, which ours replaces)
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from taggit.models import Tag

from articles import curation, revisions
from articles.domains import is_domain_name, normalize_domain
from articles.models import Article, ArticleTopic, Provider, ProviderAlias, Topic, TopicRedirect, alias_key
from articles.slugs import invisible_characters, topic_slug
from articles.text import display_name

from .base import counted, form_data, intermediate_form, isolated_name, log_bulk_change, snapshot
from .forms import MergeForm

admin.site.unregister(Tag)


class TopicFields:
    """A ModelAdmin mixin: fields that point at taggit's Tag read as topics — labelled "Topic",
    their add/change/view links go to the Topics admin and say "topic"."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None or getattr(db_field.remote_field, "model", None) is not Tag:
            return formfield
        formfield.label = "Topic"
        wrapper = formfield.widget
        if isinstance(wrapper, RelatedFieldWidgetWrapper):
            rel = copy.copy(wrapper.rel)
            rel.model = Topic
            topics = self.admin_site.get_model_admin(Topic)
            formfield.widget = RelatedFieldWidgetWrapper(
                wrapper.widget, rel, self.admin_site,
                can_add_related=topics.has_add_permission(request),
                can_change_related=topics.has_change_permission(request),
                can_delete_related=topics.has_delete_permission(request),
                can_view_related=topics.has_view_permission(request),
            )
        return formfield


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
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
    fields = ("old_name", "old_slug", "created_at")
    readonly_fields = ("old_name", "old_slug", "created_at")
    extra = 0
    verbose_name = "alias"
    verbose_name_plural = "aliases: old names that imports file here, old addresses that redirect here"

    def has_add_permission(self, request, obj=None):
        return False  # a rename or merge makes them; "Topic aliases" adds one by hand


@admin.register(Topic)
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
        old_name = form.initial.get("name") if change else None
        obj.slug = form.cleaned_data["slug"]
        super().save_model(request, obj, form, change)
        curation.rename_topic(obj, old_slug, old_name)

    @admin.action(description="Merge selected topics…", permissions=["change", "delete"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Choose at least two topics to merge.", messages.WARNING)
            return None
        form = MergeForm(form_data(request), choices=queryset.order_by("name"))

        def apply(form):
            target = form.cleaned_data["target"]
            sources = [tag for tag in queryset if tag.pk != target.pk]
            moved = list(ArticleTopic.objects.filter(tag__in=sources).values_list("content_object_id", flat=True))
            count = curation.merge_topics(target, sources)
            names = ", ".join(str(t) for t in sources)  # str(): isolated when a name needs it
            log_bulk_change(request, [target], f"Merged {names} into this topic.")
            revisions.record(moved, user=request.user, message=f"Topics {names} merged into {target}.")
            self.message_user(request, f"Merged {names} into {target} ({counted(count, 'article', 'articles')}).",
                              messages.SUCCESS)

        return intermediate_form(
            self, request, queryset, form, title="Merge topics", apply=apply,
            intro="Articles of the other topics move to the one you choose; their names become aliases of it "
            "(later imports that name them file their articles there) and their old addresses redirect to it.",
        )

    @admin.action(description="Delete selected topics that no article uses", permissions=["delete"])
    def delete_unused(self, request, queryset):
        unused = list(queryset.filter(article_count=0))
        names = [str(tag) for tag in unused]
        if unused:
            self.log_deletions(request, unused)
        Tag.objects.filter(pk__in=[tag.pk for tag in unused]).delete()
        kept = queryset.count()
        message = f"Deleted {counted(len(names), 'unused topic', 'unused topics')}" + (f": {', '.join(names)}." if names else ".")
        if kept:
            message += f" Kept {counted(kept, 'topic', 'topics')} that articles use."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Tag)
class TopicSearchAdmin(admin.ModelAdmin):
    """Taggit's Tag, registered only because Django's autocomplete searches a foreign key's own
    model (the topic fields of articles and redirects). Hidden from the index, read-only, and its
    pages lead to the same topic under Topics."""

    search_fields = ("name", "slug")
    ordering = ("name",)

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("admin:articles_topic_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:articles_topic_change", args=[object_id]))


class TopicAliasForm(forms.ModelForm):
    class Meta:
        model = TopicRedirect
        fields = ("old_name", "old_slug", "topic")

    def clean(self):
        cleaned = super().clean()
        name, slug = cleaned.get("old_name"), cleaned.get("old_slug")
        if not (name or slug):
            raise forms.ValidationError("Give the old name, the old address (slug), or both.")
        if name and TopicRedirect.objects.exclude(pk=self.instance.pk).filter(old_key=alias_key(name)).exists():
            self.add_error("old_name", "Another alias already has this name.")
        live = Tag.objects.filter(name__iexact=name.strip()).first() if name else None
        if live is not None or (slug and Tag.objects.filter(slug=slug).exists()):
            raise forms.ValidationError("A topic has this name or address: merge the two topics instead.")
        return cleaned


@admin.register(TopicRedirect)
class TopicRedirectAdmin(TopicFields, admin.ModelAdmin):
    form = TopicAliasForm
    list_display = ("alias_name", "old_slug", "topic", "created_at")
    list_select_related = ("topic",)
    search_fields = ("old_name", "old_slug", "topic__name", "topic__slug")
    autocomplete_fields = ("topic",)

    @admin.display(description="old name", ordering="old_name")
    def alias_name(self, alias):
        return isolated_name(alias.old_name) if alias.old_name else "—"


def clean_domain(value):
    """A domain an editor typed, normalised, refused as the importer refuses it: not a host name,
    or holding invisible or direction-changing characters (U+202E would show it reversed)."""
    domain = normalize_domain(value)
    hidden = invisible_characters(domain)
    if hidden:
        raise forms.ValidationError(f"Contains invisible or direction-changing characters ({', '.join(hidden)}).")
    if not is_domain_name(domain):
        raise forms.ValidationError("Not a domain name (e.g. news.example).")
    return domain


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ("name", "domain", "logos")

    def clean_domain(self):
        return clean_domain(self.cleaned_data["domain"])


class ProviderAliasForm(forms.ModelForm):
    class Meta:
        model = ProviderAlias
        fields = ("domain", "provider")

    def clean_domain(self):
        domain = clean_domain(self.cleaned_data["domain"])
        if Provider.objects.filter(domain=domain).exists():
            raise forms.ValidationError("A provider has this domain: merge the two providers instead.")
        return domain


class ProviderAliasInline(admin.TabularInline):
    model = ProviderAlias
    fields = ("domain", "created_at")
    readonly_fields = ("domain", "created_at")
    extra = 0
    verbose_name = "alias"
    verbose_name_plural = "aliases: merged-away domains whose articles and address lead here"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProviderAlias)
class ProviderAliasAdmin(admin.ModelAdmin):
    list_display = ("domain", "provider", "created_at")
    list_select_related = ("provider",)
    search_fields = ("domain", "provider__name", "provider__domain")
    autocomplete_fields = ("provider",)
    form = ProviderAliasForm


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = ("provider_name", "domain", "article_count")
    search_fields = ("name", "domain")
    ordering = ("name",)
    readonly_fields = ("slug", "created_at")
    fields = ("name", "domain", "slug", "logos", "created_at")
    inlines = (ProviderAliasInline,)
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        curation.provider_saved(obj, form.initial.get("domain") if change else None)

    @admin.action(description="Merge selected providers…", permissions=["change", "delete"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Choose at least two providers to merge.", messages.WARNING)
            return None
        form = MergeForm(form_data(request), choices=queryset.order_by("name"))

        def apply(form):
            target = form.cleaned_data["target"]
            sources = [p for p in snapshot(queryset) if p.pk != target.pk]
            moved = list(Article.objects.filter(provider__in=sources).values_list("pk", flat=True))
            count = curation.merge_providers(target, sources)
            names = ", ".join(f"{display_name(p.name)} ({p.domain})" for p in sources)
            log_bulk_change(request, [target], f"Merged {names} into this provider.")
            revisions.record(moved, user=request.user, message=f"Provider {names} merged into {target}.")
            self.message_user(
                request, f"Merged {names} into {target}: {counted(count, 'article', 'articles')} moved.", messages.SUCCESS
            )

        return intermediate_form(
            self, request, queryset, form, title="Merge providers", apply=apply,
            intro="Articles and related coverage of the other providers move to the one you choose; "
            "the others are deleted and their domains become aliases of this one: later imports that name them "
            "land here, and their pages redirect here.",
        )

