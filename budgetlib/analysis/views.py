"""How a Finding looks in a notebook (展示): a readable table, a chart, a sortable table, CSVs.

Display only: numbers are rounded here, for reading (万元 with 2 decimals, percent with 1),
from the exact values the analyses computed. Every function returns None for a Finding whose
table is absent or empty, so a notebook cell shows nothing after the sentence saying so.
"""

from __future__ import annotations

import html
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
    "amount": ("金额（万元）", "amount (万元)"), "basic": ("基本支出", "basic"), "project": ("项目支出", "project"),
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
    "project_total": ("项目总额（万元）", "project total (万元)"), "fiscal_funds": ("财政资金", "fiscal funds"),
    "indicator": ("指标", "indicator"), "operator": ("性质", "op."), "value": ("指标值", "value"),
    "kind": ("类型", "kind"), "bound": ("约束", "bound"), "value_wan": ("折合万元", "in 万元"),
    "per_unit": ("每", "per"), "per_unit_en": ("每", "per"),
    "cost_indicators": ("成本指标数", "cost indicators"), "amounts": ("金额指标数", "amount indicators"),
    "unit_costs": ("单位成本指标数", "unit costs"), "non_monetary": ("非金额指标数", "non-money"),
    "stated_costs": ("金额指标合计（万元）", "stated costs (万元)"), "coverage": ("覆盖率", "coverage"),
    "largest_cap": ("最大单项（万元）", "largest cap (万元)"), "single_cap_exceeds": ("单项超额", "single cap exceeds"),
    "status": ("覆盖情况", "status"), "unit_cost_wan": ("单价（万元）", "unit cost (万元)"),
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
    "basis_amount": ("依据金额（万元）", "basis (万元)"), "line": ("行", "row"),
}
# What a share column is a share of, when the Finding names its base (Finding.bases).
_SHARE_PREFIX = ("占", "share of ")
# Values from the analyses' vocabulary, in Chinese.
VALUES_ZH = {
    "amount": "金额", "unit_cost": "单位成本", "non_monetary": "非金额", "cap": "上限", "floor": "下限",
    "exact": "等于", "full": "全额覆盖", "partial": "部分覆盖", "exceeds": "超过项目总额",
    "unit_costs_only": "仅单位成本", "no_amount": "无金额指标", "no_cost_indicator": "无成本指标",
    "pass": "相符", "rounding": "尾差", "mismatch": "不符", "not_applicable": "不适用", "unreadable": "无法读取",
    "error": "错误", "warning": "警告", True: "是", False: "否",
    "personnel_cost": "人员经费", "public_cost": "公用经费", "project_total": "项目总额",
}
# The same values in English words (no snake_case identifiers on a page).
VALUES_EN = {
    "amount": "amount", "unit_cost": "unit cost", "non_monetary": "not money", "cap": "cap", "floor": "floor",
    "exact": "exact", "full": "fully covered", "partial": "partly covered", "exceeds": "exceeds the total",
    "unit_costs_only": "unit costs only", "no_amount": "no amount", "no_cost_indicator": "no cost indicator",
    "pass": "agrees", "rounding": "rounding difference", "mismatch": "does not agree",
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
    if lang == "en":
        hidden |= {"per_unit", "category"}
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
    if col in WORD_COLUMNS or s.map(lambda v: isinstance(v, bool)).any():
        words = VALUES_ZH if lang == "zh" else VALUES_EN
        return [words.get(v, v) if isinstance(v, (str, bool)) else _cell(str, v) for v in s]
    return ["" if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else v for v in s]


def _label(c: str, lang: str, bases: dict | None = None) -> str:
    """A column's header in ``lang``; a share column names its base when the Finding gives one."""
    from . import bases as base_names

    if bases and c in bases:
        return _SHARE_PREFIX[0] + base_names.name(bases[c], "zh") if lang == "zh" else \
            _SHARE_PREFIX[1] + base_names.name(bases[c], "en")
    return LABELS.get(c, (c, c.replace("_", " ")))[0 if lang == "zh" else 1]


def _numeric(frame: pd.DataFrame, col: str) -> bool:
    return (col in SHARE_COLUMNS or "share" in col or col in EXACT_COLUMNS or col in FEN_COLUMNS
            or col in ("rows", "implied_quantity", "cost_indicators", "amounts", "unit_costs", "non_monetary",
                       "indicators", "qualitative") or _is_amount(frame[col]))


def readable(frame: pd.DataFrame, lang: str = "zh", bases: dict | None = None) -> pd.DataFrame:
    """A copy for reading: amounts as '19,357.95', shares as '98.8%', labels and values in
    ``lang``, implied quantities as whole numbers, internal columns dropped; index from 1."""
    _pick(lang, "", "")
    kept = _kept(frame, lang)
    out = pd.DataFrame({i: _format_column(frame, c, lang) for i, c in enumerate(kept)})
    out.columns = [_label(c, lang, bases) for c in kept]
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
    return readable(frame, lang, finding.bases)


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
                               t("本年支出按功能分类（万元，全部资金）", "Expenditure by function class (万元, all funds)"),
                               other_label=other)
    if finding.kind == "function_items":
        return plots.bar_chart(_series(f["amount"], _labels(f, "function_name", lang, "function_code")),
                               t("一般公共预算支出按功能分类科目（万元）",
                                 "General public budget expenditure by function code (万元)"), other_label=other)
    if finding.kind == "personnel_vs_public":
        keep = f[f["cost_kind"].isin(["personnel_cost", "public_cost", "project"])].dropna(subset=["amount"])
        labels = keep["label"] if lang == "zh" else _labels(keep, "label", "en")
        return plots.bar_chart(_series(keep["amount"], labels),
                               t("人员经费、公用经费与项目支出（万元，一般公共预算）",
                                 "Personnel, public and project costs (万元, general public budget)"),
                               horizontal=False, sort=False)
    if finding.kind == "economic_classes":
        itemised = f[f["economic_class_code"] != ""]
        gap = f.loc[f["economic_class_code"] == "", "amount"]
        labels = _labels(itemised, "economic_class_name", lang, "economic_class_code")
        return plots.composition_with_gap(
            _series(itemised["amount"], labels), float(gap.iloc[0]) if len(gap) else 0.0,
            t("基本支出按经济分类（万元，一般公共预算）", "Basic expenditure by economic class (万元, general public budget)"),
            gap_label=t("未列明（文档未按经济分类列出）", "unitemised (not broken down by the document)"),
            other_label=other)
    if finding.kind == "largest_items":
        return plots.bar_chart(_series(f["amount"], _labels(f, "dept_economic_name", lang, "dept_economic_code")),
                               t("最大的基本支出项目（万元，按经济科目合并）",
                                 "Largest basic-expenditure items (万元, summed by economic code)"), other_label=other)
    if finding.kind == "three_public_costs":
        labels = f["label"] if lang == "zh" else _labels(f, "label", "en")
        return plots.bar_chart(_series(f["amount"], labels), t("“三公”经费（万元）", "\"Three public\" costs (万元)"),
                               sort=False)
    if finding.kind == "procurement_share":
        labels = f["category"] if lang == "zh" else f["category_en"]
        return plots.pie_or_share_chart(_series(f["amount"], labels),
                                        t("政府采购构成（万元）", "Procurement by category (万元)"), other_label=other)
    if finding.kind == "purchased_services":
        name = f["catalogue_level2_name"] if "catalogue_level2_name" in f else f["catalogue_level1_name"]
        code = f["catalogue_level2_code"] if "catalogue_level2_code" in f else f["catalogue_level1_code"]
        labels = name if lang == "zh" else code
        return plots.bar_chart(_series(f["amount"], labels),
                               t("政府购买服务按指导性目录（万元）", "Purchased services by catalogue group (万元)"),
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
_STYLE = ("<style>.budgetlib-sortable th{cursor:pointer}.budgetlib-sortable td[title]{cursor:help}"
          ".budgetlib-sortable td{vertical-align:top}.budgetlib-sortable td.num{text-align:right}</style>")


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
    if isinstance(v, (int, float, Decimal)) and not pd.isna(v):
        return str(float(v))
    return None


def sortable_table(finding: Finding, lang: str = "zh") -> HTMLTable | None:
    """The Finding's rows as an HTML table sortable by clicking a header (a tiny inline
    script). Every text from the document is HTML-escaped: goals carry literal <p> tags.
    The project code and goal (绩效目标) are not columns but the project name's tooltip."""
    if not finding.available or finding.frame.empty:
        return None
    raw = finding.frame.reset_index(drop=True)
    kept = [c for c in _kept(raw, lang) if not ("project_name" in raw and c in ("project_code", "fiscal_funds"))]
    shown = {c: _format_column(raw, c, lang) for c in kept}
    e, label = html.escape, (lambda c: LABELS.get(c, (c, c))[0 if lang == "zh" else 1])
    head = "".join(f'<th onclick="budgetlibSort(this)">{e(label(c))}</th>' for c in kept)
    body = []
    for i in range(len(raw)):
        cells = []
        for c in kept:
            key = _sort_key(raw.at[i, c])
            value = shown[c][i]
            text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            attrs = f' class="num" data-sort="{e(key)}"' if key is not None else ""
            if c == "project_name":
                tip = [raw.at[i, k] for k in ("project_code", "goal") if k in raw and not pd.isna(raw.at[i, k])]
                attrs = f' title="{e(chr(10).join(map(str, tip)))}"' if tip else ""
            cells.append(f"<td{attrs}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    text = (f'{_STYLE}<table class="budgetlib-sortable"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{_SORTER}')
    return HTMLTable(text, len(raw), "sortable table")


def drilldowns(finding: Finding, lang: str = "zh") -> HTMLTable | None:
    """For a reconciliation Finding: each failing identity's drill-down (差异明细), the rows
    or keys that account for its difference, under a heading with its explanation."""
    if not finding.available or not finding.figures.get("failures"):
        return None
    report, e = finding.figures["report"], html.escape
    parts = []
    for x in finding.figures["failures"]:
        drill = report.drilldown(x["rule_id"], x["instance"] or None)
        title = f"{x['rule_id']} {x['instance'] or ''}".strip()
        parts.append(f"<h4>{e(title)}</h4><p>{e(x['explanation'])}</p>")
        if not drill.empty:
            parts.append(readable(drill.drop(columns=["instance"], errors="ignore"), lang).to_html(escape=True))
    return HTMLTable("".join(parts), len(finding.figures["failures"]), "drill-downs")


# ------------------------------------------------------------------------------------ CSVs

def save(out_dir, prefix: str = "", **findings: Finding) -> None:
    """Write each Finding's rows as ``out_dir/<prefix>_<name>.csv`` with exact amounts (no
    rounding) and print each path. An empty ``out_dir`` writes nothing. The prefix (e.g. the
    notebook's name) keeps notebooks that share an ``out_dir`` from overwriting each other."""
    if not out_dir:
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, finding in findings.items():
        if finding.available and not finding.frame.empty:
            path = out / f"{prefix + '_' if prefix else ''}{name}.csv"
            finding.frame.to_csv(path, index=False, encoding="utf-8")
            print(path)
