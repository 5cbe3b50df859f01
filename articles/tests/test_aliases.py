"""Aliases: what a topic merge or rename, or a provider merge, does to every later import and
to the old addresses. Driven through the real admin (merge actions, change forms) and the
real `import_articles` command."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from taggit.models import Tag

from articles import curation
from articles.models import Article, ArticleTopic, Provider, ProviderAlias, RelatedLink, TopicRedirect

from .admin_client import change_form_data, run_action
from .admin_factories import front_matter

pytestmark = pytest.mark.django_db

TOPICS = reverse("admin:articles_topic_changelist")
PROVIDERS = reverse("admin:articles_provider_changelist")


def run_import(*paths):
    out, err = StringIO(), StringIO()
    call_command("import_articles", *map(str, paths), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(directory, name, **kwargs):
    path = directory / name
    path.write_text(front_matter(**kwargs), encoding="utf-8")
    return path


def topics_of(url):
    article = Article.objects.get(identity_url=url)
    return list(ArticleTopic.objects.filter(content_object=article).order_by("position").values_list("tag__name", "position"))


def merge_topics(client, target, *others):
    tags = [Tag.objects.get(name=name) for name in (target, *others)]
    response = run_action(client, TOPICS, "merge", tags, target=str(tags[0].pk), apply="1")
    assert response.status_code == 302


def rename_topic(client, name, new_name):
    tag = Tag.objects.get(name=name)
    url = reverse("admin:articles_topic_change", args=[tag.pk])
    data = change_form_data(client.get(url))
    data.update(name=new_name)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def merge_providers(client, target, *others):
    providers = [Provider.objects.get(domain=d) for d in (target, *others)]
    response = run_action(client, PROVIDERS, "merge", providers, target=str(providers[0].pk), apply="1")
    assert response.status_code == 302


# -- topics --------------------------------------------------------------------------------


def test_a_file_naming_a_merged_topic_and_its_target_imports_once(admin_client, tmp_path):
    """After Markets is merged into Business, `topics: [Markets, Business]` imports (no
    IntegrityError), the article has Business once at the first position, the run reports it."""
    write(tmp_path, "a.md", url="https://n.example/a", topics=["Markets", "Economy"])
    write(tmp_path, "b.md", url="https://n.example/b", topics=["Business"])
    run_import(tmp_path)
    merge_topics(admin_client, "Business", "Markets")

    later = tmp_path / "later"
    later.mkdir()
    write(later, "c.md", url="https://n.example/c", topics=["Markets", "Economy", "Business"])
    write(later, "d.md", url="https://n.example/d", topics=["markets"])
    out, err = run_import(later)
    assert "2 created" in out
    assert topics_of("https://n.example/c") == [("Business", 0), ("Economy", 1)]
    assert topics_of("https://n.example/d") == [("Business", 0)]
    assert "c.md: topics[2]: 'Business' is the topic 'Markets' again" in err
    assert not Tag.objects.filter(name__iexact="markets").exists()


def test_rename_then_a_file_naming_old_and_new_names(admin_client, tmp_path):
    """A renamed topic's old name files articles under the new one, once."""
    write(tmp_path, "a.md", url="https://n.example/a", topics=["Markets"])
    run_import(tmp_path)
    rename_topic(admin_client, "Markets", "Finance")
    alias = TopicRedirect.objects.get()
    assert (alias.old_name, alias.old_slug, alias.topic.name) == ("Markets", "markets", "Finance")

    write(tmp_path, "b.md", url="https://n.example/b", topics=["Finance", "MARKETS"])
    run_import(tmp_path / "b.md")
    assert topics_of("https://n.example/b") == [("Finance", 0)]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Finance"]
    # The old address answers with one hop to the live page.
    response = admin_client.get("/topics/markets/")
    assert (response.status_code, response["Location"]) == (301, "/topics/finance/")
    feed = admin_client.get("/topics/markets/feed/")
    assert (feed.status_code, feed["Location"]) == (301, "/topics/finance/feed/")


def test_chains_and_merge_back_resolve_without_loops(admin_client, tmp_path):
    """A into B, then B into C: A and B lead to C in one hop. C back into A: A is live again,
    B and C lead to it, and no alias names a live topic or points at itself."""
    write(tmp_path, "a.md", url="https://n.example/a", topics=["Alpha", "Beta", "Gamma"])
    run_import(tmp_path)
    merge_topics(admin_client, "Beta", "Alpha")
    merge_topics(admin_client, "Gamma", "Beta")
    assert dict(TopicRedirect.objects.values_list("old_name", "topic__name")) == {"Alpha": "Gamma", "Beta": "Gamma"}
    assert admin_client.get("/topics/alpha/")["Location"] == "/topics/gamma/"

    # A topic called Alpha again (an editor adds it), then Gamma merged into it.
    response = admin_client.post(reverse("admin:articles_topic_add"), {
        "name": "Alpha", "slug": "alpha", "redirects-TOTAL_FORMS": "0", "redirects-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    assert dict(TopicRedirect.objects.values_list("old_name", "topic__name")) == {"Beta": "Gamma"}
    merge_topics(admin_client, "Alpha", "Gamma")
    assert dict(TopicRedirect.objects.values_list("old_name", "topic__name")) == {"Beta": "Alpha", "Gamma": "Alpha"}
    live = set(Tag.objects.values_list("slug", flat=True))
    assert live == {"alpha"}
    assert not TopicRedirect.objects.filter(old_slug__in=live).exists()

    write(tmp_path, "b.md", url="https://n.example/b", topics=["Gamma", "Beta", "Alpha"])
    run_import(tmp_path / "b.md")
    assert topics_of("https://n.example/b") == [("Alpha", 0)]
    assert admin_client.get("/topics/gamma/")["Location"] == "/topics/alpha/"


def test_editors_see_and_remove_topic_aliases(admin_client, tmp_path):
    """The topic's page lists its aliases; removing one makes its name a new topic again."""
    write(tmp_path, "a.md", url="https://n.example/a", topics=["Markets", "Business"])
    run_import(tmp_path)
    merge_topics(admin_client, "Business", "Markets")
    business = Tag.objects.get(name="Business")
    page = admin_client.get(reverse("admin:articles_topic_change", args=[business.pk])).content.decode()
    assert "Markets" in page and "markets" in page
    listing = admin_client.get(reverse("admin:articles_topicredirect_changelist")).content.decode()
    assert "Markets" in listing

    alias = TopicRedirect.objects.get()
    response = admin_client.post(reverse("admin:articles_topicredirect_delete", args=[alias.pk]), {"post": "yes"})
    assert response.status_code == 302
    write(tmp_path, "b.md", url="https://n.example/b", topics=["Markets"])
    run_import(tmp_path / "b.md")
    assert topics_of("https://n.example/b") == [("Markets", 0)]


def test_an_alias_naming_a_live_topic_is_refused_in_the_admin(admin_client):
    Tag.objects.create(name="Business")
    target = Tag.objects.create(name="Economy")
    response = admin_client.post(reverse("admin:articles_topicredirect_add"), {
        "old_name": "business", "old_slug": "", "topic": str(target.pk),
    })
    assert response.status_code == 200
    assert "merge the two topics instead" in response.content.decode()
    assert not TopicRedirect.objects.exists()


# -- providers -----------------------------------------------------------------------------


def fox_file(directory, name, url, domain, related_domain=None):
    text = front_matter(url=url, domain=domain)
    if related_domain:
        text = text.replace("images:\n", (
            "related:\n"
            f"  - title: Elsewhere\n    webUrl: https://{related_domain}/other\n"
            f"    provider:\n      name: FOX 29\n      domain: {related_domain}\n"
            "images:\n"
        ), 1)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_merged_provider_stays_merged_through_later_imports(admin_client, tmp_path):
    """FOX 29 merged into Fox News: the next import (articles and related links) never re-creates
    it; /providers/fox29.com/ answers 301 to Fox News's page; the admin lists the alias."""
    fox_file(tmp_path, "a.md", "https://www.fox29.com/a", "fox29.com")
    fox_file(tmp_path, "b.md", "https://www.foxnews.com/b", "foxnews.com")
    run_import(tmp_path)
    merge_providers(admin_client, "foxnews.com", "fox29.com")
    assert ProviderAlias.objects.get().domain == "fox29.com"

    later = tmp_path / "later"
    later.mkdir()
    fox_file(later, "c.md", "https://www.fox29.com/c", "fox29.com", related_domain="www.fox29.com")
    fox_file(later, "d.md", "https://www.foxnews.com/d", "foxnews.com", related_domain="fox29.com")
    run_import(later)
    run_import(tmp_path / "a.md")  # a changed file of the merged provider, too
    assert list(Provider.objects.values_list("domain", flat=True)) == ["foxnews.com"]
    fox_news = Provider.objects.get()
    assert set(Article.objects.values_list("provider_id", flat=True)) == {fox_news.pk}
    assert set(RelatedLink.objects.values_list("provider_id", flat=True)) == {fox_news.pk}

    response = admin_client.get("/providers/fox29.com/?sort=latest")
    assert (response.status_code, response["Location"]) == (301, "/providers/foxnews.com/?sort=latest")
    assert admin_client.get("/providers/www.fox29.com/", follow=True).redirect_chain[-1] == ("/providers/foxnews.com/", 301)
    assert admin_client.get("/providers/unknown.example/").status_code == 404

    page = admin_client.get(reverse("admin:articles_provider_change", args=[fox_news.pk])).content.decode()
    assert "fox29.com" in page
    listing = admin_client.get(reverse("admin:articles_provideralias_changelist")).content.decode()
    assert "fox29.com" in listing


def test_removing_a_provider_alias_lets_the_domain_come_back(admin_client, tmp_path):
    fox_file(tmp_path, "a.md", "https://www.fox29.com/a", "fox29.com")
    fox_file(tmp_path, "b.md", "https://www.foxnews.com/b", "foxnews.com")
    run_import(tmp_path)
    merge_providers(admin_client, "foxnews.com", "fox29.com")
    alias = ProviderAlias.objects.get()
    response = admin_client.post(reverse("admin:articles_provideralias_delete", args=[alias.pk]), {"post": "yes"})
    assert response.status_code == 302
    fox_file(tmp_path, "c.md", "https://www.fox29.com/c", "fox29.com")
    run_import(tmp_path / "c.md")
    assert Article.objects.get(identity_url="https://www.fox29.com/c").provider.domain == "fox29.com"
    assert admin_client.get("/providers/fox29.com/").status_code == 200


def test_provider_merge_chains_and_merge_back():
    a, b, c = (Provider.objects.create(name=d, domain=d) for d in ("a.example", "b.example", "c.example"))
    curation.merge_providers(b, [a])
    curation.merge_providers(c, [Provider.objects.get(pk=b.pk)])
    assert dict(ProviderAlias.objects.values_list("domain", "provider__domain")) == {
        "a.example": "c.example", "b.example": "c.example",
    }
    back = Provider.objects.create(name="A again", domain="a.example")
    curation.provider_saved(back)
    curation.merge_providers(back, [Provider.objects.get(pk=c.pk)])
    assert dict(ProviderAlias.objects.values_list("domain", "provider__domain")) == {
        "b.example": "a.example", "c.example": "a.example",
    }


def test_alias_resolution_costs_no_query_per_file(tmp_path, django_assert_max_num_queries):
    """Aliases are read once per run, like topics and providers: files naming old names cost no
    more queries than files naming live ones."""
    target = Tag.objects.create(name="Business")
    for i in range(30):
        TopicRedirect(old_name=f"Old {i}", old_slug=f"old-{i}", topic=target).save()
    for i in range(20):
        write(tmp_path, f"{i}.md", url=f"https://n.example/{i}", topics=[f"Old {i}", "Business"])
    with django_assert_max_num_queries(25):  # a query per file would make it 40
        run_import(tmp_path)
    assert ArticleTopic.objects.filter(tag=target).count() == 20
    assert Tag.objects.count() == 1


def test_an_admin_upload_naming_a_merged_topic_and_its_target(admin_client, tmp_path):
    """The upload (and its background job) files the article under the survivor once, and the
    job's page shows the warning with the uploaded file's name."""
    write(tmp_path, "a.md", url="https://n.example/a", topics=["Markets", "Business"])
    run_import(tmp_path)
    merge_topics(admin_client, "Business", "Markets")
    upload = SimpleUploadedFile("both.md", front_matter(url="https://n.example/b", topics=["Markets", "Business"]).encode())
    response = admin_client.post(reverse("admin:articles_article_import"), {"files": [upload]}, follow=True)
    html = response.content.decode()
    assert "1 created" in html
    assert "both.md: topics[1]: &#x27;Business&#x27; is the topic &#x27;Markets&#x27; again" in html
    assert topics_of("https://n.example/b") == [("Business", 0)]
