from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from articles.page_cache import cached_public_page
from articles.sitemaps import sitemaps
from newsroom.lockout import throttled_password_change

urlpatterns = [
    # Before the admin's own: wrong old passwords count as failed logins (newsroom/lockout.py).
    path("admin/password_change/", throttled_password_change(admin.site.admin_view(admin.site.password_change))),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        cached_public_page(sitemap_views.index),
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cached_public_page(sitemap_views.sitemap),
        {"sitemaps": sitemaps},
        name="sitemap-section",
    ),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8"), name="robots-txt"),
    path("api/v1/", include("articles.api.urls")),
    path("", include("articles.urls")),
]
# Uploaded images under `make run` (DEBUG): static() adds nothing otherwise. In production the web
# server or the object storage serves MEDIA_URL (docs/production.md).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
