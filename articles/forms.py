from django import forms

from .search import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search articles",
        max_length=MAX_QUERY_LENGTH,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search articles, topics, outlets"}),
    )
