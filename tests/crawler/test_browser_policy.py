"""BrowserPolicy's verdicts: what the rendering browser may request (seo_crawler.browser)."""

from __future__ import annotations

import pytest

from searchops.settings import load_settings
from seo_crawler.browser import BrowserPolicy
from seo_crawler.urls import Scope

PAGE = "http://127.0.0.1:8000/p/1"


@pytest.fixture
def policy() -> BrowserPolicy:
    crawl = load_settings(overrides={"crawl": {"allowed_hosts": ["cdn.test:9000"]}}).settings.crawl
    return BrowserPolicy(Scope.build(crawl, ["http://127.0.0.1:8000/"]))


@pytest.mark.parametrize(
    ("method", "url", "reason"),
    [
        ("GET", "http://127.0.0.1:8000/app.js", None),
        ("POST", "http://127.0.0.1:8000/api", None),  # same origin
        ("GET", "http://localhost:8000/app.js", None),  # the same loopback server
        ("GET", "data:image/png;base64,AAAA", None),
        ("GET", "http://cdn.test:9000/lib.js", None),  # an allowed host
        ("POST", "http://cdn.test:9000/collect", "cross-origin-post"),
        ("PUT", "http://localhost:8000/x", "cross-origin-put"),  # another origin by name
        ("GET", "http://127.0.0.1:8001/x", "out-of-scope"),  # another port
        ("GET", "http://evil.example/x", "out-of-scope"),
        ("GET", "http://169.254.169.254/latest/meta-data/", "unsafe-address"),
        ("GET", "http://metadata.google.internal/", "unsafe-address"),
        ("GET", "ws://127.0.0.1:8000/socket", "scheme"),
        ("GET", "file:///etc/passwd", "scheme"),
    ],
)
def test_verdict(policy: BrowserPolicy, method: str, url: str, reason: str | None) -> None:
    assert policy.verdict(method, url, PAGE) == reason


def test_what_was_blocked_is_recorded_per_page_and_bounded(policy: BrowserPolicy) -> None:
    for i in range(30):
        policy.record(PAGE, "post", f"http://evil.example/{i}", "out-of-scope")
    listed = policy.take(PAGE)
    assert len(listed) == 20 and listed[0] == "out-of-scope: POST http://evil.example/0"
    assert policy.total() == 30 and policy.take(PAGE) == []
