"""Google Ads and Microsoft Advertising report exports (CSV, TSV, XLSX) into the SEM tables.

Handles what the two consoles actually export:

* encodings: UTF-8 (with or without BOM) and UTF-16 with BOM, tab-separated (Google's
  "CSV for Excel"); anything else is refused with a clear message rather than mis-decoded;
* preamble lines before the table (report name, date range, Microsoft's ``Report Name:``
  block) and totals/footer lines after it (``Total: Account``, ``Total : compte``,
  ``©2026 Microsoft Corporation``);
* English and French column names, Microsoft's API names (``TimePeriod``, ``Spend``...);
  where a console exports two columns for one field (Google's "Keyword status" and the
  serving "Status", fr "État du mot clé" and "État"), the specific one wins;
* match types as each console labels them: Google en "Exact match" / "Phrase match" /
  "Broad match", Google fr "Mot clé exact" / "Expression exacte" / "Requête large",
  Microsoft "Exact" / "Phrase" / "Broad", and keywords written ``[exact]`` / ``"phrase"``;
* numbers as ``1,234.56``, ``$1,234.56``, ``1 234,56 $`` (with no-break or narrow no-break
  spaces), ``12.5%`` / ``12,5 %``, ``--`` for empty, and micros columns (``Cost (micros)``);
  dates as ISO, ``Nov 1, 2026``, ``1 nov. 2026`` and slashed dates (month first unless the
  column or the file's language says day first).

Report kinds: keyword reports (sem_keywords, and sem_keyword_daily with a Day column),
shopping reports (sem_shopping_daily, sem_products) and search terms reports ("Search term",
with Day, Campaign, Ad group, Clicks, Cost; optional Keyword, Match type, Added/Excluded) into
sem_search_terms; import a search terms report under the same ``--source`` as the account's
keyword report so its terms join the keywords' ad groups (ids come from the names).

Each file is one transaction: it is parsed and validated completely before anything is
written, and written inside ``Workspace.transaction()``, so a bad file changes nothing.
Only a missing *required* column is fatal (the message names it). Columns the importer does
not use are skipped with one warning naming them all, so a renamed "Conv. value" shows up
in that warning instead of silently turning into zero revenue.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

from searchops import clock
from searchops.errors import SearchopsError
from searchops.workspace import Workspace, monday_of
from sem import tables

log = logging.getLogger(__name__)

# canonical field -> header aliases (compared after _norm: lower case, accents kept,
# whitespace collapsed). One table for both platforms and both languages.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("day", "date", "jour", "timeperiod", "gregoriandate", "gregorian date", "time period"),
    # Week- and Month-segmented Google Ads reports: the period's first day (Monday; the 1st)
    "week": ("week", "semaine", "week (mon - sun)", "semaine (lun - dim)", "semaine (lun. - dim.)"),
    "month": ("month", "mois"),
    "account": ("account", "account name", "accountname", "compte", "nom du compte"),
    "customer_id": ("customer id", "account id", "accountid", "id client", "id du compte",
                    "account number", "accountnumber"),
    "campaign": ("campaign", "campaign name", "campaignname", "campagne", "nom de la campagne"),
    "campaign_id": ("campaign id", "campaignid", "id de la campagne", "id campagne"),
    "ad_group": ("ad group", "ad group name", "adgroupname", "groupe d'annonces",
                 "nom du groupe d'annonces"),
    "ad_group_id": ("ad group id", "adgroupid", "id du groupe d'annonces", "id groupe d'annonces"),
    "criterion_id": ("keyword id", "keywordid", "criterion id", "id du mot clé", "id de mot clé",
                     "id du mot-clé"),
    "keyword": ("keyword", "search keyword", "mot clé", "mot-clé", "mot clé du réseau de recherche",
                "mot-clé de recherche"),
    "match_type": ("match type", "search keyword match type", "keyword match type", "bidmatchtype",
                   "bid match type", "matchtype", "criterion type", "type de correspondance",
                   "type de correspondance du mot clé"),
    "status": ("keyword status", "status", "keywordstatus", "état du mot clé", "état", "statut",
               "état du mot-clé"),
    "cpc_bid": ("max. cpc", "max cpc", "default max. cpc", "currentmaxcpc", "current max. cpc",
                "current max cpc", "bid", "keyword bid", "cpc max.", "cpc max", "enchère",
                "cpc maximal"),
    "final_url": ("final url", "finalurl", "url finale", "keyword final url", "destination url"),
    "clicks": ("clicks", "clics"),
    "impressions": ("impr.", "impressions", "impr"),
    "cost": ("cost", "spend", "coût", "dépense", "dépenses", "cout"),
    "conversions": ("conversions", "conv.", "conv"),
    "conversions_value": ("conv. value", "conversion value", "revenue", "total conv. value",
                          "valeur de conv.", "valeur de conversion", "revenus", "chiffre d'affaires"),
    "currency": ("currency code", "currency", "currencycode", "code de devise", "devise"),
    "item_id": ("item id", "merchantproductid", "merchant product id", "product id", "offer id",
                "id de l'article", "id d'article", "id du produit"),
    "title": ("product title", "title", "titre du produit", "titre"),
    "brand": ("brand", "marque"),
    "availability": ("availability", "disponibilité"),
    # search terms reports
    "search_term": ("search term", "searchquery", "search query", "terme de recherche",
                    "requête de recherche"),
    "term_status": ("added/excluded", "ajouté/exclu", "ajoutée/exclue"),
}  # fmt: skip
# Derived or display-only columns the consoles add; recomputed from the counts, not imported.
IGNORED = {
    "ctr", "avg. cpc", "average cpc", "averagecpc", "cpc moy.", "conv. rate", "conversion rate",
    "conversionrate", "taux de conv.", "cost / conv.", "cost/conv.", "coût/conv.", "coût / conv.",
    "costperconversion", "cost per conv.", "quality score", "qualityscore", "niveau de qualité",
    "deliveredmatchtype", "delivered match type", "search impr. share", "impr. (top) %",
    "impr. (abs. top) %", "avg. position", "averageposition", "return on ad spend",
    "returnonadspend", "roas", "conv. value / cost", "valeur de conv. / coût", "interactions",
    "interaction rate", "all conv.", "all conv. value", "view-through conv.", "toutes les conv.",
    "account status", "campaign status", "ad group status", "campaign type", "type de campagne",
    "network", "réseau", "device", "appareil", "labels", "libellés", "bid strategy type",
}  # fmt: skip
# Aliases that name a field only when no more specific column does: Google's keyword export
# has both "Keyword status" (enabled/paused/removed) and "Status" (serving: "Eligible",
# "Campaign paused", ...); an ad group's "Default max. CPC" yields to the keyword's own.
_FALLBACK = {"status", "état", "statut", "default max. cpc"}
# Names of required columns in error messages: (Google English, Google French).
_DISPLAY = {
    "date": ("Day", "Jour"), "item_id": ("Item ID", "ID de l'article"),
    "clicks": ("Clicks", "Clics"), "impressions": ("Impr.", "Impr."), "cost": ("Cost", "Coût"),
    "campaign": ("Campaign", "Campagne"), "ad_group": ("Ad group", "Groupe d'annonces"),
    "keyword": ("Keyword", "Mot clé"), "match_type": ("Match type", "Type de correspondance"),
    "search_term": ("Search term", "Terme de recherche"),
}  # fmt: skip
_MICROS_SUFFIXES = (" (micros)", " (microunits)", "micros")
_MONTHS = {
    "jan": 1, "janv": 1, "january": 1, "janvier": 1, "feb": 2, "févr": 2, "fevr": 2,
    "february": 2, "février": 2, "mar": 3, "mars": 3, "march": 3, "apr": 4, "avr": 4,
    "april": 4, "avril": 4, "may": 5, "mai": 5, "jun": 6, "juin": 6, "june": 6, "jul": 7,
    "juil": 7, "july": 7, "juillet": 7, "aug": 8, "août": 8, "aout": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "septembre": 9, "oct": 10, "october": 10,
    "octobre": 10, "nov": 11, "november": 11, "novembre": 11, "dec": 12, "déc": 12,
    "december": 12, "décembre": 12,
}  # fmt: skip
# Match-type labels, exactly as each console writes them (lower case, after _norm).
_MATCH = {
    # Google Ads UI (en) and the API / Editor enum names
    "exact match": "EXACT", "phrase match": "PHRASE", "broad match": "BROAD",
    "exact": "EXACT", "phrase": "PHRASE", "broad": "BROAD",  # also Microsoft Advertising
    # Google Ads UI (fr-CA, fr-FR): "Expression exacte" is PHRASE match, not exact
    "mot clé exact": "EXACT", "mot-clé exact": "EXACT", "expression exacte": "PHRASE",
    "requête large": "BROAD",
    # Microsoft Advertising (fr): correspondance exacte / d'expression / large
    "exacte": "EXACT", "correspondance exacte": "EXACT", "expression": "PHRASE",
    "correspondance d'expression": "PHRASE", "large": "BROAD", "correspondance large": "BROAD",
}  # fmt: skip
_MATCH_LABELS = "Exact match, Phrase match, Broad match, Mot clé exact, Expression exacte, Requête large, Exact, Phrase, Broad"
# Keyword status (Google en/fr, Microsoft en/fr) and, when a file has only the serving
# "Status" column, the serving states that say the keyword itself is enabled or paused.
_STATUS = {
    "enabled": "ENABLED", "active": "ENABLED", "activé": "ENABLED", "activée": "ENABLED",
    "actif": "ENABLED", "active (limited)": "ENABLED", "eligible": "ENABLED",
    "eligible (limited)": "ENABLED", "admissible": "ENABLED", "admissible (limité)": "ENABLED",
    "paused": "PAUSED", "en veille": "PAUSED", "suspendu": "PAUSED", "suspendue": "PAUSED",
    "en pause": "PAUSED", "removed": "REMOVED", "deleted": "REMOVED", "supprimé": "REMOVED",
    "supprimée": "REMOVED",
}  # fmt: skip
# Search terms report "Added/Excluded" -> search_term_view.status (the API's names).
_TERM_STATUS = {
    "added": "ADDED", "excluded": "EXCLUDED", "added/excluded": "ADDED_EXCLUDED", "none": "NONE",
    "ajouté": "ADDED", "exclu": "EXCLUDED", "ajouté/exclu": "ADDED_EXCLUDED", "aucun": "NONE",
    "": "NONE", "--": "NONE",
}  # fmt: skip
# A search term's match type may carry "(close variant)": the keyword's match type still.
_CLOSE_VARIANT = re.compile(r"\s*\((?:close variant|variante proche)\)$")
_LOOKUP = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


def _norm(header: object) -> str:
    text = unicodedata.normalize("NFC", str(header)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text.strip().strip('"').lower())


@dataclass
class ParsedExport:
    platform: str  # google | microsoft
    kind: str  # keywords | shopping | search_terms
    frame: pd.DataFrame  # canonical columns
    french: bool
    skipped_columns: list[str]  # headers of the columns not imported, as the file spells them


ALLOWABLE = ("duplicates", "negative-cost", "future-dates")


@dataclass(frozen=True)
class ImportOptions:
    """What the file does not say, and what a manager may accept knowingly.

    ``customer_id``: the account when the file has no Customer ID column (never guessed from
    the source label); ``currency``: the account currency when the file has no Currency code
    column (a file that has one must agree); ``allow``: checks to skip, from ``ALLOWABLE``
    (exact duplicate rows are then summed, negative costs and future days imported as
    written); ``today``: the day after which dates are "in the future" (one day of slack for
    account time zones ahead of this machine's)."""

    customer_id: str | None = None
    currency: str | None = None
    allow: frozenset[str] = frozenset()
    today: date | None = None


# ------------------------------------------------------------------ reading


def read_rows(path: Path) -> list[list[object]]:
    """The file's cells, row by row (text for CSV/TSV, typed values for XLSX)."""
    return list(iter_rows(path))


def iter_rows(path: Path) -> Iterator[list[object]]:
    """The file's cells row by row, read lazily: a 1 GB export never sits in memory whole."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
        return
    with path.open("rb") as fh:
        start = fh.read(4)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif start.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    lines = _text_lines(path, encoding)
    head = list(itertools.islice(lines, 30))
    sample = "".join(head)
    delimiter = "\t" if sample.count("\t") > sample.count(",") else None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    for row in csv.reader(itertools.chain(head, lines), delimiter=delimiter):
        yield list(row)


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
        raise SearchopsError(
            f"{path}: not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
    finally:
        book.close()


_READ_BLOCK = 1 << 20


def _text_lines(path: Path, encoding: str) -> Iterator[str]:
    """Decoded lines (ending in "\\n", as csv wants them), block by block; a decoding error
    names the file's byte offset."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    consumed = 0
    partial = ""
    with path.open("rb") as fh:
        while True:
            block = fh.read(_READ_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                at = consumed - pending + exc.start
                raise SearchopsError(
                    f"{path}: not valid {encoding.upper()} at byte {at} (wrong encoding? export "
                    "as UTF-8 CSV or Google's UTF-16 'CSV for Excel')"
                ) from None
            consumed += len(block)
            parts = (partial + text).split("\n")
            partial = parts.pop()
            for line in parts:
                yield line + "\n"
            if not block:
                break
    if partial:
        yield partial


def _header_index(rows: list[list[object]]) -> int:
    """The row (among the first 30) naming the most known columns."""
    best, best_hits = -1, 1
    for i, row in enumerate(rows[:30]):
        names = [_norm(c) for c in row if str(c).strip()]
        hits = sum(1 for n in names if _canonical(n) is not None)
        if hits > best_hits:
            best, best_hits = i, hits
    if best < 0:
        raise SearchopsError(
            "no table header found in the first 30 rows (expected columns like Keyword, "
            "Campaign, Ad group, Clicks, Impr., Cost / Mot clé, Campagne, Clics, Coût)"
        )
    return best


def _canonical(name: str) -> str | None:
    if name in _LOOKUP:
        return _LOOKUP[name]
    for suffix in _MICROS_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)].strip() in _LOOKUP:
            return _LOOKUP[name[: -len(suffix)].strip()] + "__micros"
    return None


def _detect_platform(rows: list[list[object]], header: list[str], hint: str) -> str:
    if hint in ("google", "microsoft"):
        return hint
    preamble = " ".join(str(c) for r in rows[:12] for c in r).lower()
    tail = " ".join(str(c) for r in rows[-3:] for c in r).lower()
    microsoft_names = {"timeperiod", "spend", "bidmatchtype", "currentmaxcpc", "dépense", "revenue"}
    if ("report name:" in preamble or "microsoft corporation" in tail
            or microsoft_names & set(header)):  # fmt: skip
        return "microsoft"
    return "google"


def _is_footer(row: list[object]) -> bool:
    """Blank rows, totals rows (``Total: Account``, ``Total : compte``, ``Totals``) and the
    Microsoft copyright line: never data."""
    lead = row[0] if row else ""
    if isinstance(lead, str) and lead[:1].isdigit():  # a date or an id: data (the fast path)
        return False
    first = next((str(c).strip() for c in row if str(c).strip() not in ("", "--")), "")
    low = first.lower()
    return (
        not first
        or re.match(r"^(totals?|totaux)\s*(:|$)", low) is not None
        or low.startswith(("©", "(c)"))
        or "microsoft corporation" in low
    )


# ------------------------------------------------------------------ values


def parse_number(value: object, french: bool) -> float:
    """``1,234.56`` / ``$1,234.56`` / ``1 234,56 $`` / ``12,5 %`` / ``--`` -> float (NaN for
    empty). Raises ValueError for anything else."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return float(value)
    text = str(value).strip()
    if text in ("", "--", "-", "—"):
        return float("nan")
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    text = re.sub(r"^(CA|US|C|CAD|USD|EUR)?[$€£]|[$€£]$|(CAD|USD|EUR)$|^(CAD|USD|EUR)", "", text)
    percent = text.endswith("%")
    text = text.rstrip("%").lstrip("<>")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal = "," if french or not re.fullmatch(r"-?\d{1,3}(,\d{3})+", text) else ""
    else:
        decimal = "."
    thousands = "." if decimal == "," else ","
    text = text.replace(thousands, "")
    if decimal == ",":
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(value)
    number = float(text)
    return number / 100 if percent else number


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: object, day_first: bool = False) -> pd.Timestamp:
    """ISO, ``Nov 1, 2026``, ``1 nov. 2026``, or slashed (``day_first``: D/M/YYYY, else
    Microsoft's M/D/YYYY). Raises ValueError (or KeyError for an unknown month name)."""
    if isinstance(value, datetime):
        return pd.Timestamp(value).normalize()
    text = _norm(value)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    if m := _SLASHED.fullmatch(text):
        day, month = (m[1], m[2]) if day_first else (m[2], m[1])
        return pd.Timestamp(int(m[3]), int(month), int(day))
    if m := re.fullmatch(r"(?:\w+,? )?([a-zéû]+)\.? (\d{1,2}),? (\d{4})", text):  # Jan 5, 2026
        return pd.Timestamp(int(m[3]), _MONTHS[m[1]], int(m[2]))
    if m := re.fullmatch(r"(?:\w+ )?(\d{1,2}) ([a-zéû]+)\.? (\d{4})", text):  # 5 janv. 2026
        return pd.Timestamp(int(m[3]), _MONTHS[m[2]], int(m[1]))
    raise ValueError(value)


def _day_first(cells: list[object], french: bool) -> bool:
    """Whether a column's slashed dates are D/M/YYYY: a first part above 12 says so, a second
    part above 12 says M/D (Microsoft, en-US); otherwise the file's language decides (fr-FR
    and fr-CA Excel write D/M)."""
    parts = [(m[1], m[2]) for c in cells if (m := _SLASHED.fullmatch(_norm(c)))]
    if any(int(first) > 12 for first, _ in parts):
        return True
    if any(int(second) > 12 for _, second in parts):
        return False
    return french


def _notation(keyword: object) -> str | None:
    """The match type a keyword's own notation gives: ``[kw]`` exact, ``"kw"`` phrase."""
    text = str(keyword).strip()
    if len(text) > 1 and (text[0], text[-1]) == ("[", "]"):
        return "EXACT"
    if len(text) > 1 and (text[0], text[-1]) == ('"', '"'):
        return "PHRASE"
    return None


# ------------------------------------------------------------------ parsing a file

_METRIC_FIELDS = {"clicks", "impressions", "cost", "conversions", "conversions_value"}
_FRENCH_NAMES = {
    "jour", "campagne", "clics", "coût", "mot clé", "mot-clé", "groupe d'annonces", "dépense",
    "type de correspondance", "état du mot clé", "valeur de conv.",
}  # fmt: skip


def _map_columns(
    path: Path, labels: list[str], header: list[str]
) -> tuple[dict[int, str], list[str]]:
    """(column index -> canonical field, labels of the columns not imported)."""
    columns: dict[int, str] = {}
    skipped: list[str] = []
    for i, name in enumerate(header):
        if not name:
            continue
        field = _canonical(name)
        if field is None:
            if name not in IGNORED:
                skipped.append(labels[i])
            continue
        other = next((j for j, f in columns.items() if f == field), None)
        if other is None:
            columns[i] = field
        elif header[other] in _FALLBACK and name not in _FALLBACK:
            skipped.append(labels[other])
            del columns[other]
            columns[i] = field
        elif name in _FALLBACK and header[other] not in _FALLBACK:
            skipped.append(labels[i])
        else:
            raise SearchopsError(
                f"{path}: columns {labels[other]!r} and {labels[i]!r} both give the "
                f"{field.removesuffix('__micros')} of a row; remove one from the export"
            )
    return columns, skipped


@dataclass
class _Layout:
    """What a file's header says: its platform, kind, language and column mapping."""

    path: Path
    platform: str
    kind: str  # keywords | shopping | search_terms
    french: bool
    columns: dict[int, str]  # column index -> canonical field (``__micros`` suffixed)
    labels: list[str]
    skipped: list[str]
    notes: list[str]
    first_row: int  # the file's row number (1-based) of the first data row
    microsoft_footer: bool = False  # set while reading: Microsoft's copyright line was seen
    period: str = "day"  # day | week | month: what one row's date column covers
    report_range: tuple[date, date] | None = None  # the preamble's "Nov 1, 2026 - Nov 30, 2026"
    today: date | None = None  # the import's today (a period is clipped to the day before)

    @property
    def fields(self) -> set[str]:
        return {f.removesuffix("__micros") for f in self.columns.values()}


def _layout(path: Path, head: list[list[object]], platform: str) -> _Layout:
    try:
        h = _header_index(head)
    except SearchopsError as exc:
        raise SearchopsError(f"{path}: {exc}") from None
    labels = [str(c).strip() for c in head[h]]
    header = [_norm(c) for c in head[h]]
    platform = _detect_platform(head, header, platform)
    columns, skipped = _map_columns(path, labels, header)
    french = bool(_FRENCH_NAMES & set(header))
    have = {f.removesuffix("__micros") for f in columns.values()}
    kind = "shopping" if "item_id" in have and "keyword" not in have else "keywords"
    if "search_term" in have:
        kind = "search_terms"
    notes = []
    period = "day"
    periods = [p for p in ("week", "month") if p in have]
    if periods and "date" in have:  # a Day column too: the rows are days; the rest is a label
        skipped += [labels[i] for i, f in columns.items() if f in periods]
        columns = {i: f for i, f in columns.items() if f not in periods}
    elif len(periods) == 2:
        raise SearchopsError(
            f"{path}: both a Week and a Month column: segment the report by one period "
            "(Day, Week or Month)"
        )
    elif periods:
        period = periods[0]
        columns = {i: "date" if f == period else f for i, f in columns.items()}
    have = {f.removesuffix("__micros") for f in columns.values()}
    if kind == "keywords" and "date" not in have and have & _METRIC_FIELDS:
        # Without a Day segment the counts are totals over the report's range: no daily rows.
        notes.append(
            "no 'Day' (fr 'Jour') column: imported the keywords only, not their clicks, "
            "cost and conversions (add the Day segment to the report to import them)"
        )
        columns = {
            i: f for i, f in columns.items() if f.removesuffix("__micros") not in _METRIC_FIELDS
        }
        have -= _METRIC_FIELDS
    required = {
        "shopping": ["date", "item_id", "clicks", "impressions", "cost"],
        "keywords": ["campaign", "ad_group", "keyword", "match_type"],
        # search_term_view rows are daily: the report needs its Day segment
        "search_terms": ["date", "search_term", "campaign", "ad_group", "clicks", "cost"],
    }[kind]
    if kind == "keywords" and "date" in have:
        required += ["clicks", "impressions", "cost"]
    missing = [f for f in required if f not in have]
    if missing:
        names = ", ".join(f"{_DISPLAY[f][0]!r} (fr {_DISPLAY[f][1]!r})" for f in missing)
        raise SearchopsError(f"{path}: missing column(s): {names}")
    if kind == "keywords" and "cpc_bid" not in have:
        notes.append(
            "no 'Max. CPC' (fr 'CPC max.') column: the bids come from a keyword list or pull "
            "of the same --source when there is one; without either, clicks and cost are "
            "forecast at today's level with no response to bid changes"
        )
    if "clicks" in have and "conversions" not in have:
        notes.append(
            "no 'Conversions' (fr 'Conversions', Microsoft 'Conv.') column: conversions "
            "imported as 0, so conversion rates and ROAS cannot be modelled from this file"
        )
    if "clicks" in have and "conversions_value" not in have:
        notes.append(
            "no conversion value column ('Conv. value', fr 'Valeur de conv.', Microsoft "
            "'Revenue'): revenue imported as 0"
        )
    layout = _Layout(path, platform, kind, french, columns, labels, skipped, notes, h + 2)
    layout.period = period
    layout.report_range = _report_range(head[:h])
    return layout


_RANGE = re.compile(r"^\s*(.+?)\s+[-–]\s+(.+?)\s*$")


def _report_range(preamble: list[list[object]]) -> tuple[date, date] | None:
    """The date range a Google Ads download states above its table ("November 1, 2026 -
    November 30, 2026", fr "1 nov. 2026 - 30 nov. 2026"), or None."""
    for row in preamble:
        for cell in row:
            m = _RANGE.match(str(cell))
            if not m:
                continue
            try:
                first, last = parse_date(m[1]), parse_date(m[2])
            except (ValueError, KeyError):
                continue
            if first <= last:
                return first.date(), last.date()
    return None


def _open(path: Path, platform: str) -> tuple[_Layout, Iterator[tuple[int, list[object]]]]:
    """The file's layout and its data rows, numbered as in the file, footers dropped; the rows
    are read lazily."""
    rows = iter_rows(path)
    head = list(itertools.islice(rows, 30))
    layout = _layout(path, head, platform)

    def body() -> Iterator[tuple[int, list[object]]]:
        numbered = enumerate(itertools.chain(head[layout.first_row - 1 :], rows), layout.first_row)
        for r, row in numbered:
            if _is_footer(row):
                if "microsoft corporation" in " ".join(str(c) for c in row).lower():
                    layout.microsoft_footer = True
                continue
            yield r, row

    return layout, body()


def _chunks(
    rows: Iterator[tuple[int, list[object]]], size: int
) -> Iterator[list[tuple[int, list[object]]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _convert_chunk(layout: _Layout, chunk: list[tuple[int, list[object]]]) -> pd.DataFrame:
    """The canonical columns of some data rows (``_row``: the file's row number); dates stay
    as written (``date_raw``) until the whole column is seen (day-first or month-first).

    Column by column, each distinct cell converted once (a chunk repeats its keywords, days
    and match types on every row)."""
    path, labels, french = layout.path, layout.labels, layout.french
    rows = [r for r, _ in chunk]
    out: dict[str, object] = {}
    raw: dict[str, list[object]] = {}
    for i, field in layout.columns.items():
        name = field.removesuffix("__micros")
        cells = [row[i] if i < len(row) else "" for _, row in chunk]
        raw[name] = cells
        if name == "date":
            out["date_raw"] = [c if isinstance(c, datetime) else str(c) for c in cells]
            continue
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=False)
        converted: list[object] = []
        for j, cell in enumerate(uniques):
            try:
                value = _convert(name, cell, french, False)
            except (ValueError, KeyError):
                r = rows[int((codes == j).argmax())]
                raise SearchopsError(
                    f"{path}: row {r}, column {labels[i]!r}: cannot read {str(cell)!r} as "
                    f"{_EXPECTED.get(name, 'a number')}"
                ) from None
            if field.endswith("__micros") and isinstance(value, float):
                value /= 1_000_000
            converted.append(value)
        dtype = float if name in _NUMERIC else object
        out[name] = np.asarray(converted, dtype=dtype)[codes] if converted else []
    if "keyword" in raw and "match_type" in raw:
        _check_notation(layout, rows, raw["keyword"], raw["match_type"], out["match_type"])
    frame = pd.DataFrame(out)
    frame["_row"] = rows
    return frame


def _check_notation(
    layout: _Layout, rows: list[int], keywords: list[object], cells: list[object], match: object
) -> None:
    """A keyword written ``[kw]`` or ``"kw"`` must have that match type in its column."""
    codes, uniques = pd.factorize(pd.Series(keywords, dtype=object), use_na_sentinel=False)
    written = np.asarray([_notation(k) or "" for k in uniques], dtype=object)[codes]
    wrong = (written != "") & (written != np.asarray(match, dtype=object))
    if wrong.any():
        at = int(wrong.argmax())
        label = next(layout.labels[i] for i, f in layout.columns.items() if f == "match_type")
        raise SearchopsError(
            f"{layout.path}: row {rows[at]}: keyword {str(keywords[at])!r} is written as "
            f"{str(written[at]).lower()} match but column {label!r} says {str(cells[at])!r}"
        )


def _date_map(layout: _Layout, raw: list[object], first_row: dict[object, int]) -> dict:
    """Written date -> Timestamp, the whole column deciding day-first (fr-FR D/M/YYYY) or
    month-first (Microsoft's M/D/YYYY)."""
    day_first = _day_first(raw, layout.french)
    label = next(layout.labels[i] for i, f in layout.columns.items() if f == "date")
    out = {}
    for cell in raw:
        try:
            if layout.period == "month":
                out[cell] = parse_month(cell)
            else:
                out[cell] = parse_date(cell, day_first)
        except (ValueError, KeyError):
            what = "a month" if layout.period == "month" else "a date"
            raise SearchopsError(
                f"{layout.path}: row {first_row.get(cell, '?')}, column {label!r}: cannot read "
                f"{str(cell)!r} as {what}"
            ) from None
        if layout.period == "week" and out[cell].day_of_week != 0:
            raise SearchopsError(
                f"{layout.path}: row {first_row.get(cell, '?')}, column {label!r}: week "
                f"{str(cell)!r} does not start on a Monday (Google Ads weeks run Monday to "
                "Sunday and are named by their Monday)"
            )
    return out


def parse_month(value: object) -> pd.Timestamp:
    """A Month segment's value -> its first day: ``2026-11-01`` / ``2026-11`` (the API's
    yyyy-MM-dd), ``November 2026`` / ``Nov 2026`` / ``novembre 2026`` (the console's)."""
    if isinstance(value, datetime):
        return pd.Timestamp(value).normalize().replace(day=1)
    text = _norm(value)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", text):
        return pd.Timestamp(int(m[1]), int(m[2]), 1)
    if m := re.fullmatch(r"([a-zéû]+)\.? (\d{4})", text):
        return pd.Timestamp(int(m[2]), _MONTHS[m[1]], 1)
    first = parse_date(value)
    if first.day != 1:
        raise ValueError(value)
    return first


def period_days(
    layout: _Layout, starts: dict[object, pd.Timestamp], last_day: date
) -> pd.DataFrame:
    """Each written period -> its days: (raw, date, i, n), ``n`` the days of the period that
    fall inside the report's range and no later than ``last_day``; a day's own row: one day."""
    rows = []
    lo, hi = layout.report_range or (None, None)
    for raw, start in starts.items():
        if layout.period == "day":
            rows.append((str(raw), start, 0, 1))
            continue
        end = start + (pd.offsets.Week(1) if layout.period == "week" else pd.offsets.MonthBegin(1))
        days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
        keep = days[days.date <= (min(hi, last_day) if hi else last_day)]
        if lo is not None:
            keep = keep[keep.date >= lo]
        if keep.empty:  # a period wholly outside the range: keep its first day
            keep = days[:1]
        rows += [(str(raw), day, i, len(keep)) for i, day in enumerate(keep)]
    return pd.DataFrame(rows, columns=["raw", "date", "i", "n"])


def _log_notes(layout: _Layout) -> None:
    if layout.skipped:
        log.warning(
            "%s: skipped %d column(s) searchops does not import: %s",
            layout.path.name, len(layout.skipped),
            ", ".join(repr(s[:60]) for s in layout.skipped),
        )  # fmt: skip
    for note in layout.notes:
        log.warning("%s: %s", layout.path.name, note)


def _final_platform(layout: _Layout, hint: str) -> str:
    if hint in ("google", "microsoft"):
        return hint
    return "microsoft" if layout.microsoft_footer else layout.platform


def parse_export(path: Path, platform: str = "auto") -> ParsedExport:
    """Parse and validate one export completely (nothing is written; the rows in memory: for
    big files :func:`import_file` streams).

    Logs one warning naming the columns it does not import, and one when a keyword report's
    metrics cannot be imported (no Day column) or it carries no conversion value."""
    layout, rows = _open(path, platform)
    parts = [_convert_chunk(layout, chunk) for chunk in _chunks(rows, CHUNK_ROWS)]
    if not parts:
        raise SearchopsError(f"{path}: the table has no data rows")
    frame = pd.concat(parts, ignore_index=True)
    if "date_raw" in frame:
        first = frame.drop_duplicates("date_raw").set_index("date_raw")["_row"].to_dict()
        dates = _date_map(layout, list(first), first)
        frame.insert(0, "date", frame.pop("date_raw").map(dates))
        order = [f.removesuffix("__micros") for f in layout.columns.values()]
        frame = frame[[*order, "_row"]]
    _log_notes(layout)
    return ParsedExport(
        platform=_final_platform(layout, platform), kind=layout.kind,
        frame=frame.drop(columns="_row"), french=layout.french, skipped_columns=layout.skipped,
    )  # fmt: skip


# Data rows converted and staged at a time: bounds memory whatever the file's size.
CHUNK_ROWS = 50_000
# DuckDB's memory while it sums and writes the staged rows (it spills to disk beyond).
IMPORT_MEMORY_LIMIT = "512MB"


_NUMERIC = {"clicks", "impressions", "cost", "conversions", "conversions_value", "cpc_bid"}
_EXPECTED = {
    "date": "a date",
    "match_type": f"a match type ({_MATCH_LABELS})",
    "campaign_id": "an id",
    "ad_group_id": "an id",
    "criterion_id": "an id",
}


def _convert(name: str, cell: object, french: bool, day_first: bool) -> object:
    if name in _NUMERIC:
        return parse_number(cell, french)
    if name == "date":
        return parse_date(cell, day_first)
    if name in ("campaign_id", "ad_group_id", "criterion_id"):
        number = parse_number(cell, french)
        return None if number != number else int(number)
    if name == "match_type":
        return _MATCH[_CLOSE_VARIANT.sub("", _norm(cell))]
    if name == "term_status":
        return _TERM_STATUS[_norm(cell)]
    if name == "keyword":  # consoles show phrase as "kw" and exact as [kw]
        text = str(cell).strip()
        return text[1:-1] if _notation(text) else text
    if name == "status":
        return _STATUS.get(_norm(cell), _norm(cell).upper())
    text = str(cell).strip()
    return None if text in ("", "--") else text


# ------------------------------------------------------------------ to the SEM tables


def _row_local(frame: pd.DataFrame, kind: str, source: str, customer: str | None) -> pd.DataFrame:
    """What each row gets on its own before staging: the account, ids from names where the
    file has none (stable across imports), defaults."""
    f = frame
    f["customer_id"] = customer
    for col in ("campaign", "ad_group"):
        if col not in f:
            f[col] = None
    _fill_ids(f, "campaign_id", ["campaign"], source)
    _fill_ids(f, "ad_group_id", ["campaign", "ad_group"], source)
    for col in ("conversions", "conversions_value"):
        if col in f:
            f[col] = f[col].fillna(0.0)
    if kind == "search_terms":
        if "term_status" in f:
            f["status"] = f.pop("term_status")
        f["search_term"] = f["search_term"].astype(str).str.strip()
    elif kind == "keywords":
        _fill_ids(f, "criterion_id", ["campaign", "ad_group", "keyword", "match_type"], source)
        f["category"] = f["campaign"]  # campaigns pool keywords without a product category
        if "cpc_bid" not in f:
            f["cpc_bid"] = float("nan")
    return f


def _fill_ids(f: pd.DataFrame, column: str, names: list[str], source: str) -> None:
    """``column`` from the file, else stable hashes of the names (one hash per distinct name)."""
    if column in f and not f[column].isna().any():
        return
    distinct = f[names].drop_duplicates()
    ids = [tables.stable_id(source, *row) for row in distinct.itertuples(index=False, name=None)]
    lookup = distinct.assign(**{column: ids})
    f[column] = f[names].merge(lookup, on=names, how="left")[column].to_numpy()


def _staged_tables(kind: str, columns: set[str], bids_seen: date) -> dict[str, str]:
    """SQL over the staged rows (view ``_staged``) for each SEM table the file fills: rows
    of one key summed (a report segmented by Device or Network has several per keyword and
    day), the last row of a keyword its current state; ``bids_seen``: the day the bids of a
    file without dates were current."""
    metrics = [c for c in sorted(_METRIC_FIELDS) if c in columns]

    def grouped(keys: list[str]) -> str:
        others = [c for c in sorted(columns) if c not in keys and c not in metrics]
        select = [*(f'"{k}"' for k in keys), *(f'sum("{m}") AS "{m}"' for m in metrics),
                  *(f'arg_max("{c}", _row) FILTER (WHERE "{c}" IS NOT NULL) AS "{c}"'
                    for c in others)]  # fmt: skip
        return f"SELECT {', '.join(select)} FROM _staged GROUP BY ALL"

    if kind == "search_terms":
        keys = ["date", "campaign_id", "ad_group_id", "search_term"]
        return {"sem_search_terms": grouped(keys + (["keyword"] if "keyword" in columns else []))}
    if kind == "shopping":
        out = {"sem_shopping_daily": grouped(["date", "item_id", "campaign_id", "ad_group_id"])}
        if "title" in columns:
            star = "* EXCLUDE (status)" if "status" in columns else "*"
            out["sem_products"] = (
                f"SELECT {star}, 'UNKNOWN' AS status FROM _staged "
                "QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY _row) = 1"
            )
        return out
    order = "date DESC NULLS LAST, _row DESC" if "date" in columns else "_row DESC"
    # a keyword's bid is as of its last row's day; a list without dates states the bids of
    # its report's last day (else of the import)
    as_of = "date" if "date" in columns else f"DATE '{bids_seen:%Y-%m-%d}'"
    out = {
        "sem_keywords": f"SELECT *, {as_of} AS bid_as_of FROM _staged QUALIFY row_number() OVER "
        f"(PARTITION BY criterion_id ORDER BY {order}) = 1"
    }
    if "date" in columns:
        out["sem_keyword_daily"] = grouped(["date", "criterion_id"])
    return out


def import_file(
    workspace: Workspace,
    path: Path,
    platform: str = "auto",
    source: str | None = None,
    options: ImportOptions | None = None,
) -> tuple[str, dict[str, int]]:
    """Parse, validate and write one export in a single transaction; (pull id, row counts).

    The file is read and converted ``CHUNK_ROWS`` rows at a time into a Parquet staging file;
    only when the whole file has been read without error are the SEM tables changed, in one
    transaction, by DuckDB from the staging file (summed per key, under a memory limit): a
    1 GB export imports in bounded memory, and a bad row anywhere changes nothing.

    Keywords merge with those the same source already has: a keyword list and a daily report
    imported one after the other keep every keyword and take each column (Max CPC, status,
    final URL) from whichever file has it, the later one first."""
    import tempfile

    import pyarrow.parquet as pq

    opts = options or ImportOptions()
    layout, rows = _open(path, platform)
    layout.today = opts.today or clock.today()
    account = _Account(layout, opts)
    first_date_row: dict[object, int] = {}
    columns: set[str] = set()
    writer: pq.ParquetWriter | None = None
    with tempfile.TemporaryDirectory(prefix="searchops-import-") as tmp:
        staged = Path(tmp) / "staged.parquet"
        for chunk in _chunks(rows, CHUNK_ROWS):
            frame = _convert_chunk(layout, chunk)
            label = source or f"{_final_platform(layout, platform)}-export:{path.stem}"
            account.see(frame)
            _check_metrics(layout, frame, opts)
            if "duplicates" not in opts.allow:
                frame["_hash"] = [hash(tuple(str(c) for c in row)) for _, row in chunk]
            if "date_raw" in frame:
                firsts = frame.drop_duplicates("date_raw")
                for raw, r in zip(firsts["date_raw"], firsts["_row"], strict=True):
                    first_date_row.setdefault(raw, int(r))
                frame["date_raw"] = frame["date_raw"].astype(str)
            frame = _row_local(frame, layout.kind, label, account.customer_id)
            table = _arrow(frame, writer.schema if writer is not None else None)
            if writer is None:
                writer = pq.ParquetWriter(staged, table.schema)
            writer.write_table(table)
            columns |= set(frame.columns)
        if writer is None:
            raise SearchopsError(f"{path}: the table has no data rows")
        writer.close()
        dates = _date_map(layout, list(first_date_row), first_date_row) if first_date_row else {}
        _check_dates(layout, dates, first_date_row, opts)
        _check_duplicates(workspace.con, layout, staged)
        _log_notes(layout)
        platform = _final_platform(layout, platform)
        source = source or f"{platform}-export:{path.stem}"
        if "date_raw" in columns:
            columns = columns - {"date_raw"} | {"date", "period"}
        return _write_staged(
            workspace, layout, staged, columns - {"_row", "_hash"}, dates, source, platform,
            account,
        )  # fmt: skip


class _Account:
    """The account's Customer ID and currency: from the file's columns, else the options;
    a file naming two, or disagreeing with the options, is refused."""

    FLAGS: ClassVar[dict[str, str]] = {"customer_id": "--customer-id", "currency": "--currency"}

    def __init__(self, layout: _Layout, opts: ImportOptions) -> None:
        self.layout = layout
        self.customer_id = _customer(opts.customer_id) if opts.customer_id else None
        self.currency = _currency(opts.currency) if opts.currency else None
        self.said_by = {k: self.FLAGS[k] for k in self.FLAGS if getattr(self, k) is not None}

    def see(self, frame: pd.DataFrame) -> None:
        for column in self.FLAGS:
            if column not in frame:
                continue
            text = frame[column].astype("string").str.strip()
            text = text[text.notna() & ~text.isin(["", "--"])]
            if text.empty:
                continue
            norm = text.map(_customer if column == "customer_id" else _currency)
            expected = getattr(self, column) or norm.iloc[0]
            bad = norm.ne(expected).to_numpy(bool)
            rows = frame["_row"].to_numpy()[norm.index.to_numpy()]  # a fresh RangeIndex
            if bad.any():
                r = int(rows[bad.argmax()])
                said = self.said_by.get(column) or f"row {int(rows[0])}"
                raise SearchopsError(
                    f"{self.layout.path}: row {r}: {column.replace('_', ' ')} "
                    f"{norm[bad].iloc[0]}, but {said} says {expected}; import one account "
                    "(one currency) per file"
                )
            if getattr(self, column) is None:
                setattr(self, column, expected)
                self.said_by[column] = f"row {int(rows[0])}"


def _currency(value: str) -> str:
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise SearchopsError(f"currency {value!r}: expected an ISO 4217 code such as CAD or EUR")
    return code


def _customer(value: str) -> str:
    """Google's 123-456-7890 as digits; Microsoft's account numbers (F119XXXX) as written."""
    text = str(value).replace("-", "").strip()
    if not re.fullmatch(r"[A-Za-z0-9]{4,20}", text):
        raise SearchopsError(
            f"customer id {value!r}: expected Google's 123-456-7890 or Microsoft's account number"
        )
    return text


def _check_metrics(layout: _Layout, frame: pd.DataFrame, opts: ImportOptions) -> None:
    """Negative counts and costs are refused with the row named (refunds and invalid-click
    credits are not in keyword reports: a negative is a broken file), or --allow."""
    if "negative-cost" in opts.allow:
        return
    for i, field in layout.columns.items():
        name = field.removesuffix("__micros")
        if name not in _METRIC_FIELDS or name not in frame:
            continue
        negative = frame[name].to_numpy(float) < 0
        if negative.any():
            at = int(negative.argmax())
            raise SearchopsError(
                f"{layout.path}: row {int(frame['_row'].iloc[at])}, column "
                f"{layout.labels[i]!r}: negative value {frame[name].iloc[at]:g}; fix the "
                "export, or import it as written with --allow negative-cost"
            )


def _check_dates(
    layout: _Layout, dates: dict, first_row: dict[object, int], opts: ImportOptions
) -> None:
    if "future-dates" in opts.allow or not dates:
        return
    # searchops.clock: a pinned today (SEARCHOPS_TODAY) is today for this check as well
    today = opts.today or clock.today()
    late = [
        (first_row[raw], day)
        for raw, day in dates.items()
        if day.date() > today + timedelta(days=1)
    ]
    if late:
        r, day = min(late, key=lambda x: x[0])
        label = next(layout.labels[i] for i, f in layout.columns.items() if f == "date")
        raise SearchopsError(
            f"{layout.path}: row {r}, column {label!r}: {day:%Y-%m-%d} is in the future (today "
            f"is {today:%Y-%m-%d}); fix the export, or import it with --allow future-dates"
        )


def _arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """One chunk as an Arrow table with the first chunk's schema (a column that is empty in
    one chunk keeps its type)."""
    import pyarrow as pa

    if schema is None:
        floats = {"clicks", "impressions", "cost", "conversions", "conversions_value", "cpc_bid",
                  "price"}  # fmt: skip
        ints = {"campaign_id", "ad_group_id", "criterion_id", "_row", "_hash"}
        schema = pa.schema(
            [
                (c, pa.float64() if c in floats else pa.int64() if c in ints else pa.string())
                for c in frame.columns
            ]
        )
    frame = frame.reindex(columns=schema.names)
    for name, typ in zip(schema.names, schema.types, strict=True):
        if pa.types.is_string(typ):
            frame[name] = frame[name].astype("string")
        elif pa.types.is_floating(typ):
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        else:
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def _write_staged(
    workspace: Workspace, layout: _Layout, staged: Path, columns: set[str],
    dates: dict[object, pd.Timestamp], source: str, platform: str, account: _Account,
) -> tuple[str, dict[str, int]]:  # fmt: skip
    con = workspace.con
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    try:
        view = f"SELECT * FROM read_parquet('{_sql_path(staged)}')"
        if "date" in columns:
            yesterday = (layout.today or clock.today()) - timedelta(days=1)
            mapping = period_days(layout, dates, yesterday)
            con.register("_import_dates", mapping)
            view = (
                f"SELECT s.* EXCLUDE (date_raw{_spread_excluded(columns)}), d.date"
                f"{_spread(columns, layout.period)} FROM ({view}) s "
                "JOIN _import_dates d ON s.date_raw = d.raw"
            )
        con.execute(f"CREATE OR REPLACE TEMP VIEW _staged AS {view}")
        today = layout.today or clock.today()
        seen = layout.report_range[1] if layout.report_range else today
        queries = _staged_tables(layout.kind, columns, min(seen, today))
        if "sem_keywords" in queries:
            queries["sem_keywords"] = _merged_keywords(
                workspace, queries["sem_keywords"], columns | {"bid_as_of"}, source, account
            )
        since = until = None
        if "date" in columns:
            lo, hi = con.execute("SELECT min(date), max(date) FROM _staged").fetchone() or (
                None,
                None,
            )
            since, until = pd.Timestamp(lo).date(), pd.Timestamp(hi).date()
        started = datetime.now(UTC).replace(tzinfo=None)
        pull_id = f"sem-import-{started:%Y%m%dT%H%M%S%f}"
        with workspace.transaction():
            counts = {
                table: tables.write_query(workspace, table, sql, source=source, pull_id=pull_id,
                                          since=since, until=until)
                for table, sql in queries.items()
            }  # fmt: skip
            workspace.register_run(
                pull_id, "sem", started_at=started,
                finished_at=datetime.now(UTC).replace(tzinfo=None),
                week=monday_of(datetime.combine(until, datetime.min.time())) if until else None,
                label=f"{platform} {layout.kind} export {layout.path.name}",
                stats={"source": source, "file": str(layout.path), "since": since,
                       "until": until, "rows": counts, "customer_id": account.customer_id,
                       "currency": account.currency},
            )  # fmt: skip
    finally:
        con.execute("DROP VIEW IF EXISTS _staged")
        con.execute("DROP TABLE IF EXISTS _old_keywords")
        if "date" in columns:
            con.unregister("_import_dates")
        if limit is not None:
            con.execute(f"SET memory_limit = '{limit[0]}'")
    return pull_id, counts


def _spread_excluded(columns: set[str]) -> str:
    metrics = sorted(_METRIC_FIELDS & columns)
    return "".join(f', "{m}"' for m in metrics)


def _spread(columns: set[str], period: str) -> str:
    """The SQL of a period row's share on day ``d.i`` of its ``d.n`` days (see
    ``sem.tables``: counts apportioned in whole units, money and conversions follow clicks)."""

    def whole(col: str) -> str:
        return f'(floor((d.i + 1) * s."{col}" / d.n) - floor(d.i * s."{col}" / d.n))'

    parts = []
    share = "(1.0 / d.n)"
    if "clicks" in columns:
        share = f"(CASE WHEN s.clicks > 0 THEN {whole('clicks')} / s.clicks ELSE 1.0 / d.n END)"
    for m in sorted(_METRIC_FIELDS & columns):
        expr = whole(m) if m in ("clicks", "impressions") else f's."{m}" * {share}'
        parts.append(f'{expr} AS "{m}"')
    label = "NULL" if period == "day" else f"'{period.upper()}'"
    parts.append(f"{label} AS period")
    return "".join(f", {p}" for p in parts)


def _check_duplicates(con: object, layout: _Layout, staged: Path) -> None:
    """Exact duplicate rows (every cell the same: an export pasted twice) would double the
    spend: refused with both rows named, or --allow duplicates (then summed)."""
    import pyarrow.parquet as pq

    if "_hash" not in pq.read_schema(staged).names:
        return
    found = con.execute(  # type: ignore[attr-defined]
        f"SELECT min(_row), max(_row) FROM read_parquet('{_sql_path(staged)}') GROUP BY _hash "
        "HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    ).fetchone()
    if found:
        raise SearchopsError(
            f"{layout.path}: rows {found[0]} and {found[1]} are identical (the same rows "
            "exported or pasted twice would double their clicks and cost); remove the "
            "copies, or import them summed with --allow duplicates"
        )


def _merged_keywords(
    workspace: Workspace, new: str, columns: set[str], source: str, account: _Account
) -> str:
    """The file's keywords over the ones the source already has: none is lost, and a column
    the file lacks (or leaves empty) keeps its earlier value. The bid (``cpc_bid``,
    ``bid_as_of``) is the one seen last: a daily report imported after a keyword list keeps
    the list's bid for a keyword whose last row predates the list."""
    con = workspace.con
    tables.ensure_tables(workspace, ["sem_keywords"])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _old_keywords AS SELECT * FROM sem_keywords WHERE source = ?",
        [source],
    )
    defaults = {"status": "'ENABLED'"}
    if account.currency:
        defaults["currency"] = f"'{account.currency}'"
    # the account's id and currency, once a file says them, hold for all its keywords
    said = {"customer_id": account.customer_id, "currency": account.currency}
    replace = [f"coalesce('{v}', {k}) AS {k}" for k, v in said.items() if v]
    known = f" REPLACE ({', '.join(replace)})" if replace else ""
    select = []
    newer_bid = (
        "n.cpc_bid IS NOT NULL AND (o.cpc_bid IS NULL OR o.bid_as_of IS NULL "
        "OR n.bid_as_of IS NULL OR n.bid_as_of >= o.bid_as_of)"
    )
    for name, _ in tables.TABLES["sem_keywords"]:
        if name in ("source", "pull_id", "criterion_id"):
            continue
        if name in ("cpc_bid", "bid_as_of") and "cpc_bid" in columns:
            select.append(f'CASE WHEN {newer_bid} THEN n."{name}" ELSE o."{name}" END AS "{name}"')
            continue
        parts = [f'n."{name}"'] if name in columns else []
        parts.append(f'o."{name}"')
        if name in defaults:
            parts.append(defaults[name])
        select.append(f'coalesce({", ".join(parts)}) AS "{name}"')
    return (
        f"SELECT n.criterion_id, {', '.join(select)} FROM ({new}) n "
        "LEFT JOIN _old_keywords o USING (criterion_id) "
        f"UNION ALL BY NAME SELECT * EXCLUDE (source, pull_id){known} FROM _old_keywords "
        f"WHERE criterion_id NOT IN (SELECT criterion_id FROM ({new}))"
    )


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
