"""The readers' site: thin views over ArticleQuerySet methods. Drafts never reach them."""

from datetime import datetime

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from taggit.models import Tag

from . import ranking, search_results
from .cards import CardMaker, cards, fetch_parts, placeholder
from .db.base import SEARCH_WINDOW  # at most as many results as the engines rank
from .domains import is_domain_name, normalize_domain
from .embeds import article_player_url
from .forms import SearchForm
from .links import http_url, image_src, is_http_url
from .models import SLIDESHOW_TYPES, Article, ArticleTopic, Image, Provider, ProviderAlias, RelatedLink, TopicRedirect
from .search import find
from .stories.folding import FoldedList, attach_other_outlets, more_like_this, story_coverage
from .text import language_tag, plain
from .visibility import Status, status

PAGE_SIZE = 20
TOP_STORIES = 5
LATEST_ON_HOME = 12
TRENDING_TOPICS = 12
# Sort key -> (label, the queryset method, on articles and on topic links alike).
SORTS = {
    "latest": ("Latest", "latest"),
    "trending": ("Trending", "trending"),
    "quality": ("Best quality", "by_quality"),
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


def front_page_candidates():
    """The stories the front page may lead with: those pinned to home, then the newest
    `ranking.CANDIDATES` public ones (the newest first), as `ranking.Candidate`s. Two indexed
    queries: OR-ing the pinned flag into the second would make the database scan every article."""
    published = Article.objects.published()
    columns = ("pk", "heat", "published_at", "pinned_home", "story_id")
    pinned = published.filter(pinned_home=True).latest().values_list(*columns)[:TOP_STORIES]
    recent = published.latest().values_list(*columns)[:ranking.CANDIDATES]
    rows = {row[0]: ranking.Candidate(*row) for row in [*pinned, *recent]}
    return list(rows.values())


def first_of_each_story(pks, story_of):
    """`pks` (in the list's order) keeping each story's first; an article without a story stands alone."""
    seen, kept = set(), []
    for pk in pks:
        story = story_of.get(pk)
        if story is None or story not in seen:
            seen.add(story)
            kept.append(pk)
    return kept


def home(request):
    candidates = front_page_candidates()
    story_of = {c.pk: c.story_id for c in candidates}
    # One card per story: of each, its best-ranked article leads and its newest is the latest.
    top_ids = first_of_each_story(ranking.top_stories(candidates, len(candidates)), story_of)[:TOP_STORIES]
    top_stories = {story_of[pk] for pk in top_ids if story_of[pk]}
    newest = sorted(candidates, key=lambda c: (c.published_at, c.pk), reverse=True)
    latest_ids = first_of_each_story(
        [c.pk for c in newest if c.pk not in set(top_ids) and (not c.story_id or c.story_id not in top_stories)],
        story_of,
    )[:LATEST_ON_HOME]
    shown = Article.objects.with_cards().in_bulk([*top_ids, *latest_ids])  # all public: candidates
    top = [shown[pk] for pk in top_ids if pk in shown]
    latest = [shown[pk] for pk in latest_ids if pk in shown]
    attach_other_outlets(top + latest)  # no query while no shown article has a story
    topic_rows = ArticleTopic.objects.filter(content_object_id__in=[c.pk for c in candidates]).values_list(
        "content_object_id", "tag__name", "tag__slug"
    )
    fetch_parts(top + latest)  # both lists' images and topics in one pair of queries
    maker = CardMaker()
    return render(request, "articles/home.html", {
        "og_image": first_image(top + latest),
        "lead": maker.cards(top[:1], pinned_marks=True),
        "top_stories": maker.cards(top[1:], pinned_marks=True),
        "latest": maker.cards(latest),
        "trending_topics": ranking.trending_topics(candidates, topic_rows, TRENDING_TOPICS),
    })


def first_image(articles):
    """The first of `articles`' lead images readers can load (for og:image), or ""."""
    images = (getattr(article, "card_image", None) for article in articles)
    return next((src for src in map(image_src, filter(None, images)) if src), "")


def topic_list(request):
    by_size = request.GET.get("sort") == "size"
    topics = (
        ArticleTopic.objects.public()
        .values("tag__name", "tag__slug")
        .annotate(articles=Count("id"))
    )
    topics = list(topics.order_by("-articles", "tag__name") if by_size else topics.order_by("tag__name"))
    for topic in topics:
        topic["name"] = plain(topic["tag__name"])  # as providers' names: "R&amp;D" reads "R&D"
        topic["url"] = reverse("articles:topic-detail", kwargs={"slug": topic["tag__slug"]})
    return render(request, "articles/topic_list.html", {
        "topics": topics, "groups": {} if by_size else by_initial(topics, "name"), "by_size": by_size,
    })


def by_initial(items, key):
    """{initial letter (or "#"): [items]} in the items' order: an A–Z index's groups."""
    groups = {}
    for item in items:
        initial = item[key][:1].upper()
        groups.setdefault(initial if initial.isalpha() else "#", []).append(item)
    return groups


def provider_list(request):
    by_size = request.GET.get("sort") == "size"
    providers = Article.objects.published().values("provider__name", "provider__domain").annotate(articles=Count("id"))
    providers = list(providers.order_by("-articles", "provider__name") if by_size else providers.order_by("provider__name"))
    for provider in providers:
        provider["name"] = plain(provider["provider__name"])
        provider["url"] = reverse("articles:provider-detail", kwargs={"domain": provider["provider__domain"]})
    return render(request, "articles/provider_list.html", {
        "providers": providers, "groups": {} if by_size else by_initial(providers, "name"), "by_size": by_size,
    })


def feed_list(request):
    """A page for people, not feed readers: what each feed offers and the address to copy.

    `?topic=<slug>` or `?provider=<domain>` puts that topic's or outlet's feeds first (a 404 when
    readers cannot see it), so topic and outlet pages link here rather than to raw XML."""
    feeds = []
    if request.GET.get("topic"):
        topic = public_topic(request.GET["topic"])
        feeds.append({"name": plain(topic.name), "about": f"The latest articles about {plain(topic.name)}.",
                      "rss": reverse("articles:topic-feed", kwargs={"slug": topic.slug}),
                      "atom": reverse("articles:topic-atom", kwargs={"slug": topic.slug}),
                      "page": reverse("articles:topic-detail", kwargs={"slug": topic.slug})})
    if request.GET.get("provider"):
        provider = public_provider(request.GET["provider"])
        feeds.append({"name": plain(provider.name), "about": f"The latest articles from {plain(provider.name)}.",
                      "rss": reverse("articles:provider-feed", kwargs={"domain": provider.domain}),
                      "atom": reverse("articles:provider-atom", kwargs={"domain": provider.domain}),
                      "page": provider.get_absolute_url()})
    feeds.append({"name": "Latest on Newsroom", "about": "Every article, newest first.",
                  "rss": reverse("articles:latest-feed"), "atom": reverse("articles:latest-atom"),
                  "page": reverse("articles:home")})
    for feed in feeds:
        feed["rss_address"] = request.build_absolute_uri(feed["rss"])
        feed["atom_address"] = request.build_absolute_uri(feed["atom"])
    return render(request, "articles/feed_list.html", {"feeds": feeds})


def public_provider(domain):
    """The outlet readers may see under `domain` (one public article at least), else a 404."""
    public = Article.objects.published().filter(provider=OuterRef("pk"))
    return get_object_or_404(Provider.objects.filter(Exists(public)), domain=normalize_domain(domain))


def public_topic(slug):
    """The topic readers may see under `slug` (one public article at least), else a 404."""
    return get_object_or_404(ArticleTopic.objects.public().topics(), slug=slug)


def topic_archive(request, slug, year, month=None):
    """A topic's articles of one year or month, newest first: old stories without deep page numbers."""
    topic = public_topic(slug)
    if not 1 <= year < 9999 or (month is not None and not 1 <= month <= 12):
        raise Http404("No such date.")
    zone = timezone.get_current_timezone()
    year_start, year_end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    if month is None:
        start, end = year_start, year_end
    else:
        start = datetime(year, month, 1, tzinfo=zone)
        end = datetime(year + 1, 1, 1, tzinfo=zone) if month == 12 else datetime(year, month + 1, 1, tzinfo=zone)
    links = ArticleTopic.objects.public_for_topic(topic)
    period_links = links.published_between(start, end)
    page = paginate(request, period_links.latest().values_list("content_object_id", flat=True))
    if not page.paginator.count:
        raise Http404("No public article of this topic in this period.")
    articles = in_order(Article.objects.with_cards(), list(page.object_list))
    return render(request, "articles/topic_archive.html", {
        "topic": topic,
        "year": year,
        "month": start if month else None,
        "page_obj": page,
        "cards": cards(articles),
        # The year page lists its months; a month page its year's months too, to move along.
        "months": links.published_between(year_start, year_end).periods("month"),
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
    if not total:
        raise Http404("No public article has this topic.")
    listed = links.filter(article_provider_id=provider_id) if provider else links
    sort = sort_choice(request)
    folded = FoldedList(getattr(listed, SORTS[sort][1])(), values=("content_object_id", "pinned"),
                        total=from_provider if provider else total,
                        story="content_object__story_id", article="content_object_id")
    page = paginate(request, folded)
    pinned = {pk for pk, is_pinned in page.object_list if is_pinned}
    # The links were public: their articles need no second filter.
    articles = in_order(Article.objects.with_cards(), [pk for pk, _ in page.object_list])
    for article in articles:
        article.is_pinned = article.pk in pinned
    attach_other_outlets(articles)

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
        "archive_years": links.periods("year", counted=False),
        "topic": topic,
        "page_obj": page,
        "article_count": from_provider if provider else total,  # the page folds stories; this counts articles
        "articles": articles,
        "cards": maker.cards(articles),
        "og_image": first_image(articles),  # after cards(), which fetched their images
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
    provider = Provider.objects.filter(domain=domain).first()
    if provider is None:
        # A merged-away provider's page leads to the one that absorbed it.
        alias = get_object_or_404(ProviderAlias.objects.select_related("provider"), domain=domain)
        target = alias.provider.get_absolute_url()
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target, permanent=True)
    sort = sort_choice(request)
    articles = getattr(Article.objects.published().filter(provider=provider), SORTS[sort][1])()
    page = paginate(request, FoldedList(articles, values=("pk",), total=articles.count(), story="story_id", article="id"))
    if not page.paginator.count:
        raise Http404("No public article comes from this provider.")
    page.object_list = in_order(articles.with_cards(), [pk for pk, in page.object_list])
    attach_other_outlets(page.object_list)
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
    section = next(iter(article.topic_links.all()), None)  # the article's first topic: its section
    outlets = {link.provider_id or link.web_url for link in related}
    state = status(article)
    response = render(request, "articles/article_detail.html", {
        "article": article,
        "preview": state != Status.LIVE,
        # Staff see the article's state (Draft / Scheduled / Live) and a way to the admin.
        "status": state if is_staff else None,
        "edit_url": (reverse("admin:articles_article_change", args=[article.pk])
                     if is_staff and request.user.has_perm("articles.change_article") else ""),
        "language": language_tag(article.extra.get("language") if isinstance(article.extra, dict) else None),
        "lead_image": next(iter(article.images.all()), None),
        # A slideshow shows every image it has (a grid, no script); another item its lead image.
        "gallery": [image for image in article.images.all() if image_src(image)] if is_slideshow(article) else [],
        "is_video": (article.item_type or "").lower() == "video",
        "placeholder": placeholder(article.provider.name, article.provider.domain),
        "topic_links": article.topic_links.all(),
        "coverage": coverage,
        "outlet_count": len(outlets),
        # The story's other articles here, less those the feed's coverage list already links to.
        "story_coverage": [a for a in story_coverage(article) if a.identity_url not in in_newsroom],
        "more_like_this": more_like_this(article),
        "player_url": article_player_url(article),
        "section": section.tag if section else None,
        "more_from_section": more_from_topic(section.tag, article) if section else [],
        "structured_data": structured_data(request, article),
    })
    if is_staff:
        # A staff page is personal (its state, the Edit link, maybe a draft): no cache may keep it.
        add_never_cache_headers(response)
    return response


def is_slideshow(article):
    return (article.item_type or "").lower() in SLIDESHOW_TYPES


def more_from_topic(topic, article, limit=4):
    """Cards for the newest other public articles of `topic` (one query: their links from the
    topic's index, the articles in the same statement); compact, so no image or topic is fetched."""
    newest = ArticleTopic.objects.public_for_topic(topic).exclude(content_object_id=article.pk).latest()
    others = list(Article.objects.with_cards().filter(pk__in=newest.values("content_object_id")[:limit]))
    others.sort(key=lambda other: (other.published_at, other.pk), reverse=True)
    for other in others:
        other.card_image, other.card_topics = None, []
    return cards(others)


def structured_data(request, article):
    """schema.org NewsArticle for search engines (rendered escaped by the json_ld tag)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": plain(article.title)[:110],
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "publisher": {"@type": "Organization", "name": plain(article.provider.name)},
        # The outlet wrote it: feeds name no person.
        "author": {"@type": "Organization", "name": plain(article.provider.name),
                   "url": request.build_absolute_uri(article.provider.get_absolute_url())},
    }
    data["mainEntityOfPage"] = {"@type": "WebPage", "@id": data["url"]}
    if article.published_at:
        data["datePublished"] = article.published_at_local.isoformat()
        data["dateModified"] = timezone.localtime(article.modified_at).isoformat()
    if article.excerpt:
        data["description"] = plain(article.excerpt)
    images = [img.src for img in article.images.all() if is_http_url(img.src)]
    if images:
        data["image"] = images[:3]
    if article.web_url:
        data["isBasedOn"] = article.web_url
    player = article_player_url(article)
    if player:
        data["video"] = {
            "@type": "VideoObject",
            "name": data["headline"],
            "description": data.get("description") or data["headline"],
            "embedUrl": player,
            **({"uploadDate": data["datePublished"]} if "datePublished" in data else {}),
            **({"thumbnailUrl": images[:1]} if images else {}),
            **({"url": http_url(article.original_url or article.web_url)}
               if http_url(article.original_url or article.web_url) else {}),
        }
    return data


def search(request):
    form = SearchForm(request.GET or None)
    data = {}
    if form.is_bound:
        form.is_valid()  # a field in error is left out of cleaned_data (and shown); the others apply
        data = form.cleaned_data
    query = data.get("q", "")
    page = found = None
    context = {"form": form, "query": query, "sort": data.get("sort") or "relevance"}
    if query:
        # The matches (or, for a query with none, a typo correction's, with "Did you mean …?") among
        # the articles the filters leave.
        found = find(search_results.filtered(Article.objects.published(), data), query)
        ordered = found.articles.latest() if context["sort"] == "newest" else found.articles
        # The matches' ids in order, once (the engines rank at most SEARCH_WINDOW of them): the
        # page, its count and the filters' counts all come from them.
        ids = list(ordered.values_list("pk", flat=True)[:SEARCH_WINDOW])
        page = paginate(request, ids)
        context.update({
            "results": search_results.rows(list(page.object_list), found.terms),
            # The filters offer what the matches carry (whatever the filters chosen so far).
            "topic_options": search_results.topic_options(ids, data.get("topic")),
            "provider_options": search_results.provider_options(ids, data.get("provider")),
            "filtered": any(data.get(name) for name in ("topic", "provider", "since", "until")),
        })
    context.update({"found": found, "page_obj": page, "articles": page.object_list if page else []})
    return render(request, "articles/search.html", context)
