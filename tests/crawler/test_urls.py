"""Scope, traps and unsafe addresses."""

from __future__ import annotations

from searchops.settings import load_settings
from seo_crawler.urls import Scope, normalize, template_of, unsafe_address


def scope(**crawl: object) -> Scope:
    config = load_settings(overrides={"crawl": crawl}).settings.crawl
    return Scope.build(config, ["http://127.0.0.1:8000/"])


def test_normalize() -> None:
    assert normalize("HTTP://Shop.Example.CA:80/a b?x=1#frag") == "http://shop.example.ca/a%20b?x=1"
    assert (
        normalize("https://x.ca?utm_source=m&id=3", frozenset({"utm_source"}))
        == "https://x.ca/?id=3"
    )


def test_scope_hosts_patterns_and_params() -> None:
    s = scope(include=["/en-ca/"], exclude=[r"\?sort="], skip_params=["sessionid"])
    assert s.allows("http://127.0.0.1:8000/en-ca/p/1")
    assert not s.allows("http://127.0.0.1:8000/fr-ca/p/1")  # not included
    assert not s.allows("http://127.0.0.1:8000/en-ca/c?sort=price")  # excluded
    assert s.trap("http://127.0.0.1:8000/en-ca/c?sessionid=9") == "session-id"
    assert s.trap("http://127.0.0.1:8000/en-ca/c;SessionId=9?x=1") == "session-id"
    assert s.trap("http://127.0.0.1:8000/en-ca/c?session=9") is None
    assert not s.allows("http://other.example/en-ca/")  # other host
    assert s.internal("http://127.0.0.1:8000/anything") and not s.internal("http://other.example/")


def test_traps() -> None:
    s = scope(max_params=3)
    assert s.trap("http://127.0.0.1:8000/a/b/a/b/a/") == "repeating-segments"
    assert s.trap("http://127.0.0.1:8000/" + "/".join(f"s{i}" for i in range(20))) == "deep-path"
    assert s.trap("http://127.0.0.1:8000/c?a=1&b=2&c=3&d=4") == "param-explosion"
    assert s.trap("http://127.0.0.1:8000/c?color=red&color=blue") == "param-explosion"
    far = s.this_year + 10
    assert s.trap(f"http://127.0.0.1:8000/calendar/{far}/01") == "calendar"
    assert s.trap(f"http://127.0.0.1:8000/events?date={far}-03-01") == "calendar"
    assert s.trap(f"http://127.0.0.1:8000/calendar/{s.this_year}/01") is None
    assert (
        s.trap("http://127.0.0.1:8000/en-ca/p/product-2999") is None
    )  # ids are not years in a calendar
    assert s.trap("http://127.0.0.1:8000/en-ca/c/shirts?page=2&color=red") is None


def test_unsafe_addresses() -> None:
    for host in (
        "169.254.169.254",
        "169.254.0.1",
        "[fd00:ec2::254]",
        "metadata.google.internal",
        "fe80::1",
        "::ffff:169.254.169.254",
    ):
        assert unsafe_address(host), host
    for host in ("127.0.0.1", "localhost", "10.0.0.1", "shop.example.ca", "::1"):
        assert not unsafe_address(host), host


def test_template_of() -> None:
    assert (
        template_of("http://x/en-ca/p/blue-shirt-123?color=red&size=m") == "/en-ca/p/*?color&size"
    )
    assert template_of("http://x/en-ca/p/red-hat-9") == template_of(
        "http://x/en-ca/p/blue-shirt-123"
    )


def test_sitemap_locs_normalized_once_and_unparsable_ones_not_queued() -> None:
    from seo_crawler.spider import _memo_normalize

    clean = _memo_normalize(scope(strip_params=["utm_source"]))
    assert clean("HTTPS://S.example/a?utm_source=x") == "https://s.example/a"
    assert clean("http://s.example:PORT/a") is None  # a template placeholder: no URL


def test_scope_is_host_and_port() -> None:
    s = scope(allowed_hosts=["fr.example.ca", "cdn.example.ca:8443"])
    assert s.allows("http://127.0.0.1:8000/a") and s.allows("http://localhost:8000/a")
    assert s.allows("http://[::1]:8000/a")
    assert not s.allows("http://127.0.0.1:8001/a")  # another port is another origin
    assert not s.allows("http://localhost:8001/a") and not s.allows("http://localhost/a")
    assert s.allows("http://fr.example.ca:8000/")  # an allowed host on the start URL's port
    assert not s.allows("http://fr.example.ca:9000/")
    assert s.allows("https://cdn.example.ca:8443/x") and not s.allows("https://cdn.example.ca/x")
    live = Scope.build(load_settings().settings.crawl, ["http://www.example.ca/"])
    assert live.allows("https://www.example.ca/") and live.allows("http://www.example.ca:80/")
    assert not live.allows("http://www.example.ca:18081/")
