from django.urls import path

from . import feeds, views
from .page_cache import cached_public_page as cached

app_name = "articles"

# Public pages and feeds come from the shared cache for anonymous readers (articles/page_cache.py).
# Topic slugs may be Unicode (taggit keeps "機械学習" as is), which <slug:> would refuse.
urlpatterns = [
    path("", cached(views.home), name="home"),
    path("feed/", cached(feeds.LatestArticlesFeed()), name="latest-feed"),
    path("feed/atom/", cached(feeds.LatestArticlesAtomFeed()), name="latest-atom"),
    path("topics/", cached(views.topic_list), name="topic-list"),
    path("topics/<str:slug>/", cached(views.topic_detail), name="topic-detail"),
    path("topics/<str:slug>/<int:year>/", cached(views.topic_archive), name="topic-archive-year"),
    path("topics/<str:slug>/<int:year>/<int:month>/", cached(views.topic_archive), name="topic-archive-month"),
    path("topics/<str:slug>/feed/", cached(feeds.TopicFeed()), name="topic-feed"),
    path("topics/<str:slug>/feed/atom/", cached(feeds.TopicAtomFeed()), name="topic-atom"),
    path("feeds/", cached(views.feed_list), name="feed-list"),
    path("providers/", cached(views.provider_list), name="provider-list"),
    path("providers/<str:domain>/", cached(views.provider_detail), name="provider-detail"),
    path("providers/<str:domain>/feed/", cached(feeds.ProviderFeed()), name="provider-feed"),
    path("providers/<str:domain>/feed/atom/", cached(feeds.ProviderAtomFeed()), name="provider-atom"),
    path("articles/<int:pk>/<str:slug>/", cached(views.article_detail), name="article-detail"),
    path("search/", cached(views.search), name="search"),
]
