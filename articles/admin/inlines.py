"""The article form's inlines: its topics (with pins), images (with previews) and related coverage."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from articles.links import image_src
from articles.models import ArticleTopic, Image, RelatedLink

from .forms import URL_FIELDS, ImageInlineForm, PositionedInlineForm
from .topics import TopicFields

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


class TopicInline(TopicFields, admin.TabularInline):
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
        src = image_src(image, thumbnail=True) if image.pk else None
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
