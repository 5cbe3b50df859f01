"""The readers' site: thin views over ArticleQuerySet methods. Drafts never reach them."""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, F, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from taggit.models import Tag

from .cards import CardMaker, cards, fetch_parts
from .coverage import fold_page
from .domains import is_domain_name, normalize_domain
from .embeds import article_player_url
from .forms import SearchForm
from .models import Article, ArticleTopic, Image, Provider, RelatedLink, TopicRedirect

PAGE_SIZE = 20
# "Recent" for the home page: the newest articles, however old the corpus is.
RECENT_WINDOW = 200
# Sort key -> (label, the queryset method, on articles and on topic links alike).
SORTS = {
    "latest": ("Latest", "latest"),
    "trending": ("Trending", "trending"),
    "quality": ("Best", "best"),
}


def paginate(request, queryset, *, count=None):
    """The requested page of `queryset`; page 0, past the end or not a number is a 404.

    `count`: the number of items when the caller already knows it (saves a COUNT query).
    """
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.")


def sort_choice(request):
    sort = request.GET.get("sort", "latest")
    return sort if sort in SORTS else "latest"


def sort_options(current):
    return [{"key": key, "label": label, "current": key == current} for key, (label, _) in SORTS.items()]


def recent_ids():
    return Article.objects.published().latest().values("pk")[:RECENT_WINDOW]


def home(request):
    published = Article.objects.published()
    # Pinned ids first, in their own indexed query: OR-ing the flag into the next query
    # would make the database scan every article.
    pinned = list(published.filter(pinned_home=True).latest().values_list("pk", flat=True)[:5])
    top = list(
        published.filter(Q(pk__in=pinned) | Q(pk__in=recent_ids()))
        .order_by("-pinned_home", F("heat").desc(nulls_last=True), "-published_at", "-id")
        .with_cards()[:5]
    )
    top_ids = {a.pk for a in top}
    latest = [a for a in published.latest().with_cards()[:12 + len(top_ids)] if a.pk not in top_ids][:12]
    trending_topics = (
        ArticleTopic.objects.filter(content_object__in=recent_ids())
        .values("tag__name", "tag__slug")
        .annotate(heat=Sum("content_object__heat"), articles=Count("id"))
        .order_by(F("heat").desc(nulls_last=True), "-articles", "tag__name")[:12]
    )
    fetch_parts(top + latest)  # both lists' images and topics in one pair of queries
    maker = CardMaker()
    return render(request, "articles/home.html", {
        "lead": maker.cards(top[:1], pinned_marks=True),
        "top_stories": maker.cards(top[1:], pinned_marks=True),
        "latest": maker.cards(latest),
        "trending_topics": trending_topics,
    })


def topic_list(request):
    by_size = request.GET.get("sort") == "size"
    topics = (
        ArticleTopic.objects.filter(content_object__in=Article.objects.published().values("pk"))
        .values("tag__name", "tag__slug")
        .annotate(articles=Count("id"))
    )
    topics = list(topics.order_by("-articles", "tag__name") if by_size else topics.order_by("tag__name"))
    groups = {}
    if not by_size:
        for topic in topics:
            initial = topic["tag__name"][:1].upper()
            groups.setdefault(initial if initial.isalpha() else "#", []).append(topic)
    return render(request, "articles/topic_list.html", {
        "topics": topics, "groups": groups, "by_size": by_size,
    })


def topic_detail(request, slug):
    topic = Tag.objects.filter(slug=slug).first()
    if topic is None:
        moved = get_object_or_404(TopicRedirect.objects.select_related("topic"), old_slug=slug)
        target = reverse("articles:topic-detail", kwargs={"slug": moved.topic.slug})
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target, permanent=True)

    # The page is read from the topic's links alone (their copied article columns and the
    # index for the chosen order); only the page's own articles are then fetched.
    links = ArticleTopic.objects.public_for_topic(topic)
    provider = normalize_domain(request.GET.get("provider", ""))
    provider_id = Provider.objects.filter(domain=provider).values_list("pk", flat=True).first() if provider else None
    total, leaders, from_provider = links.outlets(30, provider_id=provider_id)
    listed, count = (links.filter(article_provider_id=provider_id), from_provider) if provider else (links, total)
    sort = sort_choice(request)
    page = paginate(request, getattr(listed, SORTS[sort][1])().values_list("content_object_id", "pinned"), count=count)
    pinned = {pk for pk, is_pinned in page.object_list if is_pinned}
    articles = in_order(Article.objects.published().with_cards(), [pk for pk, _ in page.object_list])
    for article in articles:
        article.is_pinned = article.pk in pinned
    in_topic = Article.objects.published().filter(topic_links__tag=topic)
    articles = fold_page(articles, in_topic, pinned=pinned)

    # Co-occurrence over the topic's first 500 articles: what readers of this topic also follow.
    newest = links.latest().values("content_object_id")[:500]
    related_topics = (
        ArticleTopic.objects.filter(content_object__in=newest)
        .exclude(tag=topic)
        .values("tag__name", "tag__slug")
        .annotate(shared=Count("id"))
        .order_by("-shared", "tag__name")[:10]
    )
    maker = CardMaker()
    return render(request, "articles/topic_detail.html", {
        "topic": topic,
        "page_obj": page,
        "articles": articles,
        "cards": maker.cards(articles),
        "sort": sort,
        "sorts": sort_options(sort),
        "provider_filter": provider,
        "providers": leaders,
        # Chips like the cards' (their links reversed once per page, not per topic).
        "related_topics": [maker.chip(t["tag__name"], t["tag__slug"]) for t in related_topics],
    })


def in_order(queryset, pks):
    """The objects of `queryset` with these pks, in that order (one query)."""
    by_pk = queryset.in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def provider_detail(request, domain):
    normalized = normalize_domain(domain)
    if not is_domain_name(normalized):
        raise Http404("No such provider.")  # ".", "..", " ": nothing a provider is called
    if normalized != domain:
        target = reverse("articles:provider-detail", kwargs={"domain": normalized})
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target, permanent=True)
    provider = get_object_or_404(Provider, domain=domain)
    sort = sort_choice(request)
    articles = getattr(Article.objects.published().filter(provider=provider), SORTS[sort][1])()
    page = paginate(request, articles.with_cards())
    return render(request, "articles/provider_detail.html", {
        "provider": provider,
        "page_obj": page,
        "articles": page.object_list,
        "cards": cards(page.object_list),
        "sort": sort,
        "sorts": sort_options(sort),
    })


def article_detail(request, pk, slug):
    articles = Article.objects.select_related("provider").prefetch_related(
        Prefetch("images", queryset=Image.objects.order_by("position")),
        Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("tag").order_by("position", "pk")),
        Prefetch("related_links", queryset=RelatedLink.objects.select_related("provider").order_by("position")),
    )
    is_staff = request.user.is_authenticated and request.user.is_staff
    # Staff may preview what is not published yet; everyone else sees published articles only.
    article = get_object_or_404(articles if is_staff else articles.published(), pk=pk)
    if slug != (article.slug or "-"):
        return redirect(article, permanent=article.is_public)

    related = list(article.related_links.all())
    in_newsroom = {
        a.identity_url: a
        for a in Article.objects.published().filter(
            identity_url__in=[link.web_url for link in related if link.web_url]
        ).only("pk", "slug", "identity_url")
    }
    coverage = [{"link": link, "article": in_newsroom.get(link.web_url)} for link in related]
    outlets = {link.provider_id or link.web_url for link in related}
    return render(request, "articles/article_detail.html", {
        "article": article,
        "preview": not article.is_public,
        "lead_image": next(iter(article.images.all()), None),
        "topic_links": article.topic_links.all(),
        "coverage": coverage,
        "outlet_count": len(outlets),
        "player_url": article_player_url(article),
        "structured_data": structured_data(request, article),
    })


def structured_data(request, article):
    """schema.org NewsArticle for search engines (rendered escaped by the json_ld tag)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "publisher": {"@type": "Organization", "name": article.provider.name},
    }
    if article.published_at:
        data["datePublished"] = article.published_at_local.isoformat()
    if article.excerpt:
        data["description"] = article.excerpt
    images = [img.src for img in article.images.all() if img.src and img.src.startswith(("http://", "https://"))]
    if images:
        data["image"] = images[:3]
    if article.web_url:
        data["isBasedOn"] = article.web_url
    return data


def search(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = None
    if query:
        page = paginate(request, Article.objects.published().search(query).with_cards())
    return render(request, "articles/search.html", {
        "form": form,
        "query": query,
        "page_obj": page,
        "articles": page.object_list if page else [],
        "cards": cards(page.object_list) if page else [],
    })
