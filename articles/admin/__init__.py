"""The editors' admin: articles, topics, providers and the import upload.

One module per area; importing them registers their ModelAdmins.

The site itself (titles, the desk as its front page) is newsroom/admin_site.py.
"""

from . import articles, topics  # noqa: F401
