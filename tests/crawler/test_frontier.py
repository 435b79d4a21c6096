"""The on-disk frontier: FIFO from the file, recorded-at-once lines skipped, exact resume."""

from __future__ import annotations

from pathlib import Path

from seo_crawler.frontier import Frontier, LineQueue, UrlSet
from seo_crawler.visit import Visit


def drain(frontier: Frontier) -> list[str]:
    out = []
    while (entry := frontier.pop()) is not None:
        out.append(entry.url)
    return out


def test_fifo_interleaved_with_pushes_and_recorded_lines_skipped(tmp_path: Path) -> None:
    f = Frontier(tmp_path / "frontier.jsonl")
    f.push(Visit("a", 0, "start", None))
    f.push(Visit("b", 1, "link", "a"))
    assert f.pop() == Visit("a", 0, "start", None)
    f.log_recorded("r", 1, "redirect", "a")  # claimed, recorded without a fetch
    f.push(Visit("c", 2, "link", "b"))
    assert len(f) == 2 and f.claimed == 4
    assert drain(f) == ["b", "c"]
    assert f.pop() is None and len(f) == 0
    f.push(Visit("d", 2, "link", "b"))  # the reader follows the growing file
    assert f.pop() == Visit("d", 2, "link", "b")
    f.close()
    lines = (tmp_path / "frontier.jsonl").read_text().splitlines()
    assert len(lines) == 5 and '"x": 1' in lines[2]


def test_resume_hands_out_exactly_the_unrecorded_claims_in_order(tmp_path: Path) -> None:
    path = tmp_path / "frontier.jsonl"
    first = Frontier(path)
    for url in ("a", "b", "c", "d"):
        first.push(Visit(url, 1, "link", None))
    first.log_recorded("r", 1, "redirect", "a")  # its row was lost in the kill
    assert first.pop() == Visit("a", 1, "link", None)
    first.close()
    with path.open("ab") as fh:
        fh.write(b'{"u": "e", "d"')  # the line being written at kill -9

    again = Frontier(path)
    seen = again.resume(recorded=UrlSet(["a", "c"]))
    assert all(url in seen for url in "abcdr") and "e" not in seen and len(seen) == 5
    assert len(again) == 3 and again.claimed == 5
    again.push(Visit("f", 2, "link", "b"))  # not glued to the half line
    again.log_recorded("g", 2, "redirect", "b")  # recorded by this crawl: never handed out
    assert drain(again) == ["b", "d", "r", "f"]
    again.close()
    third = Frontier(path)
    claimed = third.resume(recorded=UrlSet("abcdrfg"))
    assert "f" in claimed and "g" in claimed
    assert drain(third) == []


def test_line_queue(tmp_path: Path) -> None:
    q = LineQueue(tmp_path / "q.txt")
    for url in ("x", "y", "ü/é"):
        q.append(url)
    assert len(q) == 3 and q.popleft() == "x"
    q.append("z")
    assert [q.popleft() for _ in range(len(q))] == ["y", "ü/é", "z"]
    q.append("w")
    q.clear()
    assert len(q) == 0
    q.append("v")
    assert q.popleft() == "v"
    q.close()


def test_url_set_holds_hashes_not_strings() -> None:
    seen = UrlSet(["https://s/a", "https://s/b"])
    seen.add("https://s/c")
    assert "https://s/a" in seen and "https://s/c" in seen and "https://s/d" not in seen
    assert len(seen) == 3
    assert seen._slots.typecode == "q"  # hashes in a flat array, no string kept


def test_url_set_grows_and_merges_without_losing_a_url() -> None:
    urls = [f"https://s/p/{i}" for i in range(5000)]  # several doublings of the table
    seen = UrlSet(urls[:3000])
    for url in urls[:3000]:
        seen.add(url)  # adding again changes nothing
    assert len(seen) == 3000
    assert all(url in seen for url in urls[:3000])
    assert not any(url in seen for url in urls[3000:])
    more = UrlSet(urls[2500:])
    seen.update(more)
    assert len(seen) == 5000 and all(url in seen for url in urls)
    assert len(seen._slots) >= 2 * len(seen)  # at most half full: probes stay short


def test_a_visit_not_to_follow_stays_so_across_a_resume(tmp_path: Path) -> None:
    path = tmp_path / "frontier.jsonl"
    first = Frontier(path)
    first.push(Visit("a", 1, "link", None))
    first.push(Visit("alt", 2, "hreflang", "a", follow=False))
    assert first.pop() == Visit("a", 1, "link", None)
    first.close()
    again = Frontier(path)
    again.resume(recorded=UrlSet(["a"]))
    assert again.pop() == Visit("alt", 2, "hreflang", "a", follow=False)
    again.close()
