"""The editors' admin: articles, stories, topics, providers and the import upload.

One module per area; importing them registers their ModelAdmins.
"""

from django.contrib import admin

from . import articles, stories, topics  # noqa: F401

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Curation"
# The article list needs the width more than a second copy of the app list.
admin.site.enable_nav_sidebar = False
