"""Lighthouse (the page auditor of Chrome's developer tools; npm, `.ci/node/`) on Debian's
Chromium: the readers' page types score 100 for SEO and for accessibility."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from .test_browser_accessibility import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHTHOUSE = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("seo", "accessibility")


@pytest.fixture
def lighthouse():
    if not LIGHTHOUSE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{LIGHTHOUSE} is missing and CI=true: run `npm ci` in .ci/node (.ci/run does)")
        pytest.skip("Lighthouse is not installed: `npm ci --prefix .ci/node` (make test does, given npm)")
    return LIGHTHOUSE


def audit(lighthouse, url, tmp_path):
    """{category: score} and the titles of the audits that failed, for one page, headless."""
    report = tmp_path / "report.json"
    run = subprocess.run(
        [str(lighthouse), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking"],
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(report.read_text())
    scores = {name: result["categories"][name]["score"] for name in CATEGORIES}
    failed = sorted(
        f"{name}: {result['audits'][ref['id']]['title']}"
        for name in CATEGORIES for ref in result["categories"][name]["auditRefs"]
        if ref["weight"] and result["audits"][ref["id"]]["score"] not in (None, 1)
    )
    return scores, failed


def test_reader_pages_score_100_for_seo_and_accessibility(live_server, lighthouse, tmp_path):
    lead = build(live_server.url)
    problems = []
    for path in ("/", "/topics/health/", lead.get_absolute_url(), "/providers/pulse.example/"):
        scores, failed = audit(lighthouse, live_server.url + path, tmp_path)
        if any(score != 1 for score in scores.values()):
            problems.append(f"{path}: {scores} {failed}")
    assert not problems, "\n".join(problems)
    # A control the auditor must fault: search results ask not to be indexed (noindex), on purpose.
    scores, failed = audit(lighthouse, live_server.url + "/search/?q=health", tmp_path)
    assert scores["seo"] < 1 and any("indexing" in title for title in failed), (scores, failed)
