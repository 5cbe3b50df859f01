"""The Editors group may work with what later issues added: stories (see, settle, merge, choose a
lead), article versions (see; restoring is a change of the article), their own export jobs (see),
and provider aliases (as 0012 gave them). Without these an editor's desk links to pages that
refuse them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"

# (app label, model) -> actions, read by articles/tests/admin_factories.editors_group too.
PERMISSIONS = {
    ("articles", "story"): ("change", "view"),
    ("articles", "articleversion"): ("view",),
    ("articles", "exportjob"): ("view",),
    ("articles", "provideralias"): ("add", "change", "delete", "view"),
}


def _permissions(apps, db):
    Permission = apps.get_model("auth", "Permission")
    for (app_label, model), actions in PERMISSIONS.items():
        yield from Permission.objects.using(db).filter(
            content_type__app_label=app_label, codename__in=[f"{action}_{model}" for action in actions]
        )


def grant_editors(apps, schema_editor):
    # Permissions are normally created after migrate; the group needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    db = schema_editor.connection.alias
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*_permissions(apps, db))


def revoke_editors(apps, schema_editor):
    db = schema_editor.connection.alias
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, db))


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_stories_story")]

    operations = [migrations.RunPython(grant_editors, revoke_editors)]
