"""The admin site: Django's, with the editors' desk as its front page and internal apps kept aside.

Installed through `newsroom.apps.NewsroomAdminConfig` (Django's documented way to replace the
default site), so every `admin.site.register` elsewhere registers here.
"""

from django.contrib import admin

# Apps that run the site rather than the news: login lockouts, the task queue's rows. Editors
# never see them; superusers reach them from the desk's "System" box.
INTERNAL_APPS = ("axes", "django_tasks_database")


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom"
    site_title = "Newsroom admin"
    index_title = "Desk"
    index_template = "admin/desk.html"
    # The article list needs the width more than a second copy of the app list.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        from articles.admin.desk import desk  # the site is built before the apps' admin modules

        full_list = self.get_app_list(request, include_internal=True)
        internal = [app for app in full_list if app["app_label"] in INTERNAL_APPS]
        context = {"desk": desk(request), "internal_apps": internal, **(extra_context or {})}
        return super().index(request, context)

    def get_app_list(self, request, app_label=None, include_internal=False):
        apps = super().get_app_list(request, app_label)
        if include_internal or app_label is not None:
            return apps
        return [app for app in apps if app["app_label"] not in INTERNAL_APPS]
