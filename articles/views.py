from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from .models import Article, Provider


def home(request):
    articles = Article.objects.published().latest().with_cards()[:20]
    return render(request, "articles/home.html", {"articles": articles})


def provider_detail(request, domain):
    provider = get_object_or_404(Provider, domain=domain)
    articles = Article.objects.published().filter(provider=provider).latest().with_cards()[:20]
    return render(request, "articles/provider_detail.html", {"provider": provider, "articles": articles})


def article_detail(request, pk, slug):
    article = get_object_or_404(Article.objects.published().select_related("provider"), pk=pk)
    return render(request, "articles/article_detail.html", {"article": article})


def topic_detail(request, slug):
    topic = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().for_topic(slug).latest().with_cards()
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "articles/topic_detail.html", {"topic": topic, "page_obj": page})
