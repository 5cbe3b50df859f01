"""Aliases: a topic's old name (matched case-insensitively) beside its old slug, and provider
aliases (a merged-away domain). Existing topic redirects are slug-only aliases as they are.
The Editors group may see and remove provider aliases, as it may topic aliases.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GROUP = "Editors"


def grant_editors(apps, schema_editor):
    # Permissions are normally created after migrate; the group needs them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    db = schema_editor.connection.alias
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*apps.get_model("auth", "Permission").objects.using(db).filter(
            content_type__app_label="articles", content_type__model="provideralias"))


def revoke_editors(apps, schema_editor):
    db = schema_editor.connection.alias
    group = apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*apps.get_model("auth", "Permission").objects.using(db).filter(
            content_type__app_label="articles", content_type__model="provideralias"))


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0011_format_topic_proxy'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='topicredirect',
            options={'verbose_name': 'topic alias', 'verbose_name_plural': 'topic aliases'},
        ),
        migrations.AddField(
            model_name='topicredirect',
            name='old_key',
            field=models.CharField(blank=True, editable=False, max_length=100, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='topicredirect',
            name='old_name',
            field=models.CharField(blank=True, max_length=100, null=True),
        ),
        migrations.AlterField(
            model_name='topicredirect',
            name='old_slug',
            field=models.SlugField(allow_unicode=True, blank=True, max_length=100, null=True, unique=True),
        ),
        migrations.CreateModel(
            name='ProviderAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(max_length=253, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='articles.provider')),
            ],
            options={
                'verbose_name': 'provider alias',
                'verbose_name_plural': 'provider aliases',
                'ordering': ['domain'],
            },
        ),
        migrations.RunPython(grant_editors, revoke_editors),
    ]
