from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    """django.contrib.admin with Newsroom's site (the editors' desk as the front page)."""

    default_site = "newsroom.admin_site.NewsroomAdminSite"
