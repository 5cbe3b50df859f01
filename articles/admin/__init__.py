"""The editors' admin: articles, stories, topics, providers and the import upload.

One module per area; importing them registers their ModelAdmins.

The site itself (titles, the desk as its front page) is newsroom/admin_site.py.
"""

from . import articles, stories, topics  # noqa: F401
