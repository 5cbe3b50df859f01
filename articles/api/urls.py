from django.urls import path, re_path

from . import views

app_name = "api"

# Path values are <str:…> and checked by the views: anything else is a JSON 404, never an HTML page.
# The last pattern needs the trailing slash, so that APPEND_SLASH still redirects /api/v1/articles.
urlpatterns = [
    path("", views.root, name="root"),
    path("articles/", views.article_list, name="article-list"),
    path("articles/<str:pk>/", views.article_detail, name="article-detail"),
    path("stories/", views.story_list, name="story-list"),
    path("stories/<str:pk>/", views.story_detail, name="story-detail"),
    path("topics/", views.topic_list, name="topic-list"),
    path("topics/<str:slug>/", views.topic_detail, name="topic-detail"),
    path("providers/", views.provider_list, name="provider-list"),
    path("providers/<str:domain>/", views.provider_detail, name="provider-detail"),
    path("schema/", views.schema, name="schema"),
    path("docs/", views.docs, name="docs"),
    re_path(r"^.*/$", views.not_found),
]
