"""Topics stored with an empty slug (names such as "🤖" or "!!!", before articles/slugs.py)
get their fallback slug, so every topic has an address again."""

from django.db import migrations


def give_empty_slugs_their_fallback(apps, schema_editor):
    from articles.slugs import topic_slug

    Tag = apps.get_model("taggit", "Tag")
    tags = Tag.objects.using(schema_editor.connection.alias)
    taken = set(tags.values_list("slug", flat=True))
    for tag in tags.filter(slug=""):
        slug, n = topic_slug(tag.name), 1
        while slug in taken:
            slug, n = topic_slug(tag.name, n), n + 1
        tags.filter(pk=tag.pk).update(slug=slug)
        taken.add(slug)


class Migration(migrations.Migration):
    dependencies = [("articles", "0018_hardening_body_html"), ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx")]

    operations = [migrations.RunPython(give_empty_slugs_their_fallback, migrations.RunPython.noop, elidable=True)]
