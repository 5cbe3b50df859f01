"""The editors' admin: articles, topics, providers and the import upload.

One module per area; importing them registers their ModelAdmins.
"""

from . import articles, topics  # noqa: F401
