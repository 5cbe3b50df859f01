"""Forms the admin shows: the article form, inline forms and the actions' intermediate forms."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models import Max
from taggit.models import Tag

from articles.images import inspect_upload, make_thumbnail
from articles.locks import field_label
from articles.models import Article, ArticleTopic, Image


# Addresses an editor types without a scheme are web addresses (Django 6's default, chosen now).
# ModelAdmins apply it as formfield_overrides; forms used on their own through https_urls.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def https_urls(db_field, **kwargs):
    """Form fields for the model with URL_FIELDS' options (for a form used outside a ModelAdmin)."""
    for field_class, options in URL_FIELDS.items():
        if isinstance(db_field, field_class):
            kwargs = {**options, **kwargs}
    return db_field.formfield(**kwargs)


class ArticleAdminForm(forms.ModelForm):
    return_to_source = forms.MultipleChoiceField(
        label="Return to source",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick a field to hand it back to the source file: the editor's value is dropped and "
        "the file's value comes back (right away when the file is still on disk, else at its next import).",
    )

    class Meta:
        model = Article
        exclude = ("topics", "locked_fields")
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locked = list(self.instance.locked_fields or []) if self.instance.pk else []
        self.fields["return_to_source"].choices = [(name, field_label(name)) for name in locked]
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and not isinstance(field, forms.URLField):
                # Only a real edit locks a field: not the browser's CRLF or a trailing newline.
                field.strip = not isinstance(field.widget, forms.Textarea)
                field.has_changed = _text_changed(field)

    def _clean_text(self, name):
        value = self.cleaned_data.get(name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    def clean_body(self):
        return self._clean_text("body")

    def clean_excerpt(self):
        return self._clean_text("excerpt")

    def clean_featured_content(self):
        return self._clean_text("featured_content")


def _normal_text(value):
    return ("" if value is None else str(value)).replace("\r\n", "\n").strip()


def _text_changed(field):
    def has_changed(initial, data):
        return _normal_text(initial) != _normal_text(field.to_python(data))

    return has_changed


class PositionedInlineForm(forms.ModelForm):
    """Inline rows whose position the editor may leave empty: the row then goes to the end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False
            self.fields["position"].help_text = "Empty: after the others."

    def _post_clean(self):
        super()._post_clean()
        # An empty (or absent) position means "at the end"; fill_positions picks the number on save.
        if "position" in self.fields and self.cleaned_data.get("position") is None:
            self.instance.position = None


class CheckedImageField(forms.ImageField):
    """Django's ImageField, with our own clear errors for non-images and decompression bombs first."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is not None:
            inspect_upload(upload)
        return super().to_python(data)


class ImageInlineForm(PositionedInlineForm):
    file = CheckedImageField(
        required=False, widget=AdminFileWidget, help_text=Image._meta.get_field("file").help_text
    )

    class Meta:
        model = Image
        fields = ("file", "url", "title", "position")
        formfield_callback = https_urls
        widgets = {
            "url": forms.URLInput(attrs={"size": 40}),
            "title": forms.TextInput(attrs={"size": 30}),
            "position": forms.NumberInput(attrs={"style": "width: 4em"}),
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("url") and not cleaned.get("DELETE"):
            if self.has_changed():
                raise forms.ValidationError("Upload a file or give the image's URL.")
        return cleaned

    def save(self, commit=True):
        if "file" in self.changed_data and self.instance.file:
            make_thumbnail(self.instance)
        elif "file" in self.changed_data:  # the editor cleared the upload
            self.instance.thumbnail = ""
            # Its renditions go with it; the feed's URL is fetched again (when the fetcher is on).
            self.instance.renditions, self.instance.fetch_status = [], Image.FetchStatus.NEW
        return super().save(commit)


def fill_positions(instances):
    """Give rows without a position the next free ones after their article's existing rows."""
    todo = [obj for obj in instances if obj.position is None]
    if not todo:
        return
    model = type(todo[0])
    fk = "content_object_id" if model is ArticleTopic else "article_id"
    parent = getattr(todo[0], fk)
    used = model.objects.filter(**{fk: parent}).aggregate(m=Max("position"))["m"]
    taken = {obj.position for obj in instances if obj.position is not None}
    nxt = max([-1 if used is None else used, *taken]) + 1
    for obj in todo:
        obj.position = nxt
        nxt += 1


class ActionForm(forms.Form):
    """Base for intermediate forms: the admin template adds the selected rows and action name."""


class AddTopicForm(ActionForm):
    topic = forms.CharField(
        max_length=100, help_text="An existing topic (any case) or a new one, which is then created."
    )

    def clean_topic(self):
        name = self.cleaned_data["topic"].strip()
        if not name:
            raise forms.ValidationError("Name a topic.")
        return name

    def get_tag(self):
        name = self.cleaned_data["topic"]
        return Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)


class ChooseTopicForm(ActionForm):
    topic = forms.ModelChoiceField(queryset=Tag.objects.none(), widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics


class MergeForm(ActionForm):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(), widget=forms.RadioSelect, empty_label=None,
        help_text="The one that stays; the others are folded into it and deleted.",
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        help_text="Front-matter files (.md, .markdown, .txt) or .zip archives of them. "
        "More than 100 files at once? Zip them: browsers may send at most 100 per upload.",
    )
    dry_run = forms.BooleanField(required=False, label="Dry run: check the files, write nothing")
