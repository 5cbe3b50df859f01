from django import forms

from .search import MAX_QUERY_LENGTH

SEARCH_SORTS = (("relevance", "Best match"), ("newest", "Newest"))


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search articles",
        max_length=MAX_QUERY_LENGTH,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search articles, topics, outlets"}),
    )
    # Filters: a topic slug and an outlet domain (the result page offers those of the matches),
    # and a date range on the published time (whole days, both ends included).
    topic = forms.CharField(label="Topic", max_length=100, required=False)
    provider = forms.CharField(label="Outlet", max_length=255, required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label="Sort by", choices=SEARCH_SORTS, required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data
