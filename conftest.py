"""Fixtures for the whole suite: Playwright (through pytest-playwright) on Debian's Chromium."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; Playwright cannot download its own here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A laptop-sized window unless a test asks for another."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def pytest_runtest_setup(item):
    # A missing browser skips locally; in CI it must fail, so the run is not green by accident.
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing and CI=true: browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} is missing")
