"""schemathesis fuzzes every operation of the live schema (/api/v1/schema/), in-process over WSGI.

Valid and invalid values alike: every answer must be a documented status with a documented
content type, its body must match the schema, and nothing may be a 5xx. A few public articles,
a draft and a scheduled one give the generated filters and ids something to find or miss.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles.models import Article, Story
from articles.stories.assign import refresh_stories

from .factories import make_article, make_provider

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 30  # per operation and mode: the whole run stays around a minute


APP = get_wsgi_application()
# The schema as the site serves it (its view reads no table: no database is needed yet).
with override_settings(ALLOWED_HOSTS=["localhost"]):  # the host schemathesis' WSGI client sends
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", APP)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django's WSGI handler closes the database connection after each request; the test's
    transaction lives on it (django.test.Client disconnects the same handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def public_content(db, settings, wsgi_keeps_the_test_connection):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.NEWSROOM_API_REQUESTS_PER_MINUTE = 0  # the fuzzer's requests would otherwise be throttled
    outlet = make_provider("Ünïcode Outlet", domain="xn--nicode-2ya.example")
    public = [
        make_article(f"Public story {n} vaccine", provider=outlet if n % 2 else None, topics=["AI", f"Topic {n % 3}"],
                     heat=None if n % 4 == 0 else n, quality=n % 5 or None,
                     images=[("https://img.example/{n}.jpg", 640, 480)] if n % 3 else [])
        for n in range(12)
    ]
    draft = make_article("Draft story", published=False, topics=["Secret"])
    scheduled = make_article("Scheduled story", published_at=timezone.now() + timedelta(days=1), topics=["Later"])
    # Three stories with public articles (the list shows them), one with only a draft and a scheduled article.
    for members in (public[0:3] + [draft], public[3:5], public[5:6], [scheduled]):
        story = Story.objects.create()
        Article.objects.filter(pk__in=[a.pk for a in members]).update(story=story)
        refresh_stories([story.pk])


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, public_content):
    case.call_and_validate(checks=CHECKS)
