"""The "Editors" group: curates articles, topics, providers, images, related links and redirects.

It gets no permission on users or groups, so editors cannot hand themselves more rights.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
# (app label, model) -> actions; "view" alone for the admin history.
PERMISSIONS = {
    ("articles", "article"): ("add", "change", "delete", "view"),
    ("articles", "provider"): ("add", "change", "delete", "view"),
    ("articles", "image"): ("add", "change", "delete", "view"),
    ("articles", "relatedlink"): ("add", "change", "delete", "view"),
    ("articles", "articletopic"): ("add", "change", "delete", "view"),
    ("articles", "topicredirect"): ("add", "change", "delete", "view"),
    ("taggit", "tag"): ("add", "change", "delete", "view"),
}


def create_editors(apps, schema_editor):
    # Permissions are normally created after migrate; a fresh database needs them now.
    for app_label in ("articles", "taggit"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=GROUP)
    wanted = [
        (app_label, f"{action}_{model}")
        for (app_label, model), actions in PERMISSIONS.items()
        for action in actions
    ]
    perms = [
        Permission.objects.using(schema_editor.connection.alias).get(content_type__app_label=app, codename=codename)
        for app, codename in wanted
    ]
    group.permissions.add(*perms)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
