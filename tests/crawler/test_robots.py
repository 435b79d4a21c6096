"""robots.txt rules as Google documents them, one case per rule.

Written from developers.google.com/search/docs/crawling-indexing/robots/robots_txt ("How
Google interprets the robots.txt specification") and the test cases of Google's reference
parser (github.com/google/robotstxt, robots_test.cc), restated here.
"""

from __future__ import annotations

import pytest

from seo_crawler.robots import (
    MAX_LINE_BYTES,
    RobotsTxt,
    allowed,
    escape_pattern,
    path_params_query,
    product_token,
)

URL = "http://foo.bar"


def check(robots: str, agent: str, cases: dict[str, bool]) -> None:
    parsed = RobotsTxt.parse(robots)
    got = {path: parsed.allowed(URL + path, agent) for path in cases}
    assert got == cases


def test_user_agent_token_ends_at_first_invalid_character() -> None:
    # "User-agent: Foo Bar" applies to Foo; a crawler called "Foo Bar" is no valid token
    robots = "User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n"
    assert allowed(robots, "Foo", URL + "/x/y")
    assert not allowed(robots, "Foo Bar", URL + "/x/y")
    assert allowed("User-agent: Googlebot/2.1\nDisallow: /\n", "Googlebot", URL + "/") is False


def test_user_agent_matching_is_case_insensitive() -> None:
    for line in ("FOO BAR", "foo bar", "FoO bAr"):
        robots = f"User-Agent: {line}\nAllow: /x/\nDisallow: /\n"
        for agent in ("Foo", "foo"):
            check(robots, agent, {"/x/y": True, "/a/b": False})


def test_directive_names_case_insensitive_and_colon_optional() -> None:
    check("uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n", "FooBot", {"/x/y": True, "/a": False})
    check("user-agent FooBot\ndisallow /\n", "FooBot", {"/x/y": False})  # Google accepts
    check("foo: FooBot\nbar: /\n", "FooBot", {"/x/y": True})  # unknown lines ignored


def test_groups_merge_and_rules_outside_groups_are_ignored() -> None:
    robots = (
        "allow: /foo/bar/\n\n"
        "user-agent: FooBot\ndisallow: /\nallow: /x/\n"
        "user-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\n"
        "user-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n"
    )
    check(robots, "FooBot", {"/x/b": True, "/z/d": True, "/y/c": False, "/foo/bar/": False})
    check(robots, "BarBot", {"/y/c": True, "/w/a": True, "/z/d": False, "/foo/bar/": False})
    check(robots, "BazBot", {"/z/d": True, "/foo/bar/": False})


def test_google_doc_group_merging_example() -> None:
    # Google's page: googlebot-news gets /fish and /shrimp; the * group is not merged in
    robots = (
        "user-agent: googlebot-news\ndisallow: /fish\n\n"
        "user-agent: *\ndisallow: /carrots\n\n"
        "user-agent: googlebot-news\ndisallow: /shrimp\n"
    )
    check(robots, "googlebot-news", {"/fish": False, "/shrimp": False, "/carrots": True})
    check(robots, "otherbot", {"/fish": True, "/carrots": False})


def test_other_lines_do_not_split_a_group() -> None:
    # Google's page: rules other than allow/disallow/user-agent are ignored, so a and b
    # form one group here and both are disallowed
    robots = (
        "user-agent: a\nsitemap: https://example.com/sitemap.xml\n\nuser-agent: b\ndisallow: /\n"
    )
    check(robots, "a", {"/": False})
    check(robots, "b", {"/": False})


def test_global_group_only_when_no_group_names_the_crawler() -> None:
    robots = "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n"
    check(robots, "FooBot", {"/x/y": False})
    check(robots, "BarBot", {"/x/y": True})
    specific = "user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\n"
    check(specific, "QuxBot", {"/x/y": True})
    # a matching group without rules still wins over *
    check("User-agent: *\nDisallow: /\nUser-agent: FooBot\n", "FooBot", {"/x": True})
    check("User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n", "FooBot",
          {"/x/page": True, "/y/page": False})  # fmt: skip
    check("User-agent: * extra words\nDisallow: /\n", "FooBot", {"/": False})


def test_longest_match_wins_and_allow_wins_ties() -> None:
    agent = "FooBot"
    check("user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n", agent,
          {"/x/page.html": False})  # fmt: skip
    check("user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", agent,
          {"/x/page.html": True, "/x/": False})  # fmt: skip
    check("user-agent: FooBot\ndisallow: \nallow: \n", agent, {"/x/page.html": True})
    check("user-agent: FooBot\ndisallow: /\nallow: /\n", agent, {"/x/page.html": True})
    check("user-agent: FooBot\ndisallow: /x\nallow: /x/\n", agent, {"/x": False, "/x/": True})
    check("user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", agent,
          {"/page.html": False, "/page": True})  # fmt: skip
    check("user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", agent,
          {"/x/page.html": True, "/x/y.html": False})  # fmt: skip


def test_google_doc_order_of_precedence_examples() -> None:
    agent = "FooBot"
    check("user-agent: FooBot\nallow: /p\ndisallow: /\n", agent, {"/page": True})
    check("user-agent: FooBot\nallow: /folder\ndisallow: /folder\n", agent, {"/folder/page": True})
    check("user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n", agent, {"/page.htm": False})
    check("user-agent: FooBot\nallow: /$\ndisallow: /\n", agent, {"/": True, "/page.html": False})


@pytest.mark.parametrize(
    ("pattern", "cases"),
    [
        ("/fish", {"/fish": True, "/fish.html": True, "/fish/salmon.html": True,
                   "/fishheads": True, "/fishheads/yummy.html": True,
                   "/fish.html?id=anything": True, "/Fish.asp": False, "/catfish": False,
                   "/?id=fish": False, "/bar": False}),
        ("/fish*", {"/fish": True, "/fish.html": True, "/fishheads/yummy.html": True,
                    "/Fish.bar": False, "/catfish": False, "/?id=fish": False}),
        ("/fish/", {"/fish/": True, "/fish/?salmon": True, "/fish/salmon.html": True,
                    "/fish": False, "/fish.html": False, "/Fish/Salmon.html": False}),
        ("/*.php", {"/filename.php": True, "/folder/filename.php": True,
                    "/folder/filename.php?parameters": True, "//folder/any.php.file.html": True,
                    "/filename.php/": True, "/index?f=filename.php/": True, "/php/": False,
                    "/index?php": False, "/windows.PHP": False}),
        ("/*.php$", {"/filename.php": True, "/folder/filename.php": True,
                     "/filename.php?parameters": False, "/filename.php/": False,
                     "/filename.php5": False, "/php/": False, "/filename?php": False,
                     "/aaaphpaaa": False, "//windows.PHP": False}),
        ("/fish*.php", {"/fish.php": True, "/fishheads/catfish.php?parameters": True,
                        "/Fish.PHP": False}),
    ],
)  # fmt: skip
def test_google_doc_url_matching_table(pattern: str, cases: dict[str, bool]) -> None:
    # "URL matching based on path values": allow <pattern> under disallow /
    check(f"user-agent: FooBot\ndisallow: /\nallow: {pattern}\n", "FooBot", cases)


def test_wildcards_and_end_anchor() -> None:
    check("User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", "FooBot",
          {"/foo/bar/quz": False, "/foo/quz": True, "/foo//quz": True, "/foo/bax/quz": True})  # fmt: skip
    check("User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", "FooBot",
          {"/foo/bar": False, "/foo/bar/qux": True, "/foo/bar/": True, "/foo/bar/baz": True})  # fmt: skip
    # "$" inside a pattern is an ordinary character
    check("User-agent: FooBot\nDisallow: /a$b\n", "FooBot", {"/a$b": False, "/a": True})
    # comments
    check("User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n", "FooBot",
          {"/foo/bar": True, "/foo/quz": False})  # fmt: skip


def test_rules_match_case_sensitively() -> None:
    check("user-agent: FooBot\ndisallow: /x/\n", "FooBot", {"/x/y": False})
    check("user-agent: FooBot\ndisallow: /X/\n", "FooBot", {"/x/y": True})


def test_percent_encoding_in_patterns() -> None:
    # non-ASCII in a pattern is percent-encoded; the URL is compared as requested (encoded)
    robots = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n"
    check(robots, "FooBot", {"/foo/bar/%E3%83%84": True, "/foo/bar/ツ": False})
    robots = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n"
    check(robots, "FooBot", {"/foo/bar/%E3%83%84": True, "/foo/bar/ツ": False})
    # an encoded unreserved character is not decoded: %62%61%7A does not allow baz
    robots = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n"
    check(robots, "FooBot", {"/foo/bar/baz": False, "/foo/bar/%62%61%7A": True})
    # query strings stay as they are
    robots = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n"
    check(robots, "FooBot", {"/foo/bar?qux=taz&baz=http://foo.bar?tar&par": True})
    assert escape_pattern("á".encode()) == "%C3%A1" and escape_pattern(b"%aa") == "%AA"


def test_index_html_allows_its_directory() -> None:
    robots = "User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n"
    check(robots, "foobot", {"/allowed-slash/": True, "/allowed-slash/index.htm": False,
                             "/allowed-slash/index.html": True, "/anyother-url": False})  # fmt: skip


def test_byte_order_mark_and_line_endings() -> None:
    for body in (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"):
        robots = RobotsTxt.parse(body + b"User-Agent: foo\nDisallow: /x\n")
        assert not robots.allowed(URL + "/x", "foo")
    # a broken BOM makes the first line garbage: its group is lost
    assert RobotsTxt.parse(b"\xef\x11\xbfUser-Agent: foo\nDisallow: /x\n").allowed(
        URL + "/x", "foo"
    )
    for eol in ("\n", "\r\n", "\r"):
        robots = RobotsTxt.parse(f"User-Agent: foo{eol}Allow: /a{eol}{eol}Disallow: /{eol}")
        assert robots.allowed(URL + "/a", "foo") and not robots.allowed(URL + "/b", "foo")


def test_long_lines_cut_at_google_line_limit() -> None:
    prefix = "disallow: "
    longline = "/x/" + "a" * (MAX_LINE_BYTES - len(prefix) - 3)
    robots = RobotsTxt.parse(f"user-agent: FooBot\n{prefix}{longline}/qux\n")
    assert robots.allowed(URL + "/fux", "FooBot")
    assert not robots.allowed(URL + longline + "/fux", "FooBot")  # the cut pattern matches


def test_only_first_500_kib_read() -> None:
    # Google: "Content which is after the maximum file size is ignored."
    filler = "# " + "x" * 98 + "\n"
    body = "User-agent: *\n" + filler * 5200 + "Disallow: /late\n"
    robots = RobotsTxt.parse(body)
    assert len(body.encode()) > 500 * 1024 and robots.truncated
    assert robots.allowed(URL + "/late", "FooBot")
    assert not RobotsTxt.parse(body, max_bytes=len(body) + 1).allowed(URL + "/late", "FooBot")


def test_empty_inputs() -> None:
    assert allowed("", "FooBot", "")
    assert allowed("user-agent: FooBot\ndisallow: /\n", "", "")
    assert not allowed("user-agent: FooBot\ndisallow: /\n", "FooBot", "")


def test_path_params_query() -> None:
    cases = {
        "": "/", "http://www.example.com": "/", "http://www.example.com/": "/",
        "http://www.example.com/a": "/a", "http://www.example.com/a/b?c=http://d.e/": "/a/b?c=http://d.e/",
        "http://www.example.com/a/b?c=d&e=f#fragment": "/a/b?c=d&e=f", "example.com": "/",
        "example.com/a/": "/a/", "a": "/", "a/": "/", "/a": "/a", "a/b": "/b",
        "example.com?a": "/?a", "example.com/a;b#c": "/a;b", "//a/b/c": "/b/c",
    }  # fmt: skip
    assert {url: path_params_query(url) for url in cases} == cases


def test_product_token_of_a_user_agent_header() -> None:
    assert product_token("searchops/0.1 (+https://example.com)") == "searchops"
    assert product_token("Googlebot") == "Googlebot"


def test_sitemaps_relative_and_javascript_lines() -> None:
    robots = RobotsTxt.parse(
        "Sitemap: https://example.com/a.xml\nSitemap: /b.xml\nSitemap: javascript:alert(1)\n"
        "Sitemap: sitemaps/c.xml\nUser-agent: *\nDisallow:\n"
    )
    urls, rejected = robots.sitemap_urls("https://example.com/robots.txt")
    assert urls == [
        "https://example.com/a.xml",
        "https://example.com/b.xml",
        "https://example.com/sitemaps/c.xml",
    ]
    assert [r.text for r in rejected] == ["javascript:alert(1)"]


def test_validity_issues_as_lighthouse_reports_them() -> None:
    robots = RobotsTxt.parse(
        "Disallow: /early\n"  # before any user-agent
        "User-agent:\n"
        "User-agent: *\n"
        "Disallow: private\n"
        "Disallow: /a$b\n"
        "Crawl-delay: 5\n"
        "Noarchive: /x\n"
        "this line has no colon\n"
        "Sitemap: /relative.xml\n"
        "Allow: /ok # fine\n"
    )
    assert [(i.line, i.message) for i in robots.issues] == [
        (1, "No user-agent specified"),
        (2, "No user-agent specified"),
        (4, 'Pattern should either be empty, start with "/" or "*"'),
        (5, '"$" should only be used at the end of the pattern'),
        (7, "Unknown directive"),
        (8, "Syntax not understood"),
        (9, "Invalid sitemap URL"),
    ]


def test_hostile_pattern_does_not_backtrack() -> None:
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /" + "*a" * 200 + "*b\n")
    assert robots.allowed(URL + "/" + "a" * 5000, "FooBot")
