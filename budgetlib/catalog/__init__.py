"""The domain facts, kept as data: table catalogue, classification codes, reconciliation rules.

Small loaders only; the YAML/CSV files beside this module are the source of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from ..normalize import fold


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table: English name, Chinese header, kind, match tokens."""

    name: str
    zh: str
    kind: str
    match: tuple[str, ...]
    fields: tuple[str, ...] = ()
    required: bool = False
    hierarchy: bool = False

    @property
    def outputs(self) -> tuple[str, ...]:
        """The DataFrame columns this header produces (a code_name column gives two)."""
        return self.fields if self.kind == "code_name" else (self.name,)

    def specificity(self, path: str) -> int:
        """How well a header path matches: total length of the tokens, or 0 if any is missing."""
        tokens = [fold(t) for t in self.match]
        return sum(len(t) for t in tokens) if all(t in path for t in tokens) else 0


@dataclass(frozen=True)
class TableSpec:
    id: str
    zh: str
    en: str
    titles: tuple[str, ...]
    layout: str
    columns: tuple[ColumnSpec, ...] = ()
    total_row: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def amount_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "amount"]


def _read_yaml(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _columns(rows: list[dict]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(name=r["name"], zh=r["zh"], kind=r["kind"], match=tuple(r["match"]),
                            fields=tuple(r.get("fields", ())), required=bool(r.get("required")),
                            hierarchy=bool(r.get("hierarchy")))
                 for r in rows)


@lru_cache(maxsize=None)
def table_catalog() -> dict:
    """{'tables': {id: TableSpec}, 'performance_columns': (...), 'units': {...}, ...}"""
    raw = _read_yaml("tables.yaml")
    tables = {tid: TableSpec(id=tid, zh=t["zh"], en=t["en"], titles=tuple(t["titles"]),
                             layout=t["layout"], columns=_columns(t.get("columns", [])),
                             total_row=t.get("total_row", True))
              for tid, t in raw["tables"].items()}
    return {"tables": tables,
            "performance_columns": _columns(raw["performance_columns"]),
            "two_sided_columns": _columns(raw["two_sided_columns"]),
            "two_sided_line_kinds": {fold(k): v for k, v in raw["two_sided_line_kinds"].items()},
            "indicator_level1": tuple(raw["indicator_level1"]),
            "indicator_operators": tuple(raw["indicator_operators"]),
            "note_patterns": tuple(re.compile(p) for p in raw.get("note_patterns", ())),
            "units": dict(raw["units"])}


# "预算03表 支出总表", "预算表12 项目支出绩效目标表", "预算14表-1 …", "决算01表 …"
TITLE_RE = re.compile(r"^(预算|决算)\s*(表\s*\d+|\d+\s*表)(\s*-\s*\d+)?\s*(.*)$")


def match_title(text: str) -> tuple[str | None, str, bool] | None:
    """If `text` is a table title, return (canonical id or None, the title as printed, is_final).

    None means it is not a title at all; (None, title, _) is a title the catalogue lacks."""
    folded = re.sub(r"[“”\"‘’']", "", fold(text))
    m = TITLE_RE.match(folded)
    if not m:
        return None
    rest = m.group(4)
    best, best_len = None, 0
    for spec in table_catalog()["tables"].values():
        for variant in spec.titles:
            v = fold(variant)
            if v in rest and len(v) > best_len:
                best, best_len = spec.id, len(v)
    return best, " ".join(text.split()), m.group(1) == "决算"


@lru_cache(maxsize=None)
def classification() -> "pd.DataFrame":  # noqa: F821 - imported lazily for start-up time
    """Classification codes (政府收支分类科目): kind, code, name, level, parent."""
    import pandas as pd

    with resources.files(__package__).joinpath("codes.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str).fillna("")
