"""The admin and a public page work in a real browser that enforces the Content-Security-Policy."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

PASSWORD = "correct horse battery staple"


@pytest.fixture
def csp_violations(page):
    """Every CSP violation Chromium reports on the page's console."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    return lambda: [text for text in messages if "Content Security Policy" in text]


@pytest.mark.browser
def test_admin_login_and_change_list_work_under_the_policy(live_server, transactional_db, page, csp_violations):
    """An editor logs in, the change list's scripts run (select all), and nothing is blocked."""
    get_user_model().objects.create_superuser("editor", "editor@example.invalid", PASSWORD)
    get_user_model().objects.create_user("reader", "reader@example.invalid", PASSWORD)

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert page.locator("h1").inner_text() == admin.site.index_title

    page.goto(f"{live_server.url}/admin/auth/user/")
    rows = page.locator("input.action-select")
    assert rows.count() == 2
    # actions.js, loaded from 'self', ticks every row: the admin's own scripts run.
    page.check("#action-toggle")
    assert all(rows.nth(index).is_checked() for index in range(2))
    assert page.locator(".action-counter").inner_text() == "2 of 2 selected"

    assert csp_violations() == []


@pytest.mark.browser
def test_public_page_loads_without_blocked_content(live_server, transactional_db, page, csp_violations):
    """The home page renders and the browser blocks nothing on it."""
    response = page.goto(f"{live_server.url}/")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "Newsroom" in page.locator("header a").first.inner_text()
    assert csp_violations() == []


@pytest.mark.browser
def test_admin_change_list_without_actions_keeps_its_inline_style(
    live_server, transactional_db, page, csp_violations, monkeypatch
):
    """The one inline <style> Django's admin emits is allowed by its hash, so Chromium applies it."""
    from django.contrib import admin

    user_admin = admin.site._registry[get_user_model()]
    monkeypatch.setattr(user_admin, "actions_on_top", False)
    monkeypatch.setattr(user_admin, "actions_on_bottom", False)
    monkeypatch.setattr(user_admin, "actions", None)
    get_user_model().objects.create_superuser("editor", "editor@example.invalid", PASSWORD)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/auth/user/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # No checkbox column: the first column is the username, which the inline style keeps wide.
    assert page.locator("#changelist table thead th").first.inner_text().strip().lower() == "username"
    assert csp_violations() == []
