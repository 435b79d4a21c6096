"""Plain words for the codes the stages record, so leadership never reads an identifier.

Rule IDs, config keys and reason codes stay in the tables the audit and bid commands
print; the weekly report says what they mean. Unknown codes still read as words.
"""

from __future__ import annotations

# The bid recommendation's reason codes (bidding.recommend.REASONS), for a reader of
# the report: what happened to the bid and why, without the optimizer's vocabulary.
BID_REASONS = {
    "RAISE_MARGINAL_RETURN": "the next clicks still pay",
    "LOWER_MARGINAL_RETURN": "the last clicks cost more than they return",
    "STEP_CAP": "capped at the largest change allowed per week",
    "BID_FLOOR": "at the lowest bid allowed",
    "BID_CEILING": "at the highest bid allowed",
    "CLICK_CEILING": "a higher bid buys no more clicks",
    "HELD_INSUFFICIENT_DATA": "kept: not enough data yet",
    "NO_INCREASE_OUT_OF_STOCK": "product out of stock",
    "NO_INCREASE_LANDING_PAGE": "landing page broken or hidden from search",
    "NO_CHANGE": "already right",
    "BUDGET_CONSTRAINT": "held back by the budget",
    "ROAS_TARGET": "held back by the return target",
    "SKIPPED_SMART_BIDDING": "the campaign's automated bidding sets this bid",
    "PAUSE_OUT_OF_STOCK": "product out of stock",
    "PAUSE_LANDING_PAGE": "landing page broken or hidden from search",
    "PAUSE_CAP": "not paused: this week's limit on pauses is reached",
    "HELD_NO_SUPPORTED_MOVE": "kept: no change is likely enough to pay",
    "CUT_NO_CONVERSIONS": "spends without converting enough: lowered as far as allowed",
    "PAUSE_NO_CONVERSIONS": "spends without converting enough to pay for its clicks",
    "NO_CURRENT_BID": "kept: its current bid is unknown",
    "CURRENT_BID_STALE": "kept: its current bid is not known as of lately",
    "NO_CONVERSION_DATA": "kept: no conversion data",
}
OUT_OF_STOCK_CODES = {"NO_INCREASE_OUT_OF_STOCK", "OUT_OF_STOCK"}

# coverage_waste.reason -> (what is wrong, what to do)
WASTE_REASONS = {
    "out_of_stock": ("product out of stock", "Pause until back in stock"),
    "not_found": ("page missing (404)", "Pause, or point the ad at a live page"),
    "noindex": ("page hidden from search (noindex)", "Point the ad at an indexable page"),
}


def waste_reason(reason: str) -> tuple[str, str]:
    """(what is wrong, what to do) for a ``coverage_waste.reason``, known or not."""
    return WASTE_REASONS.get(reason, (code_words(reason), "Review the ad"))


def code_words(code: str) -> str:
    """``SOME_CODE`` -> ``some code``: the fallback for codes this module does not know."""
    return code.replace("_", " ").strip().lower()


def bid_reasons(codes: str) -> str:
    """``A;B`` reason codes -> ``words, words``."""
    parts = [c.strip() for c in codes.replace(",", ";").split(";") if c.strip()]
    return ", ".join(BID_REASONS.get(c, code_words(c)) for c in parts)


def family(name: str) -> str:
    """An audit family as a reader says it: ``structured_data`` -> ``structured data``."""
    return {"sd": "structured data", "seo": "SEO"}.get(name, code_words(name))
