"""The bases a share is taken of (口径), defined once.

A disclosure states several "totals" that differ: 本年支出合计 of all funds (T01), the
general public budget (一般公共预算, T05), and 支出总计, which adds the year-end carry-over.
A share means nothing unless its base is named, and the same headline must use the same base
in every report and in the index. Every analysis takes its bases from here; every sentence and
table header names them through ``BASES[key].zh`` / ``.en``.

    from budgetlib.analysis.bases import BASES, amount
    amount(doc, "all_funds")     # Decimal: T01 本年支出合计
    BASES["all_funds"].zh        # '本年支出合计（全部资金）'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model import BudgetDocument
from .base import wan


@dataclass(frozen=True)
class Base:
    """One base (口径): its key, names in both languages, and where its amount is printed."""

    key: str
    zh: str
    en: str
    table: str     # where the amount is read
    where: str     # the line or column, in the document's words


BASES = {b.key: b for b in (
    Base("all_funds", "本年支出合计（全部资金）", "current-year expenditure, all funds", "T01", "本年支出合计"),
    Base("with_carryover", "支出总计（含年终结转结余）", "total expenditure incl. year-end carry-over", "T01",
         "支出总计"),
    Base("general_budget", "一般公共预算支出", "general public budget expenditure", "T05", "合计"),
    Base("general_budget_basic", "一般公共预算基本支出", "general public budget basic expenditure", "T05",
         "基本支出 合计"),
    Base("all_funds_project", "项目支出（全部资金）", "project expenditure, all funds", "T03", "项目支出 合计"),
    Base("procurement", "政府采购预算", "government procurement", "T10", "合计"),
)}

# The headline figures, each on one base, used by the overview, the personnel report and the
# index alike.
HEADLINE_EXPENDITURE = "all_funds"
HEADLINE_PERSONNEL_SHARE = "general_budget_basic"
HEADLINE_PROCUREMENT_SHARE = "all_funds"


@wan
def amount(doc: BudgetDocument, key: str) -> Decimal | None:
    """The amount of a base in this document (万元), or None when its table is missing."""
    from .base import t01_line, total_of

    if key == "all_funds":
        return t01_line(doc, "expenditure", "current_total") or total_of(doc, "T03", "total")
    if key == "with_carryover":
        return t01_line(doc, "expenditure", "grand_total")
    if key == "general_budget":
        return total_of(doc, "T05", "total")
    if key == "general_budget_basic":
        return total_of(doc, "T05", "basic_total") or total_of(doc, "T06", "total")
    if key == "all_funds_project":
        return total_of(doc, "T03", "project")
    if key == "procurement":
        return total_of(doc, "T10", "amount")
    raise KeyError(f"no base {key!r}; known: {', '.join(BASES)}")


def name(key: str, lang: str = "zh") -> str:
    """The base's name in ``lang``."""
    b = BASES[key]
    return b.zh if lang == "zh" else b.en
