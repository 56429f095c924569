"""English names of the classifications (分类科目的英文名称), kept as data beside the codes.

``catalog/names_en.csv`` holds ``kind,code,name_en``: function classes (类) and many 款/项,
departmental and government economic codes, T01 income sources (keyed by their Chinese name),
procurement categories, the 三公 items and the cost kinds. Chinese names stay where the
documents print them; an English report looks the English name up here.

    english("function", "2130304")        # 'Water sector administration'
    english("function", "2130399")        # 'Water affairs: other item' (its 款, when the 项 is not listed)
    english("function_class", "农林水支出")  # 'Agriculture, forestry and water' (T01 lines are named, not coded)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from ..normalize import fold


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], str]:
    with resources.files("budgetlib.catalog").joinpath("names_en.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return {(k, c): n for k, c, n in zip(frame["kind"], frame["code"], frame["name_en"])}


@lru_cache(maxsize=1)
def _class_codes() -> dict[str, str]:
    """Folded Chinese name of a function class (类) -> its 3-digit code, from codes.csv."""
    from ..catalog import classification

    codes = classification()
    cls = codes[(codes["kind"] == "function") & (codes["level"] == "类")]
    return {fold(n): c for c, n in zip(cls["code"], cls["name"])}


def english(kind: str, code, default: str = "") -> str:
    """The English name of a code of ``kind`` (function, dept_economic, gov_economic,
    income_source, procurement, three_public, cost_kind, function_class by Chinese name).

    A function or economic code not listed takes its parent's name ('Water affairs: other
    item'); failing that, ``default``."""
    code = "" if code is None or (not isinstance(code, str) and pd.isna(code)) else str(code).strip()
    table = _table()
    if kind == "function_class":
        cls = _class_codes().get(fold(code))
        return table.get(("function", cls), default) if cls else table.get(("income_source", code), default)
    if (kind, code) in table:
        return table[(kind, code)]
    if kind in ("function", "dept_economic", "gov_economic"):
        for n in (5, 3):
            if len(code) > n and (kind, code[:n]) in table:
                return f"{table[(kind, code[:n])]}: other item"
    return default
