"""The article list's filters: publication status, and provider/topic filters that stay short."""

from django.contrib import admin
from django.db.models import Count
from taggit.models import Tag

from articles.models import Provider
from articles.text import display_name
from articles.visibility import Status, status_q


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() in Status.values:
            return queryset.filter(status_q(self.value()))
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
        # Names isolated as everywhere in the admin (text.display_name): a sidebar of names.
        return [(key, display_name(label)) for key, label in choices]


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
