"""Articles the feed and sitemap tests share: published ones, a draft, a scheduled one."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, ArticleTopic, Image, Provider


def make_article(title, *, provider, published_at, is_published=True, topics=(), excerpt="", image_url=None):
    article = Article.objects.create(
        identity_url=f"https://{provider.domain}/{slugify(title) or 'item'}-{Article.objects.count()}",
        title=title,
        slug=slugify(title, allow_unicode=True) or "article",
        excerpt=excerpt,
        published_at=published_at,
        is_published=is_published,
        provider=provider,
    )
    for position, name in enumerate(topics):
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        ArticleTopic.objects.create(content_object=article, tag=tag, position=position)
    if image_url:
        Image.objects.create(article=article, position=0, url=image_url, width=800, height=400)
    return article


def build_newsroom():
    """Three published articles over two providers, a draft and a scheduled article."""
    now = timezone.now().replace(microsecond=0)
    verge = Provider.objects.create(name="The Verge", domain="theverge.com")
    wired = Provider.objects.create(name="Wired", domain="wired.com")
    hidden = Provider.objects.create(name="Hidden Press", domain="hidden.example")
    oldest = make_article(
        "Oldest story", provider=verge, published_at=now - timedelta(days=3), topics=["AI"], excerpt="First."
    )
    scripted = make_article(
        "<script>alert(1)</script> & co",
        provider=wired,
        published_at=now - timedelta(days=2),
        topics=["Computer Vision", "AI"],
        excerpt="<b>bold</b> & more",
        image_url="https://cdn.example.com/lead.png?w=800",
    )
    newest = make_article(
        "Newest story",
        provider=verge,
        published_at=now - timedelta(hours=1),
        topics=["Robotics"],
        image_url="javascript:alert(1)",
    )
    draft = make_article(
        "Draft story", provider=hidden, published_at=now - timedelta(days=1), is_published=False,
        topics=["AI", "Secret"],
    )
    scheduled = make_article(
        "Scheduled story", provider=hidden, published_at=now + timedelta(days=1), topics=["AI", "Secret"]
    )
    return SimpleNamespace(
        now=now, verge=verge, wired=wired, hidden=hidden,
        oldest=oldest, scripted=scripted, newest=newest, draft=draft, scheduled=scheduled,
    )
