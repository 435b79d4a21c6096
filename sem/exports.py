"""Google Ads and Microsoft Advertising report exports (CSV, TSV, XLSX) into the SEM tables.

Handles what the two consoles actually export:

* encodings: UTF-8 (with or without BOM) and UTF-16 with BOM, tab-separated (Google's
  "CSV for Excel"); anything else is refused with a clear message rather than mis-decoded;
* preamble lines before the table (report name, date range, Microsoft's ``Report Name:``
  block) and totals/footer lines after it (``Total: Account``, ``Total : compte``,
  ``©2026 Microsoft Corporation``);
* English and French column names, Microsoft's API names (``TimePeriod``, ``Spend``...);
* numbers as ``1,234.56``, ``$1,234.56``, ``1 234,56 $`` (with no-break or narrow no-break
  spaces), ``12.5%`` / ``12,5 %``, ``--`` for empty, and micros columns (``Cost (micros)``).

Each file is one transaction: it is parsed and validated completely before anything is
written, and written inside ``Workspace.transaction()``, so a bad file changes nothing.
A column the importer does not know is an error naming it (a silently ignored column is
how a renamed "Conv. value" turns into zero revenue).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from searchops.errors import SearchopsError
from searchops.workspace import Workspace, monday_of
from sem import tables

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
                   "type de correspondance", "type de correspondance du mot clé"),
    "status": ("keyword status", "status", "keywordstatus", "état du mot clé", "état", "statut",
               "état du mot-clé"),
    "cpc_bid": ("max. cpc", "max cpc", "default max. cpc", "currentmaxcpc", "bid", "keyword bid",
                "cpc max.", "cpc max", "enchère", "cpc maximal"),
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
# Names of required columns in error messages: (Google English, Google French).
_DISPLAY = {
    "date": ("Day", "Jour"), "item_id": ("Item ID", "ID de l'article"),
    "clicks": ("Clicks", "Clics"), "impressions": ("Impr.", "Impr."), "cost": ("Cost", "Coût"),
    "campaign": ("Campaign", "Campagne"), "ad_group": ("Ad group", "Groupe d'annonces"),
    "keyword": ("Keyword", "Mot clé"), "match_type": ("Match type", "Type de correspondance"),
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
_MATCH = {
    "exact": "EXACT", "exact match": "EXACT", "exacte": "EXACT", "expression exacte": "EXACT",
    "phrase": "PHRASE", "phrase match": "PHRASE", "expression": "PHRASE",
    "broad": "BROAD", "broad match": "BROAD", "requête large": "BROAD", "large": "BROAD",
}  # fmt: skip
_STATUS = {
    "enabled": "ENABLED", "active": "ENABLED", "activé": "ENABLED", "actif": "ENABLED",
    "eligible": "ENABLED", "admissible": "ENABLED", "paused": "PAUSED", "en veille": "PAUSED",
    "suspendu": "PAUSED", "removed": "REMOVED", "deleted": "REMOVED", "supprimé": "REMOVED",
}  # fmt: skip
_LOOKUP = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


def _norm(header: object) -> str:
    text = unicodedata.normalize("NFC", str(header)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text.strip().strip('"').lower())


@dataclass
class ParsedExport:
    platform: str  # google | microsoft
    kind: str  # keywords | shopping
    frame: pd.DataFrame  # canonical columns
    french: bool


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
    first = next((str(c).strip() for c in row if str(c).strip()), "")
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
    if text in ("", "--", " --", "-", "—"):
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


def parse_date(value: object) -> pd.Timestamp:
    if isinstance(value, datetime):
        return pd.Timestamp(value).normalize()
    text = _norm(value)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):  # Microsoft: M/D/YYYY
        return pd.Timestamp(int(m[3]), int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(?:\w+,? )?([a-zéû]+)\.? (\d{1,2}),? (\d{4})", text):  # Jan 5, 2026
        return pd.Timestamp(int(m[3]), _MONTHS[m[1]], int(m[2]))
    if m := re.fullmatch(r"(?:\w+ )?(\d{1,2}) ([a-zéû]+)\.? (\d{4})", text):  # 5 janv. 2026
        return pd.Timestamp(int(m[3]), _MONTHS[m[2]], int(m[1]))
    raise ValueError(value)


# ------------------------------------------------------------------ parsing a file


def parse_export(path: Path, platform: str = "auto") -> ParsedExport:
    """Parse and validate one export completely (nothing is written)."""
    rows = read_rows(path)
    try:
        h = _header_index(rows)
    except SearchopsError as exc:
        raise SearchopsError(f"{path}: {exc}") from None
    header = [_norm(c) for c in rows[h]]
    platform = _detect_platform(rows, header, platform)
    columns: dict[int, str] = {}
    unknown = []
    for i, name in enumerate(header):
        if not name:
            continue
        field = _canonical(name)
        if field is None:
            if name not in IGNORED:
                unknown.append(str(rows[h][i]).strip())
            continue
        if field in columns.values():
            raise SearchopsError(f"{path}: column {rows[h][i]!r} appears twice")
        columns[i] = field
    if unknown:
        raise SearchopsError(
            f"{path}: unknown column(s) {', '.join(repr(u) for u in unknown)}; "
            "rename them or remove them from the export"
        )
    french = any(
        name in {"jour", "campagne", "clics", "coût", "mot clé", "groupe d'annonces", "dépense"}
        for name in header
    )
    fields = set(columns.values())
    kind = "shopping" if "item_id" in fields and "keyword" not in fields else "keywords"
    required = (
        ["date", "item_id", "clicks", "impressions", "cost"]
        if kind == "shopping"
        else ["campaign", "ad_group", "keyword", "match_type"]
    )
    have = {f.removesuffix("__micros") for f in fields}
    has_metrics = bool({"clicks", "impressions", "cost"} & have)
    if kind == "keywords" and has_metrics:
        required += ["date", "clicks", "impressions", "cost"]
    missing = [f for f in required if f not in have]
    if missing:
        names = ", ".join(f"{_DISPLAY[f][0]!r} (fr {_DISPLAY[f][1]!r})" for f in missing)
        raise SearchopsError(f"{path}: missing column(s): {names}")

    records: dict[str, list[object]] = {f.removesuffix("__micros"): [] for f in fields}
    for r, row in enumerate(rows[h + 1 :], start=h + 2):
        if _is_footer(row):
            continue
        for i, field in columns.items():
            cell = row[i] if i < len(row) else ""
            name = field.removesuffix("__micros")
            try:
                value = _convert(name, cell, french)
            except (ValueError, KeyError):
                raise SearchopsError(
                    f"{path}: row {r}, column {str(rows[h][i]).strip()!r}: cannot read {str(cell)!r}"
                    f" as {'a date' if name == 'date' else 'a number'}"
                ) from None
            if field.endswith("__micros") and isinstance(value, float):
                value /= 1_000_000
            records[name].append(value)
    frame = pd.DataFrame(records)
    if frame.empty:
        raise SearchopsError(f"{path}: the table has no data rows")
    return ParsedExport(platform=platform, kind=kind, frame=frame, french=french)


_NUMERIC = {"clicks", "impressions", "cost", "conversions", "conversions_value", "cpc_bid"}


def _convert(name: str, cell: object, french: bool) -> object:
    if name in _NUMERIC:
        return parse_number(cell, french)
    if name == "date":
        return parse_date(cell)
    if name in ("campaign_id", "ad_group_id", "criterion_id"):
        number = parse_number(cell, french)
        return None if number != number else int(number)
    if name == "match_type":
        text = _norm(cell).strip('[]"')
        return _MATCH.get(text, text.upper())
    if name == "keyword":  # consoles show phrase as "kw" and exact as [kw]
        text = str(cell).strip()
        return (
            text[1:-1]
            if len(text) > 1 and (text[0], text[-1]) in (('"', '"'), ("[", "]"))
            else text
        )
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
    if parsed.kind == "shopping":
        out = {"sem_shopping_daily": f}
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
        out["sem_keyword_daily"] = f
    return out


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
