"""Stories: their articles, moving an article to another story or out on its own, merging stories,
choosing the lead. Every change goes through articles/stories/curation.py, which records it so that
`cluster_stories --rebuild` keeps it."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from articles.models import Article, Story
from articles.stories import curation
from articles.text import display_name

from .base import counted, form_data, intermediate_form, log_bulk_change, snapshot
from .forms import MergeForm


class StoryArticleForm(forms.ModelForm):
    move_to_story = forms.ModelChoiceField(
        queryset=Story.objects.all(), required=False, widget=forms.NumberInput(attrs={"style": "width: 7em"}),
        label="move to story", help_text="Another story's number.",
    )
    keep_apart = forms.BooleanField(required=False, label="out on its own",
                                    help_text="Alone in a locked story of its own.")

    class Meta:
        model = Article
        fields = ()


class StoryArticleInline(admin.TabularInline):
    model = Article
    form = StoryArticleForm
    fk_name = "story"
    fields = ("article_link", "provider", "published_at", "is_published", "move_to_story", "keep_apart")
    readonly_fields = ("article_link", "provider", "published_at", "is_published")
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("published_at", "id")
    verbose_name = "article"
    verbose_name_plural = "articles in this story"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider").only(
            "id", "title", "published_at", "is_published", "story_id", "provider__name", "provider__domain"
        )

    @admin.display(description="title")
    def article_link(self, article):
        return format_html('<a href="../../../article/{}/change/"><bdi>{}</bdi></a>', article.pk, article.title)


class StoryForm(forms.ModelForm):
    class Meta:
        model = Story
        fields = ("lead", "locked")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lead" in self.fields:
            self.fields["lead"].queryset = (
                Article.objects.filter(story=self.instance).select_related("provider").order_by("published_at", "id")
                if self.instance.pk else Article.objects.none()
            )
            # Option text: the provider's str() isolates a name holding bidi controls (text.display_name).
            self.fields["lead"].label_from_instance = lambda a: f"{display_name(a.title)} — {a.provider}"


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    form = StoryForm
    list_display = ("id", "lead_title", "size", "outlets", "first_published_at", "last_published_at", "locked")
    list_display_links = ("id", "lead_title")
    list_filter = ("locked", "lead_chosen")
    list_select_related = ("lead",)
    search_fields = ("lead__title",)
    date_hierarchy = "last_published_at"
    readonly_fields = ("size", "outlets", "first_published_at", "last_published_at", "lead_chosen")
    fields = ("lead", "lead_chosen", "locked", "size", "outlets", "first_published_at", "last_published_at")
    inlines = (StoryArticleInline,)
    actions = ("merge",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # stories come from clustering, or from an editor moving an article out

    def get_queryset(self, request):
        return super().get_queryset(request).defer("centroid")

    @admin.display(description="lead article", ordering="lead__title")
    def lead_title(self, story):
        return format_html("<bdi>{}</bdi>", story.lead.title) if story.lead_id else "—"

    def save_model(self, request, obj, form, change):
        if "lead" in form.changed_data and obj.lead_id:
            curation.choose_lead(obj, obj.lead, user=request.user)
            form.changed_data.remove("lead")
        if "locked" in form.changed_data:
            Story.objects.filter(pk=obj.pk).update(locked=obj.locked)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # nothing of the article itself changes; this fills the history's lists
        story = form.instance
        for article_form in formset.forms:
            data = getattr(article_form, "cleaned_data", None) or {}
            article = article_form.instance
            if data.get("keep_apart"):
                apart = curation.keep_apart(article, user=request.user)
                self.message_user(request, f"“{article.title}” is now on its own (story {apart.pk}).")
            elif data.get("move_to_story") and data["move_to_story"].pk != story.pk:
                curation.move_to_story([article], data["move_to_story"], user=request.user)
                self.message_user(request, f"Moved “{article.title}” to story {data['move_to_story'].pk}.")

    @admin.action(description="Merge selected stories…", permissions=["change"])
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "Choose at least two stories to merge.", messages.WARNING)
            return None
        form = MergeForm(form_data(request), choices=queryset.select_related("lead").order_by("id"))
        form.fields["target"].help_text = "The story that stays; the others' articles join it."

        def apply(form):
            target = form.cleaned_data["target"]
            others = [s for s in snapshot(queryset) if s.pk != target.pk]
            count = curation.merge_stories(target, others, user=request.user)
            log_bulk_change(request, [target], f"Merged stories {', '.join(str(s.pk) for s in others)} into this one.")
            self.message_user(request, f"Merged {counted(len(others), 'story', 'stories')} into story {target.pk} "
                              f"({counted(count, 'article', 'articles')}).",
                              messages.SUCCESS)

        return intermediate_form(
            self, request, queryset, form, title="Merge stories", apply=apply,
            intro="The articles of the other stories move to the one you choose; editors' placements are kept by re-clustering.",
        )
