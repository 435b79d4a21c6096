"""Text of a parsed page: element text, headings, visible words and their fingerprints."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree

from seo_crawler.simhash import simhash

_INVISIBLE = ("script", "style", "noscript", "template", "svg")


def node_text(node: Any) -> str:
    """An element's text, whitespace collapsed."""
    if len(node) == 0:  # text only (most anchors, headings, prices): no text_content() walk
        return " ".join((node.text or "").split())
    return " ".join(node.text_content().split())


def headings(doc: Any) -> dict[str, list[str]]:
    return {
        "h1": [node_text(h) for h in doc.iter("h1")],
        "h2": [node_text(h) for h in doc.iter("h2")],
    }


def document_lang(doc: Any) -> str | None:
    """``<html lang>``, stripped."""
    html_el = doc if doc.tag == "html" else doc.getroottree().getroot()
    lang = html_el.get("lang") if html_el is not None else None
    return lang.strip() if lang else None


def visible_words(doc: Any) -> list[str]:
    """The words a reader sees in ``<body>``. Prunes scripts, styles etc. from the tree, so
    it runs after every other piece of extraction."""
    body = doc.find("body")
    if body is None:
        return []
    etree.strip_elements(body, *_INVISIBLE, with_tail=False)
    # Text nodes joined by spaces: text_content() glues adjacent blocks ("shirtDetails").
    return " ".join(body.itertext()).split()


def fingerprints(words: list[str]) -> dict[str, Any]:
    """word_count, content_hash (exact duplicates, case-insensitive) and simhash (near ones)."""
    if not words:
        return {"word_count": 0, "content_hash": None, "simhash": None}
    normalized = " ".join(words).lower()
    return {
        "word_count": len(words),
        "content_hash": hashlib.sha1(normalized.encode("utf-8")).hexdigest(),
        "simhash": simhash(words),
    }
