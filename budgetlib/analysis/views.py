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
}
# Values from the analyses' vocabulary, in Chinese.
VALUES_ZH = {
    "amount": "金额", "unit_cost": "单位成本", "non_monetary": "非金额", "cap": "上限", "floor": "下限",
    "exact": "等于", "full": "全额覆盖", "partial": "部分覆盖", "exceeds": "超过项目总额",
    "unit_costs_only": "仅单位成本", "no_amount": "无金额指标", "no_cost_indicator": "无成本指标",
    "pass": "相符", "info": "提示", "rounding": "尾差", "mismatch": "不符", "not_applicable": "不适用",
    "error": "错误", "warning": "警告",
}
RECONCILIATION_COLUMNS = ["rule_id", "instance", "status", "left", "right", "difference", "explanation"]
SHARE_COLUMNS = {"coverage"}               # plus every column whose name has "share"
EXACT_COLUMNS = {"value_wan", "unit_cost_wan"}  # finer than a fen: shown as computed
FEN_COLUMNS = {"left", "right", "difference", "detail_sum", "printed_total"}  # checks: to the fen
HIDDEN = {"project_block", "sole_cost", "caps", "item", "goal", "category_en", "per_unit_en", "bound", "single_cap_exceeds",
          "tolerance", "unit_label"}


def _is_amount(series: pd.Series) -> bool:
    if series.dtype == AMOUNT_DTYPE:
        return True
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, Decimal) for v in values)


def _cell(fmt, v):
    return "" if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else fmt(v)


def _kept(frame: pd.DataFrame, lang: str) -> list[str]:
    """The columns a reader sees, in order."""
    hidden = set(HIDDEN)
    if "page" in frame and frame["page"].isna().all():
        hidden.add("page")
    if lang == "en":  # English names where the analysis has them
        hidden |= {"per_unit", "category", "label"}
        hidden -= {"per_unit_en", "category_en"}
    elif "label" in frame:  # personnel_vs_public: the Chinese label says what cost_kind says
        hidden.add("cost_kind")
    return [c for c in frame.columns if c not in hidden]


def _format_column(frame: pd.DataFrame, col: str, lang: str) -> list:
    s = frame[col]
    if col == "implied_quantity":  # whole numbers that keep the ≥/≤ statement true
        return [_cell(fmt_count, whole_quantity(q, r) if q is not None and not pd.isna(q) else None)
                for q, r in zip(s, frame["relation"])]
    if col in SHARE_COLUMNS or "share" in col:
        return [_cell(fmt_share, v) for v in s]
    if col in FEN_COLUMNS:
        return [_cell(lambda v: f"{Decimal(v):,.6f}", v) for v in s]
    if col in EXACT_COLUMNS:
        return [_cell(fmt_exact, v) for v in s]
    if _is_amount(s):
        return [_cell(fmt_amount, v) for v in s]
    if lang == "zh" and col in ("kind", "status", "bound", "severity"):
        return [VALUES_ZH.get(v, v) for v in s]
    if lang == "en" and col == "cost_kind":
        return [str(v).replace("_", " ") for v in s]
    return ["" if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else v for v in s]


def readable(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy for reading: amounts as '19,357.95', shares as '98.8%', labels in ``lang``,
    implied quantities as whole numbers, internal columns dropped; index from 1."""
    _pick(lang, "", "")
    kept = _kept(frame, lang)
    out = pd.DataFrame({i: _format_column(frame, c, lang) for i, c in enumerate(kept)})
    out.columns = [LABELS.get(c, (c, c))[0 if lang == "zh" else 1] for c in kept]
    out.index = range(1, len(out) + 1)
    return out


def table(finding: Finding, lang: str = "zh") -> pd.DataFrame | None:
    """The Finding's rows, readable (see ``readable``); None when there are none."""
    if not finding.available or finding.frame.empty:
        return None
    frame = finding.frame
    if finding.kind == "reconciliation":  # what did not pass; the sentence counts the passes
        frame = frame.loc[frame["status"] != "pass", RECONCILIATION_COLUMNS]
        if frame.empty:
            return None
    return readable(frame, lang)


# ---------------------------------------------------------------------------------- charts

def _series(values, labels) -> pd.Series:
    """Floats for drawing, labels made unique (a project name can repeat across units)."""
    seen: dict[str, int] = {}
    unique = []
    for label in map(str, labels):
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return pd.Series([float(v) for v in values], index=unique)


def chart(finding: Finding, lang: str = "zh"):
    """The chart that goes with a Finding, or None (nothing to draw, or no chart for it)."""
    if not finding.available or finding.frame.empty:
        return None
    f, t = finding.frame, lambda zh, en: _pick(lang, zh, en)
    if finding.kind == "function_classes":
        return plots.bar_chart(_series(f["amount"], f["function_class"]),
                               t("本年支出按功能分类（万元）", "Expenditure by function class (万元)"))
    if finding.kind == "personnel_vs_public":
        keep = f[f["cost_kind"].isin(["personnel_cost", "public_cost", "project"])].dropna(subset=["amount"])
        labels = keep["label"] if lang == "zh" else keep["cost_kind"].str.replace("_", " ")
        return plots.bar_chart(_series(keep["amount"], labels),
                               t("人员经费、公用经费与项目支出（万元）", "Personnel, public and project costs (万元)"),
                               horizontal=False, sort=False)
    if finding.kind == "economic_classes":
        labels = (f["economic_class_code"] + " " + f["economic_class_name"]).str.strip()
        return plots.pie_or_share_chart(_series(f["amount"], labels),
                                        t("基本支出按经济分类（万元）", "Basic expenditure by economic class (万元)"),
                                        other_label=t("其他", "other"))
    if finding.kind == "largest_items":
        return plots.bar_chart(_series(f["amount"], f["dept_economic_code"] + " " + f["dept_economic_name"]),
                               t("最大的基本支出项目（万元）", "Largest basic-expenditure items (万元)"))
    if finding.kind == "three_public_costs":
        return plots.bar_chart(_series(f["amount"], f["label"]), t("“三公”经费（万元）", "\"Three public\" costs (万元)"),
                               sort=False)
    if finding.kind == "procurement_share":
        labels = f["category"] if lang == "zh" else f["category_en"]
        return plots.pie_or_share_chart(_series(f["amount"], labels),
                                        t("政府采购构成（万元）", "Procurement by category (万元)"))
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
