"""Topic: taggit's Tag as a proxy in this app, so the admin lists "Topics" beside Articles.

A proxy model has permissions of its own; the Editors group gets them, as it has the tag ones.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
PERMISSIONS = {("articles", "topic"): ("add", "change", "delete", "view")}


def grant_editors(apps, schema_editor):
    # Permissions are normally created after migrate; the group needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    db = schema_editor.connection.alias
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(*[
        Permission.objects.using(db).get(content_type__app_label=app, codename=f"{action}_{model}")
        for (app, model), actions in PERMISSIONS.items()
        for action in actions
    ])


def revoke_editors(apps, schema_editor):
    db = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.using(db).filter(content_type__app_label="articles",
                                                                         content_type__model="topic"))


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_topic_covering_indexes'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
    ]

    operations = [
        migrations.CreateModel(
            name='Topic',
            fields=[
            ],
            options={
                'verbose_name': 'topic',
                'verbose_name_plural': 'topics',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('taggit.tag',),
        ),
        migrations.RunPython(grant_editors, revoke_editors),
    ]
