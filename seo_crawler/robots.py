"""robots.txt read and matched as Google documents it, plus the facts a crawl records about it.

``allowed(robots_txt, user_agent, url)`` is the one-call API (``searchops ai-access`` and the
crawler's robots middleware use it through :class:`RobotsTxt`, parsed once per host).

Why not Protego (Scrapy's parser)? It re-quotes patterns and URLs before comparing, so an
``Allow: /foo/bar/%62%61%7A`` allows ``/foo/bar/baz``, and it does not cut a ``User-agent:``
value at its first invalid character (``User-agent: Foo Bar`` must apply to ``Foo``). Those are
the semantics of its matcher, not of one corner that could be wrapped, so this module follows
Google's reference parser and matcher (github.com/google/robotstxt, robots.cc) instead. (The
one packaged binding of it, fast-robotstxt, builds a fork that percent-decodes ``%62`` and
encodes raw URLs, failing those two of Google's own tests; on 320,000 random (robots.txt,
agent, URL) checks this module and that binding disagreed only there.) The rules:

* lines end at CR, LF or CRLF; a UTF-8 byte order mark (even a partial one) is skipped;
  ``#`` starts a comment; a line keeps its first 16,663 bytes (8 x 2083, minus the end);
* ``key: value``, or ``key value`` when the colon is missing and there are exactly two
  words; keys are case-insensitive prefixes (``user-agent``, ``useragent``, ``user agent``,
  ``allow``, ``disallow`` and its frequent typos, ``sitemap``, ``site-map``);
* a group is one or more ``user-agent`` lines followed by rules; an allow or disallow line
  ends its user-agent list, so the next ``user-agent`` starts a new group (other lines, such
  as ``sitemap`` or unknown ones, do not); rules before the first ``user-agent`` belong to
  no group and are ignored;
* a ``user-agent`` value is its leading ``[A-Za-z_-]`` characters (``Foo Bar`` -> ``Foo``,
  ``Googlebot/2.1`` -> ``Googlebot``), compared case-insensitively; ``*`` (alone or followed
  by a space) is the global group, used only when no group names the crawler;
* every group naming the crawler is merged into one; an empty group still wins over ``*``;
* patterns keep their percent-escapes (hex upper-cased) and percent-encode non-ASCII bytes;
  the URL is compared as given (percent-encoded, as it goes on the wire), case-sensitively,
  path + params + query without the fragment;
* ``*`` matches any run of characters; ``$`` anchors the end only as the last character;
* the longest matching pattern (in bytes) wins; between an equally long allow and disallow,
  allow wins; a pattern ending in ``/index.htm[l]`` allows its directory as well;
* only the first 500 KiB of the file are read (Google's limit; longer files are truncated).

Sources: https://developers.google.com/search/docs/crawling-indexing/robots/robots_txt,
RFC 9309, and Google's parser above (Apache-2.0), whose test cases tests/crawler/test_robots.py
restates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

# Google: "Google enforces a robots.txt file size limit of 500 kibibytes (KiB). Content
# which is after the maximum file size is ignored." ([crawl] robots_max_bytes)
MAX_BYTES = 500 * 1024
# Google's parser keeps this many bytes of a line (2083 bytes, the longest URL browsers took,
# times 8, less the terminating byte of its buffer).
MAX_LINE_BYTES = 2083 * 8 - 1

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_AGENT_TOKEN = re.compile(r"[A-Za-z_-]*")
_PERCENT_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}")
_USER_AGENT_KEYS = ("user-agent", "useragent", "user agent")
_DISALLOW_KEYS = ("disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw")
_SITEMAP_KEYS = ("sitemap", "site-map")
# Directives Google or other crawlers read (Lighthouse's robots-txt audit lists the same):
# not "unknown" in the validity report, although Google ignores all but the first four.
KNOWN_DIRECTIVES = frozenset(
    {
        "user-agent",
        "allow",
        "disallow",
        "sitemap",
        "crawl-delay",
        "clean-param",
        "host",
        "request-rate",
        "visit-time",
        "noindex",
        "content-signal",
        "license",
    }
)
SITEMAP_SCHEMES = ("http", "https", "ftp")


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str  # escaped as Google compares it (ASCII)
    line: int
    # Google: an allowed ".../index.htm[l]" also allows its directory ("/dir/$")
    directory: str | None = None


@dataclass
class Group:
    agents: list[str] = field(default_factory=list)  # product tokens, lower-cased
    is_global: bool = False
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class Issue:
    """One line of robots.txt that a crawler would misread or ignore (Lighthouse robots-txt)."""

    line: int
    message: str
    text: str


@dataclass
class RobotsTxt:
    groups: list[Group] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # Sitemap: values as written
    issues: list[Issue] = field(default_factory=list)
    size: int = 0  # bytes of the whole body as received
    truncated: bool = False  # only the first ``max_bytes`` were read

    @classmethod
    def parse(cls, body: bytes | str, *, max_bytes: int = MAX_BYTES) -> RobotsTxt:
        raw = body.encode("utf-8") if isinstance(body, str) else body
        robots = cls(size=len(raw), truncated=len(raw) > max_bytes)
        raw = _skip_bom(raw[:max_bytes])
        group: Group | None = None
        agents_open = False  # still reading the user-agent lines of ``group``
        for number, line in enumerate(_LINE_END.split(raw), start=1):
            line = line[:MAX_LINE_BYTES]
            robots._lint(number, line, in_group=group is not None)
            parsed = _key_value(line)
            if parsed is None:
                continue
            key, value = parsed
            kind = _kind(key)
            if kind == "user-agent":
                if not agents_open:
                    group = Group()
                    robots.groups.append(group)
                    agents_open = True
                assert group is not None
                agent = value.decode("utf-8", "replace")
                if agent[:1] == "*" and (len(agent) == 1 or agent[1].isspace()):
                    group.is_global = True
                else:
                    token = _AGENT_TOKEN.match(agent)
                    group.agents.append(token.group(0).lower() if token else "")
                continue
            if kind in ("allow", "disallow") and group is not None:
                group.rules.append(_rule(kind == "allow", value, number))
                agents_open = False
            elif kind == "sitemap":
                robots.sitemaps.append(value.decode("utf-8", "replace"))
        return robots

    # ------------------------------------------------------------------ matching
    def allowed(self, url: str, user_agent: str) -> bool:
        """Whether the crawler whose product token is ``user_agent`` may fetch ``url``.

        ``url`` as requested on the wire (percent-encoded); ``user_agent`` is the token a
        robots.txt names (``Googlebot``, ``GPTBot``), compared case-insensitively. A full
        User-Agent header is reduced with :func:`product_token` first.
        """
        agent = user_agent.lower()
        specific = [g for g in self.groups if agent in g.agents]
        groups = specific or [g for g in self.groups if g.is_global]
        if not groups:
            return True
        path = path_params_query(url)
        allow = disallow = -1
        for group in groups:
            for rule in group.rules:
                priority = _priority(rule, path)
                if rule.allow:
                    allow = max(allow, priority)
                else:
                    disallow = max(disallow, priority)
        # Google: a match of an empty pattern (priority 0) decides nothing
        if allow > 0 or disallow > 0:
            return disallow <= allow
        return True

    def sitemap_urls(self, robots_url: str) -> tuple[list[str], list[Issue]]:
        """The ``Sitemap:`` URLs to fetch, and the lines that name none.

        Relative values are resolved against the robots.txt URL (RFC 9309 asks for absolute
        URLs; resolving loses nothing and reading them is what the site meant); a value that
        is not an http(s)/ftp URL (``javascript:``, ``mailto:``) is reported and skipped, and
        never costs the other lines their sitemaps.
        """
        urls: list[str] = []
        rejected: list[Issue] = []
        for value in self.sitemaps:
            try:
                absolute = urljoin(robots_url, value.strip())
                scheme = urlsplit(absolute).scheme.lower()
            except ValueError:
                scheme, absolute = "", value
            if not value.strip() or scheme not in ("http", "https"):
                rejected.append(Issue(0, "Invalid sitemap URL", value))
            elif absolute not in urls:
                urls.append(absolute)
        return urls, rejected

    # ------------------------------------------------------------------ validity
    def _lint(self, number: int, line: bytes, *, in_group: bool) -> None:
        """Lighthouse's robots-txt checks, one issue per faulty line."""
        text = line.decode("utf-8", "replace")
        content = text.split("#", 1)[0].strip()
        if not content:
            return
        if ":" not in content:
            self.issues.append(Issue(number, "Syntax not understood", text))
            return
        name, value = (part.strip() for part in content.split(":", 1))
        name = name.lower()
        message = None
        if name not in KNOWN_DIRECTIVES:
            message = "Unknown directive"
        elif name == "sitemap":
            if urlsplit(value).scheme.lower() not in SITEMAP_SCHEMES or not urlsplit(value).netloc:
                message = "Invalid sitemap URL"
        elif name == "user-agent" and not value:
            message = "No user-agent specified"
        elif name in ("allow", "disallow"):
            if not in_group:
                message = "No user-agent specified"
            elif value and value[0] not in "/*":
                message = 'Pattern should either be empty, start with "/" or "*"'
            elif "$" in value[:-1]:
                message = '"$" should only be used at the end of the pattern'
        if message:
            self.issues.append(Issue(number, message, text))


def allowed(robots_txt: str | bytes, user_agent: str, url: str) -> bool:
    """Whether ``user_agent`` (a robots.txt product token, e.g. ``GPTBot``) may fetch ``url``
    under ``robots_txt`` (the file's text), as Google's rules decide. Parse once with
    :meth:`RobotsTxt.parse` when checking many URLs."""
    return RobotsTxt.parse(robots_txt).allowed(url, user_agent)


def product_token(user_agent: str) -> str:
    """The token a robots.txt names for a User-Agent header: its leading ``[A-Za-z_-]``
    characters (``searchops/0.1 (+https://...)`` -> ``searchops``), as RFC 9309 2.2.1 asks
    crawlers to send."""
    token = _AGENT_TOKEN.match(user_agent.strip())
    return token.group(0) if token else ""


def path_params_query(url: str) -> str:
    """Path, params and query of ``url`` without scheme, authority or fragment; "/" when
    there is none (Google's GetPathParamsQuery)."""
    start = 2 if url.startswith("//") else 0
    early = _find_any(url, "/?;", start)
    protocol = url.find("://", start)
    # "://" after a path, params or query character is not the scheme's
    after = start if protocol == -1 or (early != -1 and early < protocol) else protocol + 3
    path_start = _find_any(url, "/?;", after)
    if path_start == -1:
        return "/"
    fragment = url.find("#", start)
    if fragment != -1 and fragment < path_start:
        return "/"
    path = url[path_start : fragment if fragment != -1 else len(url)]
    return path if path.startswith("/") else "/" + path


def _find_any(text: str, chars: str, start: int) -> int:
    found = [i for i in (text.find(c, start) for c in chars) if i != -1]
    return min(found) if found else -1


def _skip_bom(raw: bytes) -> bytes:
    # Google skips the BOM's bytes while they match, so a partial BOM is skipped too.
    skip = 0
    while skip < len(_BOM) and raw[skip : skip + 1] == _BOM[skip : skip + 1]:
        skip += 1
    return raw[skip:]


def _key_value(line: bytes) -> tuple[bytes, bytes] | None:
    content = line.split(b"#", 1)[0].strip()
    if b":" in content:
        key, value = content.split(b":", 1)
    else:
        # Google accepts a missing colon when the line is exactly two words ("disallow /")
        words = content.split()
        if len(words) != 2:
            return None
        key, value = words
    key = key.strip()
    if not key:
        return None
    return key, value.strip()


def _kind(key: bytes) -> str:
    name = key.decode("latin-1").lower()
    if name.startswith(_USER_AGENT_KEYS):
        return "user-agent"
    if name.startswith("allow"):
        return "allow"
    if name.startswith(_DISALLOW_KEYS):
        return "disallow"
    if name.startswith(_SITEMAP_KEYS):
        return "sitemap"
    return "unknown"


def escape_pattern(value: bytes) -> str:
    """A pattern as Google compares it: percent-escapes upper-cased, non-ASCII bytes
    percent-encoded (``/ツ`` -> ``/%E3%83%84``, ``%aa`` -> ``%AA``); ``%62`` stays ``%62``
    (it does not match ``b``)."""
    value = _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), value)
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in value)


def _rule(allow: bool, value: bytes, line: int) -> Rule:
    pattern = escape_pattern(value)
    directory = None
    slash = pattern.rfind("/")
    if allow and slash != -1 and pattern[slash:].startswith("/index.htm"):
        directory = pattern[: slash + 1] + "$"
    return Rule(allow, pattern, line, directory)


def _priority(rule: Rule, path: str) -> int:
    """Length of the rule's pattern when it matches ``path`` (longest match wins), else -1."""
    if matches(path, rule.pattern):
        return len(rule.pattern)
    if rule.directory is not None and matches(path, rule.directory):
        return len(rule.directory)
    return -1


def matches(path: str, pattern: str) -> bool:
    """Google's pattern match: anchored at the start of ``path``; ``*`` any characters;
    ``$`` the end, only as the last character. Greedy leftmost matching of the literal
    pieces is exact for ``*``-only patterns and linear in the path per piece (a hostile
    ``/*a*a*a*b`` cannot make it backtrack)."""
    anchored = pattern.endswith("$")
    core = pattern[:-1] if anchored else pattern
    pieces = core.split("*")
    first = pieces[0]
    if not path.startswith(first):
        return False
    if len(pieces) == 1:
        return not anchored or len(path) == len(first)
    position = len(first)
    for piece in pieces[1:-1]:
        found = path.find(piece, position)
        if found == -1:
            return False
        position = found + len(piece)
    last = pieces[-1]
    if anchored:
        return len(path) - len(last) >= position and path.endswith(last)
    return path.find(last, position) != -1
