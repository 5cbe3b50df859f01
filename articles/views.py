from django.shortcuts import get_object_or_404, render

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
