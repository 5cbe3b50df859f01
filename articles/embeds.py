"""Video players Newsroom builds itself from an item's URL, for allow-listed hosts only.

The feed's featuredContent HTML is never rendered: a player is rebuilt from the
item's URL when it names a video on a host we trust, else there is no player.
"""

import re
from urllib.parse import parse_qs, urlsplit

from .links import is_http_url

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def _youtube_id(parts):
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    if host in {"youtu.be", "www.youtu.be"} and path:
        return path[0]
    if host in YOUTUBE_HOSTS:
        if parts.path == "/watch":
            return (parse_qs(parts.query).get("v") or [""])[0]
        if len(path) >= 2 and path[0] in {"embed", "shorts", "v", "live"}:
            return path[1]
    return None


def _vimeo_id(parts):
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    if host == "player.vimeo.com" and len(path) >= 2 and path[0] == "video":
        return path[1]
    if host in VIMEO_HOSTS and path:
        return path[-1]
    return None


def player_url(url):
    """The embeddable player address for a YouTube or Vimeo video URL, else None."""
    if not is_http_url(url):
        return None
    parts = urlsplit(url.strip())
    video = _youtube_id(parts)
    if video and YOUTUBE_ID.match(video):
        return f"https://www.youtube-nocookie.com/embed/{video}"
    video = _vimeo_id(parts)
    if video and VIMEO_ID.match(video):
        return f"https://player.vimeo.com/video/{video}"
    return None


def article_player_url(article):
    """The player for a video item, from its originalUrl or webUrl; None for anything else."""
    if (article.item_type or "").lower() != "video":
        return None
    for url in (article.original_url, article.web_url):
        player = player_url(url)
        if player:
            return player
    return None
