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

import csv
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from searchops.errors import SearchopsError
from searchops.workspace import Workspace, monday_of
from sem import tables

log = logging.getLogger(__name__)

# canonical field -> header aliases (compared after _norm: lower case, accents kept,
# whitespace collapsed). One table for both platforms and both languages.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("day", "date", "jour", "timeperiod", "gregoriandate", "gregorian date", "time period"),
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


# ------------------------------------------------------------------ reading


def read_rows(path: Path) -> list[list[object]]:
    """The file's cells, row by row (text for CSV/TSV, typed values for XLSX)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
            raise SearchopsError(
                f"{path}: not a readable XLSX workbook ({type(exc).__name__})"
            ) from None
        sheet = book.worksheets[0]
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SearchopsError(
            f"{path}: not valid {encoding.upper()} at byte {exc.start} (wrong encoding? export "
            "as UTF-8 CSV or Google's UTF-16 'CSV for Excel')"
        ) from None
    lines = text.splitlines()
    sample = "\n".join(lines[:30])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


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


def parse_export(path: Path, platform: str = "auto") -> ParsedExport:
    """Parse and validate one export completely (nothing is written).

    Logs one warning naming the columns it does not import, and one when a keyword report's
    metrics cannot be imported (no Day column) or it carries no conversion value."""
    rows = read_rows(path)
    try:
        h = _header_index(rows)
    except SearchopsError as exc:
        raise SearchopsError(f"{path}: {exc}") from None
    labels = [str(c).strip() for c in rows[h]]
    header = [_norm(c) for c in rows[h]]
    platform = _detect_platform(rows, header, platform)
    columns, skipped = _map_columns(path, labels, header)
    french = bool(_FRENCH_NAMES & set(header))
    have = {f.removesuffix("__micros") for f in columns.values()}
    kind = "shopping" if "item_id" in have and "keyword" not in have else "keywords"
    if "search_term" in have:
        kind = "search_terms"
    notes = []
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
    if "clicks" in have and "conversions_value" not in have:
        notes.append(
            "no conversion value column ('Conv. value', fr 'Valeur de conv.', Microsoft "
            "'Revenue'): revenue imported as 0"
        )

    body = [(r, row) for r, row in enumerate(rows[h + 1 :], start=h + 2) if not _is_footer(row)]
    date_col = next((i for i, f in columns.items() if f == "date"), None)
    day_first = date_col is not None and _day_first(
        [row[date_col] for _, row in body if date_col < len(row)], french
    )
    keyword_col = next((i for i, f in columns.items() if f == "keyword"), None)
    records: dict[str, list[object]] = {f.removesuffix("__micros"): [] for f in columns.values()}
    for r, row in body:
        for i, field in columns.items():
            cell = row[i] if i < len(row) else ""
            name = field.removesuffix("__micros")
            try:
                value = _convert(name, cell, french, day_first)
            except (ValueError, KeyError):
                raise SearchopsError(
                    f"{path}: row {r}, column {labels[i]!r}: cannot read {str(cell)!r} as "
                    f"{_EXPECTED.get(name, 'a number')}"
                ) from None
            if field.endswith("__micros") and isinstance(value, float):
                value /= 1_000_000
            if name == "match_type" and keyword_col is not None and keyword_col < len(row):
                written = _notation(row[keyword_col])
                if written is not None and written != value:
                    raise SearchopsError(
                        f"{path}: row {r}: keyword {str(row[keyword_col])!r} is written as "
                        f"{written.lower()} match but column {labels[i]!r} says {str(cell)!r}"
                    )
            records[name].append(value)
    frame = pd.DataFrame(records)
    if frame.empty:
        raise SearchopsError(f"{path}: the table has no data rows")
    if skipped:
        log.warning(
            "%s: skipped %d column(s) searchops does not import: %s",
            path.name, len(skipped), ", ".join(repr(s[:60]) for s in skipped),
        )  # fmt: skip
    for note in notes:
        log.warning("%s: %s", path.name, note)
    return ParsedExport(
        platform=platform, kind=kind, frame=frame, french=french, skipped_columns=skipped
    )


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


def to_tables(parsed: ParsedExport, source: str) -> dict[str, pd.DataFrame]:
    f = parsed.frame.copy()
    customer = str(f["customer_id"].iloc[0]).replace("-", "") if "customer_id" in f else source
    f["customer_id"] = customer
    for col in ("campaign", "ad_group"):
        if col not in f:
            f[col] = None
    if "campaign_id" not in f or f["campaign_id"].isna().any():
        f["campaign_id"] = [tables.stable_id(source, c) for c in f["campaign"]]
    if "ad_group_id" not in f or f["ad_group_id"].isna().any():
        f["ad_group_id"] = [
            tables.stable_id(source, c, a)
            for c, a in zip(f["campaign"], f["ad_group"], strict=True)
        ]
    for col in ("conversions", "conversions_value"):
        if col in f:
            f[col] = f[col].fillna(0.0)
    if parsed.kind == "search_terms":
        if "term_status" in f:
            f["status"] = f["term_status"]
        f["search_term"] = f["search_term"].astype(str).str.strip()
        return {
            "sem_search_terms": _sum_segments(
                f,
                ["date", "campaign_id", "ad_group_id", "search_term", "keyword"]
                if "keyword" in f
                else ["date", "campaign_id", "ad_group_id", "search_term"],
            )
        }
    if parsed.kind == "shopping":
        out = {
            "sem_shopping_daily": _sum_segments(
                f, ["date", "item_id", "campaign_id", "ad_group_id"]
            )
        }
        if "title" in f:
            out["sem_products"] = f.drop_duplicates("item_id").assign(status="UNKNOWN")
        return out
    if "criterion_id" not in f or f["criterion_id"].isna().any():
        f["criterion_id"] = [
            tables.stable_id(source, c, a, k, m)
            for c, a, k, m in zip(
                f["campaign"], f["ad_group"], f["keyword"], f["match_type"], strict=True
            )
        ]
    f["category"] = f["campaign"]  # campaigns are the pooling unit without a product category
    if "status" not in f:
        f["status"] = "ENABLED"
    snapshot = f.sort_values("date") if "date" in f else f
    keywords = snapshot.drop_duplicates("criterion_id", keep="last")
    out = {"sem_keywords": keywords}
    if "date" in f:
        f["cpc_bid"] = f["cpc_bid"] if "cpc_bid" in f else float("nan")
        out["sem_keyword_daily"] = _sum_segments(f, ["date", "criterion_id"])
    return out


def _sum_segments(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key: a report segmented by a column the tables do not keep (Device,
    Network) has several rows per keyword and day, whose counts add up."""
    if not frame.duplicated(keys).any():
        return frame
    how = {c: "sum" if c in _METRIC_FIELDS else "last" for c in frame.columns if c not in keys}
    return frame.groupby(keys, as_index=False, sort=False, dropna=False).agg(how)


def import_file(
    workspace: Workspace, path: Path, platform: str = "auto", source: str | None = None
) -> tuple[str, dict[str, int]]:
    """Parse, validate and write one export in a single transaction; (pull id, row counts)."""
    parsed = parse_export(path, platform)
    source = source or f"{parsed.platform}-export:{path.stem}"
    frames = to_tables(parsed, source)
    started = datetime.now(UTC).replace(tzinfo=None)
    pull_id = f"sem-import-{started:%Y%m%dT%H%M%S%f}"
    dates = parsed.frame.get("date")
    since = dates.min().date() if dates is not None else None
    until = dates.max().date() if dates is not None else None
    with workspace.transaction():
        counts = {
            table: tables.write(workspace, table, frame, source=source, pull_id=pull_id,
                                since=since, until=until)
            for table, frame in frames.items()
        }  # fmt: skip
        workspace.register_run(
            pull_id, "sem", started_at=started, finished_at=datetime.now(UTC).replace(tzinfo=None),
            week=monday_of(datetime.combine(until, datetime.min.time())) if until else None,
            label=f"{parsed.platform} {parsed.kind} export {path.name}",
            stats={"source": source, "file": str(path), "since": since, "until": until, "rows": counts},
        )  # fmt: skip
    return pull_id, counts
