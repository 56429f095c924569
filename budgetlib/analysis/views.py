"""How a Finding looks in a notebook (展示): a readable table, a chart, a sortable table, CSVs.

Display only: numbers are rounded here, for reading (10k yuan with 2 decimals, percent with 1),
from the exact values the analyses computed. Every function returns None for a Finding whose
table is absent or empty, so a notebook cell shows nothing after the sentence saying so.
"""

from __future__ import annotations

import html
import numbers
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .. import plots
from ..narrative import _pick, fmt_amount, fmt_count, fmt_exact, fmt_share
from ..normalize import AMOUNT_DTYPE
from .base import Finding
from .projects import whole_quantity

# Column headers (zh, en). Columns not listed keep their name.
LABELS = {
    "table": ("表", "table"), "title": ("标题", "title"), "unit": ("单位", "unit"),
    "where": ("位置", "where"), "rows": ("行数", "rows"), "total_row": ("合计行", "total row"),
    "empty": ("空表", "empty"), "line_no": ("序号", "no."), "line": ("行", "line"), "page": ("页", "page"),
    "income_source": ("收入来源", "income source"), "function_class": ("功能分类（类）", "function class"),
    "function_code": ("科目编码", "function code"), "function_name": ("科目名称", "function item"),
    "amount": ("金额（万元）", "amount (10k yuan)"), "basic": ("基本支出", "basic"), "project": ("项目支出", "project"),
    "share_of_income": ("占收入", "share of income"),
    "share_of_expenditure": ("占支出", "share of expenditure"), "label": ("项目", "item"),
    "share_of_basic": ("占基本支出", "share of basic"), "share_of_total": ("占支出合计", "share of total"),
    "economic_class_code": ("经济分类（类）", "economic class"), "economic_class_name": ("类名称", "class name"),
    "cost_kind": ("经费类型", "cost kind"), "personnel": ("人员经费", "personnel"), "public": ("公用经费", "public"),
    "dept_economic_code": ("经济科目编码", "economic code"), "dept_economic_name": ("经济科目名称", "economic item"),
    "basic_part": ("其中基本支出", "basic part"), "project_part": ("其中项目支出", "project part"),
    "basic_share_of_public_cost": ("占公用经费", "share of public costs"),
    "category_code": ("品目", "code"), "category": ("采购类别", "category"), "category_en": ("类别", "category"),
    "share_of_procurement": ("占采购", "share of procurement"),
    "project_code": ("项目编码", "project code"), "project_name": ("项目名称", "project"),
    "project_total": ("项目总额（万元）", "project total (10k yuan)"), "fiscal_funds": ("财政资金", "fiscal funds"),
    "indicator": ("指标", "indicator"), "operator": ("性质", "op."), "value": ("指标值", "value"),
    "kind": ("类型", "kind"), "bound": ("约束", "bound"), "value_wan": ("折合万元", "in 10k yuan"),
    "per_unit": ("每", "per"), "per_unit_en": ("每", "per"),
    "cost_indicators": ("成本指标数", "cost indicators"), "amounts": ("金额指标数", "amount indicators"),
    "unit_costs": ("单位成本指标数", "unit costs"), "non_monetary": ("非金额指标数", "non-money"),
    "stated_costs": ("金额指标合计（万元）", "stated costs (10k yuan)"), "coverage": ("覆盖率", "coverage"),
    "largest_cap": ("最大单项（万元）", "largest cap (10k yuan)"), "single_cap_exceeds": ("单项超额", "single cap exceeds"),
    "status": ("覆盖情况", "status"), "unit_cost_wan": ("单价（万元）", "unit cost (10k yuan)"),
    "relation": ("", ""), "implied_quantity": ("可购数量", "implied quantity"),
    "stated_quantity": ("项目数量指标", "stated quantity"), "level1": ("一级指标", "level 1"),
    "level2": ("二级指标", "level 2"), "indicators": ("指标数", "indicators"),
    "qualitative": ("定性指标数", "qualitative"), "goal": ("绩效目标", "goal"),
    "rule_id": ("规则", "rule"), "instance": ("子项", "instance"), "severity": ("级别", "severity"),
    "left": ("左边", "left"), "right": ("右边", "right"), "difference": ("差额", "difference"),
    "tables": ("涉及表", "tables"), "location": ("位置", "location"), "explanation": ("说明", "explanation"),
    "description": ("规则说明", "rule"), "key": ("键", "key"), "name": ("名称", "name"),
    "column": ("列", "column"), "header": ("表头", "header"), "detail_sum": ("明细合计", "detail sum"),
    "printed_total": ("合计行", "printed total"), "left_location": ("左边位置", "left at"),
    "right_location": ("右边位置", "right at"),
    "rows": ("明细行数", "rows"), "share_of_services": ("占政府购买服务", "share of purchased services"),
    "catalogue_level1_code": ("一级目录编码", "level-1 code"), "catalogue_level1_name": ("一级目录", "level-1 catalogue"),
    "catalogue_level2_code": ("二级目录编码", "level-2 code"), "catalogue_level2_name": ("二级目录", "level-2 catalogue"),
    "component": ("所约束的开支", "prices"), "quantity_basis": ("推算依据", "quantity from"),
    "basis_amount": ("依据金额（万元）", "basis (10k yuan)"), "line": ("行", "row"),
}
# Headers that mean something else in a check than in a project table.
LABELS_BY_KIND = {kind: {"status": ("核对结果", "result"), "name": ("名称", "name")}
                  for kind in ("reconciliation", "drilldown")}
LOCATION_COLUMNS = {"location", "left_location", "right_location"}
_LOCATION_ZH = [(re.compile(r"\bpp\.(\d+)-(\d+)"), r"第 \1–\2 页"), (re.compile(r"\bp\.(\d+)"), r"第 \1 页"),
                (re.compile(r"\br\.(\d+)"), r"第 \1 行"), (re.compile(r"\b(\d+) rows\b"), r"\1 行"),
                (re.compile(r"\blines (\d+)-(\d+)"), r"第 \1–\2 行"), (re.compile(r"\bline (\d+)"), r"第 \1 行"),
                (re.compile(r"\b(\d+) keys\b"), r"\1 个键")]


def _location_zh(text: str) -> str:
    """'T03 pp.5-17 (363 rows)' -> 'T03 第 5–17 页（363 行）': where a check looked, in Chinese."""
    for pattern, repl in _LOCATION_ZH:
        text = pattern.sub(repl, text)
    return text.replace(" (", "（").replace(")", "）").replace("; ", "；")


# What a share column is a share of, when the Finding names its base (Finding.bases).
_SHARE_PREFIX = ("占", "share of ")
# Values from the analyses' vocabulary, in Chinese.
VALUES_ZH = {
    "amount": "金额", "unit_cost": "单位成本", "non_monetary": "非金额", "cap": "上限", "floor": "下限",
    "exact": "等于", "full": "全额覆盖", "partial": "部分覆盖", "exceeds": "超过项目总额",
    "unit_costs_only": "仅单位成本", "no_amount": "无金额指标", "no_cost_indicator": "无成本指标",
    "pass": "相符", "info": "提示", "rounding": "尾差", "mismatch": "不符", "not_applicable": "不适用",
    "unreadable": "无法读取",
    "error": "错误", "warning": "警告", True: "是", False: "否",
    "personnel_cost": "人员经费", "public_cost": "公用经费", "project_total": "项目总额",
}
# The same values in English words (no snake_case identifiers on a page).
VALUES_EN = {
    "amount": "amount", "unit_cost": "unit cost", "non_monetary": "not money", "cap": "cap", "floor": "floor",
    "exact": "exact", "full": "fully covered", "partial": "partly covered", "exceeds": "exceeds the total",
    "unit_costs_only": "unit costs only", "no_amount": "no amount", "no_cost_indicator": "no cost indicator",
    "pass": "agrees", "info": "for information", "rounding": "rounding difference", "mismatch": "does not agree",
    "not_applicable": "does not apply", "unreadable": "unreadable", "error": "error", "warning": "warning",
    True: "yes", False: "no", "personnel_cost": "personnel costs", "public_cost": "public costs",
    "project_total": "project total", "人员经费": "personnel costs", "公用经费": "public costs",
}
WORD_COLUMNS = {"kind", "status", "bound", "severity", "cost_kind", "quantity_basis"}
RECONCILIATION_COLUMNS = ["description", "key", "status", "left", "right", "difference", "location"]
SHARE_COLUMNS = {"coverage"}               # plus every column whose name has "share"
EXACT_COLUMNS = {"value_wan", "unit_cost_wan"}  # finer than a fen: shown as computed
FEN_COLUMNS = {"left", "right", "difference", "detail_sum", "printed_total"}  # checks: to the fen
HIDDEN = {"project_block", "sole_cost", "caps", "item", "goal", "category_en", "per_unit_en", "bound", "single_cap_exceeds",
          "tolerance", "unit_label", "component_en", "rule_id", "relation"}
# English names looked up by code (names.english) for the Chinese name columns of an English page:
# name column -> (kind, code column).
ENGLISH_NAMES = {
    "function_name": ("function", "function_code"), "dept_economic_name": ("dept_economic", "dept_economic_code"),
    "economic_class_name": ("dept_economic", "economic_class_code"), "function_class": ("function_class", "function_class"),
    "income_source": ("income_source", "income_source"), "label": ("cost_kind", "cost_kind"),
    "component": (None, "component_en"),
}


def _is_amount(series: pd.Series) -> bool:
    if series.dtype == AMOUNT_DTYPE:
        return True
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, Decimal) for v in values)


def _cell(fmt, v):
    return "" if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else fmt(v)


def _kept(frame: pd.DataFrame, lang: str) -> list[str]:
    """The columns a reader sees, in order: never an empty page column (a text source), never
    an internal one; the label column always (in English through ``ENGLISH_NAMES``)."""
    hidden = set(HIDDEN)
    if "page" in frame and (frame["page"].isna() | (frame["page"].astype(str) == "")).all():
        hidden.add("page")
    if lang == "en":  # Chinese numerals and titles as printed: the English page names them otherwise
        hidden |= {"per_unit", "category", "line_no"}
        hidden -= {"per_unit_en", "category_en"}
        if "label" in frame and "item" in frame:   # the 三公 table: its label is the item
            hidden.discard("label")
        if "label" in frame:
            hidden.add("cost_kind")
    elif "label" in frame:  # personnel_vs_public: the Chinese label says what cost_kind says
        hidden.add("cost_kind")
    return [c for c in frame.columns if c not in hidden]


def _english_names(frame: pd.DataFrame, col: str) -> list:
    from .names import english

    if col == "label" and "item" in frame:  # 三公 items
        return [english("three_public", k, v) for k, v in zip(frame["item"], frame[col])]
    kind, code_col = ENGLISH_NAMES[col]
    if kind is None:
        return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in frame[code_col]]
    if col == "economic_class_name":  # the gap row has no code: it stays a gap, in words
        return [english(kind, c, "unitemised" if v == "未列明" else v) for c, v in zip(frame[code_col], frame[col])]
    return [english(kind, c, v) for c, v in zip(frame[code_col], frame[col])]


def _format_column(frame: pd.DataFrame, col: str, lang: str) -> list:
    s = frame[col]
    if col == "implied_quantity":  # whole numbers that keep the ≥/≤ statement true
        return [_cell(lambda q: f"{r} {fmt_count(q)}", whole_quantity(q, r) if q is not None and not pd.isna(q) else None)
                for q, r in zip(s, frame["relation"])]
    if col in SHARE_COLUMNS or "share" in col:
        return [_cell(fmt_share, v) for v in s]
    if col in EXACT_COLUMNS:
        return [_cell(fmt_exact, v) for v in s]
    if col in FEN_COLUMNS or _is_amount(s):
        return [_cell(fmt_amount, v) for v in s]
    if lang == "en" and col in ENGLISH_NAMES:
        return _english_names(frame, col)
    if lang == "zh" and col in LOCATION_COLUMNS:
        return [_location_zh(v) if isinstance(v, str) else _cell(str, v) for v in s]
    if col == "title" and "table" in frame:  # the tables found: by their name in ``lang``
        from ..narrative import table_name
        return [table_name(t, lang) if table_name(t, lang) != t else v for t, v in zip(frame["table"], s)]
    if col in WORD_COLUMNS or s.map(lambda v: isinstance(v, bool)).any():
        words = VALUES_ZH if lang == "zh" else VALUES_EN
        return [words.get(v, v) if isinstance(v, (str, bool)) else _cell(str, v) for v in s]
    return ["" if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else v for v in s]


def _label(c: str, lang: str, bases: dict | None = None, kind: str = "") -> str:
    """A column's header in ``lang``; a share column names its base when the Finding gives one."""
    from . import bases as base_names

    if c in LABELS_BY_KIND.get(kind, {}):
        return LABELS_BY_KIND[kind][c][0 if lang == "zh" else 1]
    if bases and c in bases:
        return _SHARE_PREFIX[0] + base_names.name(bases[c], "zh") if lang == "zh" else \
            _SHARE_PREFIX[1] + base_names.name(bases[c], "en")
    return LABELS.get(c, (c, c.replace("_", " ")))[0 if lang == "zh" else 1]


def _numeric(frame: pd.DataFrame, col: str) -> bool:
    return (col in SHARE_COLUMNS or "share" in col or col in EXACT_COLUMNS or col in FEN_COLUMNS
            or col in ("rows", "implied_quantity", "cost_indicators", "amounts", "unit_costs", "non_monetary",
                       "indicators", "qualitative") or _is_amount(frame[col]))


def readable(frame: pd.DataFrame, lang: str = "zh", bases: dict | None = None, kind: str = "") -> pd.DataFrame:
    """A copy for reading: amounts as '19,357.95', shares as '98.8%', labels and values in
    ``lang``, implied quantities as whole numbers, internal columns dropped; index from 1."""
    _pick(lang, "", "")
    kept = _kept(frame, lang)
    out = pd.DataFrame({i: _format_column(frame, c, lang) for i, c in enumerate(kept)})
    out.columns = [_label(c, lang, bases, kind) for c in kept]
    out.index = range(1, len(out) + 1)
    return out


def table(finding: Finding, lang: str = "zh") -> pd.DataFrame | None:
    """The Finding's rows, readable (see ``readable``); None when there are none."""
    if not finding.available or finding.frame.empty:
        return None
    frame = finding.frame
    if finding.kind == "reconciliation":  # what did not pass; the sentence counts the passes
        frame = frame.loc[frame["status"] != "pass", [c for c in RECONCILIATION_COLUMNS if c in frame]]
        if frame.empty:
            return None
    return readable(frame, lang, finding.bases, finding.kind)


# ---------------------------------------------------------------------------------- charts

def _series(values, labels) -> pd.Series:
    """Floats for drawing, labels made unique (a project name can repeat across units)."""
    seen: dict[str, int] = {}
    unique = []
    for label in map(str, labels):
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return pd.Series([float(v) for v in values], index=unique)


def _labels(f: pd.DataFrame, col: str, lang: str, code: str | None = None) -> pd.Series:
    """Category labels for a chart: '2130304 水利行业业务管理' / '2130304 Water sector administration'."""
    names = _english_names(f, col) if lang == "en" and col in ENGLISH_NAMES else list(f[col])
    if code is None:
        return pd.Series(names, index=f.index)
    return pd.Series([f"{c} {n}".strip() for c, n in zip(f[code], names)], index=f.index)


def chart(finding: Finding, lang: str = "zh"):
    """The chart that goes with a Finding, or None (nothing to draw, or no chart for it).

    Items are drawn by code (one bar per function or economic code, never per row); money a
    document does not itemise (未列明) is never a slice or bar among the categories: it is drawn
    apart, hatched, beside the itemised parts."""
    if not finding.available or finding.frame.empty:
        return None
    f, t = finding.frame, lambda zh, en: _pick(lang, zh, en)
    other = t("其他", "other")
    if finding.kind == "function_classes":
        return plots.bar_chart(_series(f["amount"], _labels(f, "function_class", lang)),
                               t("本年支出按功能分类（万元，全部资金）", "Expenditure by function class (10k yuan, all funds)"),
                               other_label=other)
    if finding.kind == "function_items":
        return plots.bar_chart(_series(f["amount"], _labels(f, "function_name", lang, "function_code")),
                               t("一般公共预算支出按功能分类科目（万元）",
                                 "General public budget expenditure by function code (10k yuan)"), other_label=other)
    if finding.kind == "personnel_vs_public":
        keep = f[f["cost_kind"].isin(["personnel_cost", "public_cost", "project"])].dropna(subset=["amount"])
        labels = keep["label"] if lang == "zh" else _labels(keep, "label", "en")
        return plots.bar_chart(_series(keep["amount"], labels),
                               t("人员经费、公用经费与项目支出（万元，一般公共预算）",
                                 "Personnel, public and project costs (10k yuan, general public budget)"),
                               horizontal=False, sort=False)
    if finding.kind == "economic_classes":
        itemised = f[f["economic_class_code"] != ""]
        gap = f.loc[f["economic_class_code"] == "", "amount"]
        labels = _labels(itemised, "economic_class_name", lang, "economic_class_code")
        return plots.composition_with_gap(
            _series(itemised["amount"], labels), float(gap.iloc[0]) if len(gap) else 0.0,
            t("基本支出按经济分类（万元，一般公共预算）", "Basic expenditure by economic class (10k yuan, general public budget)"),
            gap_label=t("未列明（文档未按经济分类列出）", "unitemised (not broken down by the document)"),
            other_label=other)
    if finding.kind == "largest_items":
        return plots.bar_chart(_series(f["amount"], _labels(f, "dept_economic_name", lang, "dept_economic_code")),
                               t("最大的基本支出项目（万元，按经济科目合并）",
                                 "Largest basic-expenditure items (10k yuan, summed by economic code)"), other_label=other)
    if finding.kind == "three_public_costs":
        labels = f["label"] if lang == "zh" else _labels(f, "label", "en")
        return plots.bar_chart(_series(f["amount"], labels), t("“三公”经费（万元）", "\"Three public\" costs (10k yuan)"),
                               sort=False)
    if finding.kind == "procurement_share":
        labels = f["category"] if lang == "zh" else f["category_en"]
        return plots.pie_or_share_chart(_series(f["amount"], labels),
                                        t("政府采购构成（万元）", "Procurement by category (10k yuan)"), other_label=other)
    if finding.kind == "purchased_services":
        name = f["catalogue_level2_name"] if "catalogue_level2_name" in f else f["catalogue_level1_name"]
        code = f["catalogue_level2_code"] if "catalogue_level2_code" in f else f["catalogue_level1_code"]
        labels = name if lang == "zh" else code
        return plots.bar_chart(_series(f["amount"], labels),
                               t("政府购买服务按指导性目录（万元）", "Purchased services by catalogue group (10k yuan)"),
                               other_label=other)
    if finding.kind in ("cap_coverage", "project_table"):
        # Percentages do not add up, so no "other" bar: the largest projects, at most 15.
        covered = f[f["coverage"].notna()]
        largest = covered.assign(_t=[float(v) for v in covered["project_total"]]).nlargest(15, "_t", keep="first")
        more = len(covered) > len(largest)
        return plots.bar_chart(_series([c * 100 for c in largest["coverage"]], largest["project_name"]),
                               t("成本金额指标占项目总额（%）" + ("，项目总额最大的 15 个" if more else ""),
                                 "Cost amounts as % of project total" + (", 15 largest projects" if more else "")),
                               fmt="{:.1f}%", top_n=None)
    return None


# -------------------------------------------------------------------------- sortable table

# Click a header to sort by it (again to reverse). Numbers sort by their data-sort value.
_SORTER = """<script>
function budgetlibSort(th) {
  const table = th.closest('table'), body = table.tBodies[0];
  const i = Array.from(th.parentNode.children).indexOf(th);
  const asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
  const key = td => td.dataset.sort !== undefined ? parseFloat(td.dataset.sort) : td.textContent;
  Array.from(body.rows).sort((a, b) => {
    const x = key(a.cells[i]), y = key(b.cells[i]);
    const r = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y), 'zh');
    return asc ? r : -r;
  }).forEach(row => body.appendChild(row));
}
</script>"""
_STYLE = ("<style>.jp-RenderedHTMLCommon table.budgetlib-sortable th,.jp-RenderedHTMLCommon table.budgetlib-sortable td"
          "{text-align:left}.jp-RenderedHTMLCommon table.budgetlib-sortable td.num,"
          ".jp-RenderedHTMLCommon table.budgetlib-sortable th.num{text-align:right}"
          ".budgetlib-sortable th{cursor:pointer;text-align:left}.budgetlib-sortable td[title]{cursor:help}"
          ".budgetlib-sortable td{vertical-align:top;text-align:left}.budgetlib-sortable td.num,"
          ".budgetlib-sortable th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
          ".budgetlib-sortable td.short{white-space:nowrap}.budgetlib-sortable td.name{min-width:10em}"
          ".budgetlib-scroll{overflow-x:auto;max-width:100%}</style>")


class HTMLTable:
    """HTML for a notebook cell (``_repr_html_``) with a short, stable plain-text form."""

    def __init__(self, html_text: str, rows: int, what: str = "table"):
        self.html, self.rows, self.what = html_text, rows, what

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.what}: {self.rows} rows>"


def _sort_key(v) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (numbers.Number, Decimal)) and not pd.isna(v):  # numpy ints too
        return str(float(v))
    return None


def _frame_for(finding: Finding) -> pd.DataFrame:
    frame = finding.frame.reset_index(drop=True)
    if finding.kind == "reconciliation":
        frame = frame.loc[frame["status"] != "pass", [c for c in RECONCILIATION_COLUMNS if c in frame]]
    return frame.reset_index(drop=True)


WIDE_TEXT = {"project_name", "indicator", "function_name", "dept_economic_name", "description", "explanation",
             "title", "income_source", "function_class", "stated_quantity", "location", "key", "label",
             "catalogue_level2_name", "catalogue_level3"}
# Columns of the one-row-per-project table left to its CSV: the page has room for fewer.
PAGE_HIDDEN = {"project_table": {"amounts", "unit_costs", "non_monetary", "largest_cap", "fiscal_funds"}}


def _html_rows(raw: pd.DataFrame, kept: list[str], shown: dict, rows: range, numeric: dict) -> list[str]:
    """One <tr> per row of ``rows``; ``numeric``: column -> ``_numeric`` (taken once per
    column, not per cell: it reads the whole column). The values are read column by column
    (a list each), not cell by cell: a large table's thousands of cells."""
    e, body = html.escape, []
    # (column, its values for a sort key when numeric, its shown texts, a name column)
    columns = [(c, raw[c].tolist() if numeric[c] else None, shown[c], c in WIDE_TEXT) for c in kept]
    goals = raw["goal"].tolist() if "project_name" in kept and "goal" in raw else None
    for i in rows:
        cells = []
        for c, values, texts, wide in columns:
            key = _sort_key(values[i]) if values is not None else None
            value = texts[i]
            text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            if key is not None:
                attrs = f' class="num" data-sort="{e(key)}"'
            elif wide:  # names: room to read, never one character per line
                attrs = ' class="name"'
            else:  # short words and codes stay on one line
                attrs = ' class="short"' if len(text) <= 10 else ""
            if c == "project_name":
                tip = [goals[i]] if goals is not None and not pd.isna(goals[i]) else []
                attrs += f' title="{e(chr(10).join(map(str, tip)))}"' if tip else ""
            cells.append(f"<td{attrs}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return body


def html_table(finding: Finding, lang: str = "zh", *, head: int = 15, csv_name: str | None = None) -> HTMLTable | None:
    """The Finding's rows as an HTML table for reading: text left, numbers right (thousands
    separators, two decimals; shares as percent), headers and values in ``lang``, a page
    column where the source has pages, the project code beside the project name. Click a
    header to sort. More than ``head`` rows: the first ``head`` are shown and the whole table is
    one click away (<details>), and in ``csv_name`` (exact amounts) when given. Every text from
    the document is HTML-escaped."""
    if not finding.available or finding.frame.empty:
        return None
    raw = _frame_for(finding)
    if raw.empty:
        return None
    kept = [c for c in _kept(raw, lang) if c not in PAGE_HIDDEN.get(finding.kind, ())]
    shown = {c: _format_column(raw, c, lang) for c in kept}
    numeric = {c: _numeric(raw, c) for c in kept}
    e = html.escape
    num = ' class="num"'
    header = "".join(f'<th onclick="budgetlibSort(this)"{num if numeric[c] else ""}>'
                     f"{e(_label(c, lang, finding.bases, finding.kind))}</th>" for c in kept)
    n = len(raw)
    body = _html_rows(raw, kept, shown, range(n), numeric)  # the first rows shown reuse theirs

    def table(rows):
        return (f'<div class="budgetlib-scroll"><table class="budgetlib-sortable"><thead><tr>{header}</tr></thead>'
                f"<tbody>{''.join(body[i] for i in rows)}</tbody></table></div>")

    link = (f'<a href="{e(csv_name)}">{e(csv_name)}</a>') if csv_name else ""
    if n <= head:
        text = table(range(n)) + (f'<p class="budgetlib-csv">{_pick(lang, "CSV（精确金额）：", "CSV (exact amounts): ")}'
                                   f"{link}</p>" if link else "")
    else:
        more = _pick(lang, f"前 {head} 行，共 {n} 行", f"First {head} of {n} rows")
        full = _pick(lang, f"展开全部 {n} 行", f"Show all {n} rows")
        csv = _pick(lang, f"；全表（精确金额）见 CSV：{link}", f"; the whole table with exact amounts is in {link}") if link else ""
        text = (table(range(head)) + f'<p class="budgetlib-more">{e(more)}{csv}{_pick(lang, "。", ".")}</p>'
                f"<details><summary>{e(full)}</summary>{table(range(n))}</details>")
    return HTMLTable(_STYLE + text + _SORTER, n, "table")


def sortable_table(finding: Finding, lang: str = "zh") -> HTMLTable | None:
    """The Finding's rows as a sortable HTML table (``html_table``)."""
    return html_table(finding, lang)


def drilldowns(finding: Finding, lang: str = "zh") -> HTMLTable | None:
    """For a reconciliation Finding: each failing identity's drill-down (差异明细), the rows
    or keys that account for its difference, under a heading in words (never a rule id)."""
    if not finding.available or not finding.figures.get("failures"):
        return None
    report, e = finding.figures["report"], html.escape
    parts = []
    for x in finding.figures["failures"]:
        drill = report.drilldown(x["rule_id"], x["instance"] or None)
        inst = x.get(f"instance_{lang}") or ""
        title = x.get(f"description_{lang}", x["description"]) + (f"（{inst}）" if lang == "zh" and inst
                                                                   else f" ({inst})" if inst else "")
        parts.append(f"<h4>{e(title)}</h4><p>{e(x['explanation'])}</p>")
        if not drill.empty:
            drill = drill.drop(columns=["instance", "side", "rows", "column"], errors="ignore")
            parts.append(html_table(Finding("drilldown", frame=drill), lang, head=10).html)
    return HTMLTable("".join(parts), len(finding.figures["failures"]), "drill-downs")


# ------------------------------------------------------------------------------------ CSVs

def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Exact amounts written plainly ('0.000000', never '0E-6'); shares rounded to 6 decimals."""
    out = frame.copy()
    for c in out.columns:
        values = out[c]
        if _is_amount(values) or c in EXACT_COLUMNS:
            out[c] = [None if v is None or pd.isna(v) else format(Decimal(v), "f") for v in values]
        elif "share" in c or c in SHARE_COLUMNS:
            out[c] = [None if v is None or pd.isna(v) else format(Decimal(v).quantize(Decimal("0.000001")), "f")
                      for v in values]
    return out.drop(columns=[c for c in ("caps",) if c in out])


def csv_name(prefix: str, name: str) -> str:
    return f"{prefix + '_' if prefix else ''}{name}.csv"


def save(out_dir, prefix: str = "", **findings: Finding) -> None:
    """Write each Finding's rows as ``out_dir/<prefix>_<name>.csv`` with exact amounts (no
    rounding; UTF-8 with BOM, for Excel and WPS) and print each path. An empty ``out_dir``
    writes nothing. The prefix (e.g. the notebook's name) keeps notebooks that share an
    ``out_dir`` from overwriting each other."""
    if not out_dir:
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, finding in findings.items():
        if finding.available and not finding.frame.empty:
            path = out / csv_name(prefix, name)
            _csv_frame(finding.frame).to_csv(path, index=False, encoding="utf-8-sig")
            print(path)


# ----------------------------------------------------------------------------- the page

# Each report's title, and the question each Finding answers, in both languages.
TITLES = {
    "01_overview": ("概况与对账", "Overview and reconciliation"),
    "02_personnel": ("人员经费与公用经费", "Personnel versus public costs"),
    "03_procurement": ("政府采购", "Procurement"),
    "04_projects": ("项目成本指标", "Project cost indicators"),
}
QUESTIONS = {
    "summary": ("本年收支概况", "Income and expenditure this year"),
    "income_sources": ("收入来源", "Where the income comes from"),
    "function_classes": ("支出按功能分类（类）", "Expenditure by function class"),
    "function_items": ("一般公共预算支出按功能分类科目", "General public budget expenditure by function code"),
    "purchased_services": ("政府购买服务", "Government purchase of services"),
    "reconciliation": ("对账：各表是否相互一致", "Reconciliation: do the tables agree?"),
    "personnel_vs_public": ("人员经费、公用经费与项目支出", "Personnel, public and project costs"),
    "economic_classes": ("基本支出按经济分类", "Basic expenditure by economic class"),
    "largest_items": ("最大的基本支出项目", "The largest basic-expenditure items"),
    "three_public_costs": ("“三公”经费", "The \"three public\" costs"),
    "procurement_share": ("政府采购规模与构成", "How large is procurement, and what is bought?"),
    "project_spending": ("项目支出说明到什么程度", "How far is project spending documented?"),
    "cost_indicators": ("项目的成本指标", "The projects' cost indicators"),
    "cap_coverage": ("成本金额指标覆盖项目总额的程度", "How much of each project's total the cost amounts cover"),
    "project_table": ("项目一览", "Projects"),
    "unit_costs": ("单位成本与可推算的数量", "Unit costs and the quantities they imply"),
    "without_cost_indicators": ("没有成本指标的项目", "Projects without cost indicators"),
    "caps_exceeding": ("成本金额超过项目总额的项目", "Cost amounts above the project total"),
    "qualitative_indicators": ("只有定性指标的情况", "Qualitative indicators"),
}
_NUMBER = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.\d+)?%?)( ?)(万美元|万元|元|分钟|个|条|行|类|项|%)?")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def keep_units(text: str) -> str:
    """Each number joined to its unit by a no-break space (U+00A0) and the unit's characters by
    word joiners (U+2060), so '27,921.89 万元' never breaks as '27,92 / 1.89 万元' or '万 / 元'."""
    def join(m):
        unit = "\u2060".join(m.group(3) or "")
        return m.group(1) + ("\u00a0" if m.group(2) and unit else m.group(2)) + unit
    return _NUMBER.sub(join, text)


def markdown_text(sentence: str) -> str:
    """A sentence as Markdown for a report: document text escaped (HTML and Markdown), numbers
    kept with their units (``keep_units``). Markdown text wraps at words; the program-output
    box it replaces broke anywhere."""
    return keep_units(_MD_SPECIAL.sub(r"\\\1", html.escape(sentence, quote=False)))


def _display(*objs) -> None:
    from IPython.display import display

    for obj in objs:
        if obj is not None:
            display(obj)


class Page:
    """One report being written (报告页面): its language, where its CSVs go, and what it has
    already said, so a table missing from the document is said once, not once per question.

        page = views.Page(doc, lang, out_dir, "01_overview")
        page.opening()            # title, document, data-quality banner
        page.ask(finding)         # the question and the sentence (Markdown)
        page.show(finding)        # the table (first rows, the rest one click away, CSV) and chart
    """

    def __init__(self, doc, lang: str = "zh", out_dir: str = "", name: str = ""):
        _pick(lang, "", "")
        self.doc, self.lang, self.out_dir, self.name = doc, lang, out_dir, name
        self._said: set[str] = set()
        self._silent: set[int] = set()

    def _t(self, pair) -> str:
        return pair[0] if self.lang == "zh" else pair[1]

    def opening(self, report=None) -> None:
        """The title, which document, and the data-quality banner (数据质量提示)."""
        from IPython.display import Markdown

        from .. import narrative

        title = self._t(TITLES.get(self.name, (self.name, self.name)))
        _display(Markdown(f"# {markdown_text(title)}\n\n{markdown_text(narrative.heading(self.doc, self.lang))}"))

    def ask(self, finding: Finding) -> None:
        """The question (a heading) and the answer (a sentence, as Markdown)."""
        from IPython.display import Markdown

        from .. import narrative

        sentence = narrative.describe(finding, self.lang)
        if not finding.available:
            if sentence in self._said:  # said already: no heading, no sentence, no table
                self._silent.add(id(finding))
                return
            self._said.add(sentence)
        anchor = f' id="{finding.kind}"' if finding.kind in ("reconciliation",) else ""
        question = html.escape(self._t(QUESTIONS.get(finding.kind, (finding.kind, finding.kind))))
        _display(Markdown(f"<h2{anchor}>{question}</h2>\n\n{markdown_text(sentence)}"))

    def show(self, finding: Finding, chart_too: bool = True) -> None:
        """The table (written to CSV in ``out_dir``) and the chart; for a reconciliation, its
        drill-downs too."""
        if id(finding) in self._silent or not finding.available:
            return
        name = None
        if self.out_dir and not finding.frame.empty:
            name = csv_name(self.name, finding.kind)
            _write_csv(self.out_dir, name, finding)
        _display(html_table(finding, self.lang, csv_name=name))
        if finding.kind == "reconciliation":
            _display(drilldowns(finding, self.lang))
        if chart_too:
            _display(chart(finding, self.lang))


def _write_csv(out_dir, name: str, finding: Finding) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _csv_frame(finding.frame).to_csv(out / name, index=False, encoding="utf-8-sig")
    return out / name


def banner(doc, lang: str = "zh", report=None) -> HTMLTable:
    """The data-quality banner (数据质量提示) every report opens with: the sentences of
    ``analysis.quality.banner``, defects first, in a box, with a link to the reconciliation."""
    from .. import narrative
    from .quality import banner as figures

    b = figures(doc, report, lang)
    sentences = narrative.banner_sentences(b, lang)
    e = html.escape
    title = _pick(lang, "使用数字前请先了解", "Before you use these numbers")
    link = _pick(lang, "对账详情", "reconciliation details")
    items = "".join(f"<li>{keep_units(e(x))}</li>" for x in sentences)
    text = (f'<div class="budgetlib-banner" style="border-left:4px solid #b94a48;background:#fdf6f5;'
            f'padding:.6em 1em;margin:1em 0"><strong>{e(title)}</strong><ul>{items}</ul>'
            f'<a href="01_overview.html#reconciliation">{e(link)}</a></div>')
    return HTMLTable(text, len(sentences), "banner")
