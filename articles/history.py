"""The admin's history (Django's LogEntry), written in bulk for changes made outside a form:
an import job records what it created and updated under the editor who uploaded the files."""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType


def log_entries(user, model, rows, action_flag):
    """History entries with a message each: rows are (object, message)."""
    content_type = ContentType.objects.get_for_model(model)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                user_id=user.pk,
                content_type_id=content_type.pk,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                action_flag=action_flag,
                change_message=message,
            )
            for obj, message in rows
        ]
    )
