from django.urls import path

from . import feeds, views

app_name = "articles"

# Topic slugs may be Unicode (taggit keeps "機械学習" as is), which <slug:> would refuse.
urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", feeds.LatestArticlesFeed(), name="latest-feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="latest-atom"),
    path("topics/", views.topic_list, name="topic-list"),
    path("topics/<str:slug>/", views.topic_detail, name="topic-detail"),
    path("topics/<str:slug>/feed/", feeds.TopicFeed(), name="topic-feed"),
    path("topics/<str:slug>/feed/atom/", feeds.TopicAtomFeed(), name="topic-atom"),
    path("providers/<str:domain>/", views.provider_detail, name="provider-detail"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="article-detail"),
    path("search/", views.search, name="search"),
]
