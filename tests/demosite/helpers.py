"""Small HTTP and HTML helpers for the demo-site tests (urllib: no redirects followed)."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import lxml.html
import numpy as np


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    _doc: Any = field(default=None, repr=False, compare=False)

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""))
        return match.group(1).lower() if match else None

    def text(self) -> str:
        charset = self.charset
        if charset is None:
            match = re.search(rb'<meta charset="([\w-]+)"', self.body[:1024])
            charset = match.group(1).decode() if match else "utf-8"
        return self.body.decode(charset)

    def doc(self) -> Any:
        """The parsed page (parsed once; callers must not modify it)."""
        if self._doc is None:
            self._doc = lxml.html.fromstring(self.text())
        return self._doc


def fetch(url: str, timeout: float = 10) -> Response:
    try:
        with _OPENER.open(url, timeout=timeout) as r:
            return Response(url, r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Response(url, e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def jsonld_blocks(doc: Any) -> list[str]:
    return [s.text or "" for s in doc.xpath('//script[@type="application/ld+json"]')]


def jsonld_items(doc: Any) -> list[dict[str, Any]]:
    return [json.loads(text) for text in jsonld_blocks(doc)]


def hreflang(doc: Any) -> list[tuple[str, str]]:
    return [
        (e.get("hreflang"), e.get("href"))
        for e in doc.xpath('//head/link[@rel="alternate"][@hreflang]')
    ]


def canonical(doc: Any) -> str | None:
    links = doc.xpath('//head/link[@rel="canonical"]/@href')
    return links[0] if links else None


def title(doc: Any) -> str | None:
    titles = doc.xpath("//head/title")
    return titles[0].text_content() if titles else None


def meta_description(doc: Any) -> str | None:
    values = doc.xpath('//head/meta[@name="description"]/@content')
    return values[0] if values else None


def visible_text(doc: Any) -> str:
    """The words of <body> without scripts and styles (the parsed document is not modified)."""
    body = copy.deepcopy(doc.find("body"))
    for bad in body.xpath(".//script|.//style"):
        bad.drop_tree()
    return " ".join(body.text_content().split())


def simhash(text: str) -> int:
    """64-bit simhash of word 3-shingles (what a near-duplicate check typically computes)."""
    words = re.findall(r"\w+", text.lower())
    shingles = [" ".join(words[k : k + 3]).encode() for k in range(max(1, len(words) - 2))]
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(s, digest_size=8).digest(), "big") for s in shingles],
        dtype=np.uint64,
    )
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = bits.sum(axis=0) * 2 > len(shingles)
    return int(sum(1 << int(bit) for bit in np.flatnonzero(votes)))
