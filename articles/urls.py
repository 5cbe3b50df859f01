from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("providers/<str:domain>/", views.provider_detail, name="provider-detail"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="article-detail"),
]
