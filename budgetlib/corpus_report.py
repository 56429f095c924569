"""Departments compared (部门比较), from the corpus: what notebooks/05_comparison.ipynb shows.

    from budgetlib import corpus_report as cr
    c = cr.compare("data/corpus", year=2026, kind="budget")
    c.table()                       # one row per department, every measure on one base and unit
    print(c.sentences())            # rank, median, quartiles, outliers named
    c.undisclosed()                 # who does not disclose what (never shown as zero)
    c.bar_chart("personnel_share_of_basic"); c.scatter()
    ch = cr.changes("data/corpus")  # year over year, budget against final accounts
    ch.pairs; ch.by_class("function_class", ch.pairs.index[0]); ch.execution()

Bases: total expenditure is 本年支出合计 (T01, all funds) in 万元; personnel and public cost
(人员经费, 公用经费) are shares of basic expenditure (基本支出) and the project share is 项目支出
over total, both in the general public budget (T05); 三公 and 政府采购 are shares of 本年支出合计.
Every figure is computed from exact decimals; charts alone use floats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from .config import NOTEBOOKS_DIR

NOTEBOOK = NOTEBOOKS_DIR / "05_comparison.ipynb"
WAN = Decimal(10000)

# column, zh, en, kind ('amount' in 万元, 'share' fraction, 'count'), the base in words
MEASURES = [
    ("total_expenditure", "本年支出合计（万元）", "total expenditure (万元)", "amount", "T01 本年支出合计"),
    ("personnel_share_of_basic", "人员经费占基本支出比例", "personnel share of basic expenditure", "share",
     "T05 人员经费 / 基本支出"),
    ("public_share_of_basic", "公用经费占基本支出比例", "public-cost share of basic expenditure", "share",
     "T05 公用经费 / 基本支出"),
    ("three_public_total", "“三公”经费（万元）", "三公 costs (万元)", "amount", "T09 合计"),
    ("three_public_share", "“三公”经费占本年支出比例", "三公 share of total expenditure", "share",
     "T09 合计 / T01 本年支出合计"),
    ("procurement_share", "政府采购占本年支出比例", "procurement share of total expenditure", "share",
     "T10 合计 / T01 本年支出合计"),
    ("project_share", "项目支出占一般公共预算支出比例", "project share of general-budget expenditure", "share",
     "T05 项目支出 / 合计"),
    ("project_cost_coverage", "项目成本指标金额覆盖率", "project cost-indicator coverage", "share",
     "T12 成本指标金额 / 项目总额"),
    ("defects", "勾稽不符项数", "reconciliation mismatches", "count", "budgetlib reconcile"),
]
MEASURE = {m[0]: m for m in MEASURES}
MISSING_WORDS = {"absent": ("未公开（无此表）", "not disclosed (no such table)"),
                 "empty": ("表为空", "table printed empty"),
                 None: ("无法计算（缺少基数）", "cannot be computed (base missing)")}
_KIND_WORDS = {"budget": ("预算", "budget"), "final_accounts": ("决算", "final accounts")}


def _zh(lang: str) -> bool:
    return lang != "en"


def _label(m: str, lang: str) -> str:
    return MEASURE[m][1] if _zh(lang) else MEASURE[m][2]


def _fmt(value, kind: str) -> str:
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return "—"
    value = Decimal(value)
    if kind == "share":  # below 1%, two decimals: 0.03%, not 0.0%
        places = Decimal("0.01") if abs(value) < Decimal("0.01") else Decimal("0.1")
        return f"{(value * 100).quantize(places, rounding=ROUND_HALF_UP):,}%"
    if kind == "count":
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def quantile(values: list[Decimal], q: Decimal | str) -> Decimal | None:
    """Exact linear-interpolation quantile (pandas' default) of Decimals; None when empty."""
    xs = sorted(values)
    if not xs:
        return None
    pos = Decimal(q) * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# ------------------------------------------------------------------------------ selection

def selection(corpus=None, region=None, year=None, kind=None, issuer=None) -> pd.DataFrame:
    """The corpus's documents records, filtered (issuer: an SQL LIKE pattern, % added around)."""
    from . import corpus as db

    where, params = [], []
    for column, value in (("region", region), ("year", year), ("kind", kind)):
        if value not in (None, ""):
            where.append(f"{column} = ?")
            params.append(value)
    if issuer:
        where.append("(issuer LIKE ? OR source_name LIKE ?)")
        params += [f"%{issuer}%"] * 2
    sql = "SELECT * FROM documents" + (" WHERE " + " AND ".join(where) if where else "") + \
          " ORDER BY issuer_key, year, kind"
    return db.query(sql, corpus, params or None)


def _dec(v):
    return None if v is None or pd.isna(v) else Decimal(v)


def measures_of(docs: pd.DataFrame) -> pd.DataFrame:
    """One row per document: department label, year, kind and each measure (Decimal or None)."""
    dup = docs["issuer_key"].fillna(docs["source_name"]).duplicated(keep=False)
    rows = []
    for (_, d), twice in zip(docs.iterrows(), dup):
        name = d["issuer"] if isinstance(d["issuer"], str) else d["source_name"]
        if twice:
            name = f"{name} {d['year'] if pd.notna(d['year']) else ''}{_KIND_WORDS.get(d['kind'], ('', ''))[0]}"
        total = _dec(d["current_expenditure_yuan"])
        three = _dec(d["three_public_total_yuan"])
        rows.append({
            "department": name, "sha256": d["sha256"], "issuer_key": d["issuer_key"],
            "year": d["year"], "kind": d["kind"],
            "total_expenditure": None if total is None else total / WAN,
            "personnel_share_of_basic": _dec(d["personnel_share_of_basic"]),
            "public_share_of_basic": _dec(d["public_share_of_basic"]),
            "three_public_total": None if three is None else three / WAN,
            "three_public_share": _dec(d["three_public_share"]),
            "procurement_share": _dec(d["procurement_share"]),
            "project_share": _dec(d["project_share"]),
            "project_cost_coverage": _dec(d["project_cost_coverage"]),
            "defects": int(d["rec_mismatch"] or 0) + int(d.get("rec_unreadable") or 0),
            "missing": json.loads(d["missing"] or "{}"),
        })
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """The departments of a selection side by side (see the module docstring for the bases)."""

    measures: pd.DataFrame
    filters: dict
    lang: str = "zh"

    @property
    def n(self) -> int:
        return len(self.measures)

    def heading(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        f = {k: v for k, v in self.filters.items() if v not in (None, "")}
        years = sorted({int(y) for y in self.measures.get("year", pd.Series(dtype=object)).dropna()})
        kinds = sorted({k for k in self.measures.get("kind", pd.Series(dtype=object)).dropna()})
        span = "、".join(str(y) for y in years) if _zh(lang) else ", ".join(str(y) for y in years)
        kind = "、".join(_KIND_WORDS.get(k, (k, k))[0] for k in kinds)
        if _zh(lang):
            cond = "；筛选：" + "，".join(f"{k}={v}" for k, v in f.items()) if f else ""
            return (f"语料库中 {self.n} 份部门文件（{span} 年度{kind}）{cond}。金额单位：万元；"
                    "占比均以精确金额计算。")
        kind = ", ".join(_KIND_WORDS.get(k, (k, k))[1] for k in kinds)
        cond = "; filter: " + ", ".join(f"{k}={v}" for k, v in f.items()) if f else ""
        return (f"{self.n} departmental documents in the corpus ({kind}, {span}){cond}. Amounts in 万元; "
                "shares computed from exact amounts.")

    def bases(self, lang: str | None = None) -> pd.DataFrame:
        """Each measure with the base it is computed on."""
        lang = lang or self.lang
        return pd.DataFrame({("指标" if _zh(lang) else "measure"): [_label(m[0], lang) for m in MEASURES],
                             ("口径" if _zh(lang) else "base"): [m[4] for m in MEASURES]}).set_index(
            "指标" if _zh(lang) else "measure")

    def table(self, lang: str | None = None, sort_by: str = "total_expenditure") -> pd.DataFrame:
        """One row per department, measures formatted; '—' where a measure is not available."""
        lang = lang or self.lang
        m = self.measures.sort_values(sort_by, ascending=False, key=_sort_key, kind="stable")
        out = pd.DataFrame({("部门" if _zh(lang) else "department"): m["department"].to_list()})
        for col, *_rest in MEASURES:
            out[_label(col, lang)] = [_fmt(v, MEASURE[col][3]) for v in m[col]]
        return out.set_index(out.columns[0])

    def values(self, measure: str) -> pd.Series:
        """The disclosed values of one measure (Decimal), indexed by department, largest first."""
        m = self.measures[["department", measure]].dropna()
        s = pd.Series(list(m[measure]), index=list(m["department"]), dtype=object)
        return s.sort_values(ascending=False, key=_sort_key, kind="stable")

    def statistics(self, lang: str | None = None) -> pd.DataFrame:
        """Per measure: departments disclosing it, minimum, first quartile, median, third
        quartile, maximum (exact), and the outliers (beyond 1.5 interquartile ranges)."""
        lang = lang or self.lang
        rows = []
        for col, *_rest in MEASURES:
            s = self.values(col)
            kind = MEASURE[col][3]
            vals = [Decimal(v) for v in s]
            q1, med, q3 = (quantile(vals, q) for q in ("0.25", "0.5", "0.75"))
            low, high = self.outliers(col)
            rows.append({"measure": _label(col, lang), "n": len(vals),
                         "min": _fmt(min(vals, default=None), kind), "q1": _fmt(q1, kind),
                         "median": _fmt(med, kind), "q3": _fmt(q3, kind), "max": _fmt(max(vals, default=None), kind),
                         "outliers": "、".join([*high, *low]) if _zh(lang) else ", ".join([*high, *low])})
        frame = pd.DataFrame(rows)
        if _zh(lang):
            frame.columns = ["指标", "公开部门数", "最小值", "下四分位数", "中位数", "上四分位数", "最大值", "异常值"]
        return frame.set_index(frame.columns[0])

    def ranking(self, measure: str, lang: str | None = None) -> pd.DataFrame:
        """Departments ranked on one measure (1 = largest), with the value; undisclosed last."""
        lang = lang or self.lang
        s = self.values(measure)
        kind = MEASURE[measure][3]
        out = pd.DataFrame({"rank": range(1, len(s) + 1), "department": s.index,
                            "value": [_fmt(v, kind) for v in s]})
        missing = [d for d in self.measures["department"] if d not in set(s.index)]
        out = pd.concat([out, pd.DataFrame({"rank": [None] * len(missing), "department": missing,
                                            "value": [self._why(d, measure, lang) for d in missing]})],
                        ignore_index=True)
        if _zh(lang):
            out.columns = ["排名", "部门", _label(measure, lang)]
        return out

    def outliers(self, measure: str) -> tuple[list[str], list[str]]:
        """Departments below Q1 − 1.5·IQR and above Q3 + 1.5·IQR (needs 4+ values)."""
        s = self.values(measure)
        vals = [Decimal(v) for v in s]
        if len(vals) < 4:
            return [], []
        q1, q3 = quantile(vals, "0.25"), quantile(vals, "0.75")
        fence = (q3 - q1) * Decimal("1.5")
        return ([d for d, v in s.items() if Decimal(v) < q1 - fence],
                [d for d, v in s.items() if Decimal(v) > q3 + fence])

    def _why(self, department: str, measure: str, lang: str) -> str:
        row = self.measures[self.measures["department"] == department].iloc[0]
        reason = row["missing"].get(measure)
        words = MISSING_WORDS.get(reason, MISSING_WORDS[None])
        return words[0] if _zh(lang) else words[1]

    def sentences(self, lang: str | None = None) -> str:
        """One sentence per measure: highest, lowest, median and quartiles, outliers named."""
        lang = lang or self.lang
        out = []
        for col, *_rest in MEASURES:
            s = self.values(col)
            kind = MEASURE[col][3]
            label = _label(col, lang)
            if s.empty:
                out.append(f"没有部门公开{label}。" if _zh(lang) else f"No department discloses {label}.")
                continue
            vals = [Decimal(v) for v in s]
            med, q1, q3 = quantile(vals, "0.5"), quantile(vals, "0.25"), quantile(vals, "0.75")
            top, bottom = s.index[0], s.index[-1]
            low, high = self.outliers(col)
            if _zh(lang):
                text = (f"{label}最高的是{top}（{_fmt(s.iloc[0], kind)}），最低的是{bottom}（{_fmt(s.iloc[-1], kind)}）；"
                        f"{len(s)} 个部门的中位数为 {_fmt(med, kind)}，四分位数 {_fmt(q1, kind)}–{_fmt(q3, kind)}。")
                if high:
                    text += f"明显偏高（超过上四分位数 1.5 倍四分位距）：{'、'.join(high)}。"
                if low:
                    text += f"明显偏低：{'、'.join(low)}。"
            else:
                text = (f"The highest {label} is {top} ({_fmt(s.iloc[0], kind)}), the lowest {bottom} "
                        f"({_fmt(s.iloc[-1], kind)}); median of {len(s)} departments {_fmt(med, kind)}, "
                        f"quartiles {_fmt(q1, kind)}–{_fmt(q3, kind)}.")
                if high:
                    text += f" Unusually high (above Q3 + 1.5 IQR): {', '.join(high)}."
                if low:
                    text += f" Unusually low: {', '.join(low)}."
            if len(s) == 1:
                text = (f"只有{top}公开{label}（{_fmt(s.iloc[0], kind)}）。" if _zh(lang)
                        else f"Only {top} discloses {label} ({_fmt(s.iloc[0], kind)}).")
            out.append(text)
        return "\n".join(out)

    def undisclosed(self, lang: str | None = None) -> pd.DataFrame:
        """Every (department, measure) that is not available, and why: listed, never a zero."""
        lang = lang or self.lang
        rows = [(d, _label(col, lang), self._why(d, col, lang))
                for col, *_rest in MEASURES for d, v in zip(self.measures["department"], self.measures[col])
                if v is None or (not isinstance(v, Decimal) and pd.isna(v))]
        cols = ["部门", "指标", "原因"] if _zh(lang) else ["department", "measure", "why"]
        return pd.DataFrame(rows, columns=cols)

    def undisclosed_sentence(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        u = self.undisclosed(lang)
        if u.empty:
            return "所有部门都公开了全部指标。" if _zh(lang) else "Every department discloses every measure."
        if _zh(lang):
            return f"{len(u)} 项指标未公开或无法计算，下表逐项列出（不按零计）。"
        return f"{len(u)} measures are not disclosed or cannot be computed; listed below (never counted as zero)."

    def bar_chart(self, measure: str, lang: str | None = None):
        """Sorted bar chart of one measure over the departments that disclose it."""
        from . import plots

        lang = lang or self.lang
        s = self.values(measure)
        kind = MEASURE[measure][3]
        if kind == "share":
            s = s.map(lambda v: float(v) * 100)
            return plots.bar_chart(s, _label(measure, lang), ylabel="%", fmt="{:.1f}%", top_n=None,
                                   horizontal=True)
        return plots.bar_chart(s.map(float), _label(measure, lang), ylabel="万元" if kind == "amount" else "",
                               fmt="{:,.2f}" if kind == "amount" else "{:,.0f}", top_n=None, horizontal=True)

    def scatter(self, lang: str | None = None, x: str = "personnel_share_of_basic", y: str = "project_share"):
        """Personnel share of basic expenditure against project share, one labelled point per
        department that discloses both; None when fewer than two do."""
        from . import plots

        lang = lang or self.lang
        m = self.measures[["department", x, y]].dropna()
        if len(m) < 2:
            return None
        fig = plots._new_figure((8.0, 5.5))
        ax = fig.add_subplot()
        xs, ys = [float(v) * 100 for v in m[x]], [float(v) * 100 for v in m[y]]
        ax.scatter(xs, ys, color=plots.PALETTE[0])
        for name, a, b in zip(m["department"], xs, ys):
            ax.annotate(name, (a, b), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(_label(x, lang) + " (%)")
        ax.set_ylabel(_label(y, lang) + " (%)")
        ax.set_title("人员经费占比与项目支出占比" if _zh(lang) else "Personnel share against project share")
        return fig


def save(comparison: Comparison, out_dir) -> Path | None:
    """comparison.csv in ``out_dir`` (UTF-8 with BOM): the measures with exact values."""
    if not out_dir:
        return None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame = comparison.measures.drop(columns=["missing"]).assign(
        missing=[json.dumps(m, ensure_ascii=False) for m in comparison.measures["missing"]])
    path = out / "comparison.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _sort_key(series: pd.Series) -> pd.Series:
    return series.map(lambda v: float("-inf") if v is None or (not isinstance(v, Decimal) and pd.isna(v))
                      else float(v))


def compare(corpus=None, region=None, year=None, kind=None, issuer=None, lang: str = "zh") -> Comparison:
    """The departments of the corpus selection, compared."""
    docs = selection(corpus, region, year, kind, issuer)
    return Comparison(measures_of(docs), dict(region=region, year=year, kind=kind, issuer=issuer), lang)


# ------------------------------------------------------------------------------ changes

def _catalogue() -> dict:
    from .catalog import load_yaml

    return load_yaml((Path(__file__).parent / "catalog" / "comparison.yaml").read_text(encoding="utf-8"))


def class_amounts(corpus, shas: list[str], classification: str) -> pd.DataFrame:
    """Per document and class (first 3 digits of the code): the amount (万元 as printed, and
    元), from the first source of catalog/comparison.yaml whose table has rows. Leaf rows only."""
    from . import corpus as db

    out, todo = [], list(dict.fromkeys(shas))
    for src in _catalogue()[classification]:
        if not todo:
            break
        marks = ", ".join("?" for _ in todo)
        rows = db.query(
            "SELECT f.sha256, f.row_no, t.value AS code, f.amount_yuan FROM facts f JOIN tables t "
            "ON t.sha256 = f.sha256 AND t.table_id = f.table_id AND t.row_kind = f.row_kind AND t.row_no = f.row_no "
            f"WHERE f.sha256 IN ({marks}) AND f.table_id = ? AND f.row_kind = 'detail' AND f.measure = ? "
            "AND t.column_name = ?", corpus, [*todo, src["table"], src["measure"], src["code"]])
        rows = rows[rows["code"].notna() & (rows["code"].str.len() > 0)]
        for sha, doc_rows in rows.groupby("sha256", sort=False):
            codes = set(doc_rows["code"])
            leaf = doc_rows[[not any(o != c and o.startswith(c) for o in codes) for c in doc_rows["code"]]]
            for cls, g in leaf.groupby(leaf["code"].str[:3], sort=True):
                total = sum((Decimal(v) for v in g["amount_yuan"].dropna()), Decimal(0))
                out.append({"sha256": sha, "class_code": cls, "amount": total / WAN, "source": src["table"]})
            todo.remove(sha)
    return pd.DataFrame(out, columns=["sha256", "class_code", "amount", "source"])


def _class_names(classification: str) -> dict[str, str]:
    if classification == "economic_class":
        from .analysis.personnel import ECONOMIC_CLASSES

        return dict(ECONOMIC_CLASSES)
    import csv

    with open(Path(__file__).parent / "catalog" / "codes.csv", encoding="utf-8") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh) if r["kind"] == "function" and len(r["code"]) == 3}


@dataclass
class Changes:
    """Pairs of documents of one issuer (matched by normalised name): two years of one kind
    (year over year), or the budget and final accounts of one year (execution)."""

    docs: pd.DataFrame
    pairs: pd.DataFrame   # issuer, comparison ('year_over_year' | 'execution'), earlier, later, sha256s
    corpus: object = None
    lang: str = "zh"

    def sentence(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        yoy = int((self.pairs["comparison"] == "year_over_year").sum()) if len(self.pairs) else 0
        exe = int((self.pairs["comparison"] == "execution").sum()) if len(self.pairs) else 0
        if _zh(lang):
            if not yoy and not exe:
                return "语料库中没有同一部门两个年度的文件，也没有同一年度的预算与决算，无法比较变化。"
            return f"可比较的文件对：跨年度 {yoy} 对，预算与决算 {exe} 对（按规范化后的部门名称匹配）。"
        if not yoy and not exe:
            return ("The corpus holds no issuer with two years, nor a budget and final accounts of one year: "
                    "no changes to show.")
        return f"Comparable pairs: {yoy} year over year, {exe} budget against final accounts (issuers matched by normalised name)."

    def by_class(self, classification: str, pair: int | None = None, lang: str | None = None) -> pd.DataFrame | None:
        """Amounts per class in both documents of a pair (all pairs, one after the other, when
        ``pair`` is None), the change and the ratio, which for budget against final accounts is
        the execution rate 决算/预算. ``classification``: 'function_class' or 'economic_class'.
        None when the corpus holds no pair."""
        lang = lang or self.lang
        if pair is None:
            if self.pairs.empty:
                return None
            frames = []
            for i, p in enumerate(self.pairs.itertuples(index=False)):
                f = self.by_class(classification, i, lang)
                f.columns = [*f.columns[:2], *(["前（万元）", "后（万元）"] if _zh(lang) else ["a (万元)", "b (万元)"]),
                             *f.columns[4:5], "比率" if _zh(lang) else "ratio"]
                f.insert(0, "比较" if _zh(lang) else "pair", f"{p.issuer} {p.label_a}→{p.label_b}")
                frames.append(f)
            return pd.concat(frames, ignore_index=True)
        p = self.pairs.iloc[pair]
        amounts = class_amounts(self.corpus, [p["sha_a"], p["sha_b"]], classification)
        a = amounts[amounts["sha256"] == p["sha_a"]].set_index("class_code")["amount"]
        b = amounts[amounts["sha256"] == p["sha_b"]].set_index("class_code")["amount"]
        names = _class_names(classification)
        rows = []
        for code in sorted(set(a.index) | set(b.index)):
            va, vb = a.get(code), b.get(code)
            rows.append({"class_code": code, "class_name": names.get(code, ""),
                         "a": _fmt(va, "amount"), "b": _fmt(vb, "amount"),
                         "change": _fmt(None if va is None or vb is None else vb - va, "amount"),
                         "rate": _fmt(None if va in (None, 0) or vb is None else vb / va, "share")})
        frame = pd.DataFrame(rows, columns=["class_code", "class_name", "a", "b", "change", "rate"])
        la, lb = p["label_a"], p["label_b"]
        rate = ("执行率（决算/预算）" if p["comparison"] == "execution" else "比上年") if _zh(lang) else \
            ("execution rate" if p["comparison"] == "execution" else "ratio to earlier")
        frame.columns = (["类", "名称", f"{la}（万元）", f"{lb}（万元）", "变化（万元）", rate] if _zh(lang)
                         else ["class", "name", f"{la} (万元)", f"{lb} (万元)", "change (万元)", rate])
        return frame

    def execution(self, lang: str | None = None) -> pd.DataFrame | None:
        """Per pair: total expenditure in both documents, the change and the ratio (for budget
        against final accounts, the execution rate 决算/预算). The total is 本年支出合计 (T01), or
        where either document lacks it, the general-budget total (T05 合计); the base is named."""
        lang = lang or self.lang
        if self.pairs.empty:
            return None
        bases = [("current_expenditure_yuan", "本年支出合计", "total expenditure (T01)"),
                 ("general_budget_total_yuan", "一般公共预算支出合计", "general budget (T05)")]
        rows = []
        for p in self.pairs.itertuples(index=False):
            da, dbb = (self.docs[self.docs["sha256"] == s].iloc[0] for s in (p.sha_a, p.sha_b))
            va = vb = None
            base = bases[0]
            for base in bases:
                va, vb = _dec(da[base[0]]), _dec(dbb[base[0]])
                if va is not None and vb is not None:
                    break
            va, vb = (None if v is None else v / WAN for v in (va, vb))
            rows.append([p.issuer, p.label_a, p.label_b, base[1] if _zh(lang) else base[2],
                         _fmt(va, "amount"), _fmt(vb, "amount"),
                         _fmt(None if va is None or vb is None else vb - va, "amount"),
                         _fmt(None if not va or vb is None else vb / va, "share")])
        cols = (["部门", "前", "后", "口径", "前（万元）", "后（万元）", "变化（万元）", "后/前"]
                if _zh(lang) else ["issuer", "a", "b", "base", "a (万元)", "b (万元)", "change (万元)", "b / a"])
        return pd.DataFrame(rows, columns=cols)


def changes(corpus=None, region=None, issuer=None, lang: str = "zh") -> Changes:
    """Find the comparable pairs in the corpus (region / issuer filters; years and kinds all)."""
    docs = selection(corpus, region=region, issuer=issuer)
    pairs = []
    for key, g in docs.dropna(subset=["issuer_key"]).groupby("issuer_key", sort=True):
        recs = g.to_dict("records")
        for a in recs:
            for b in recs:
                if a["sha256"] == b["sha256"] or pd.isna(a["year"]) or pd.isna(b["year"]):
                    continue
                if a["kind"] == b["kind"] and b["year"] == a["year"] + 1:
                    what = "year_over_year"
                elif a["year"] == b["year"] and a["kind"] == "budget" and b["kind"] == "final_accounts":
                    what = "execution"
                else:
                    continue
                pairs.append({"issuer": a["issuer"], "issuer_key": key, "comparison": what,
                              "label_a": f"{a['year']}{_KIND_WORDS.get(a['kind'], ('', ''))[0]}",
                              "label_b": f"{b['year']}{_KIND_WORDS.get(b['kind'], ('', ''))[0]}",
                              "sha_a": a["sha256"], "sha_b": b["sha256"]})
    frame = pd.DataFrame(pairs, columns=["issuer", "issuer_key", "comparison", "label_a", "label_b", "sha_a", "sha_b"])
    return Changes(docs, frame, corpus, lang)


# ------------------------------------------------------------------------------ running it

def run_report(corpus, out_dir, lang: str = "zh", region=None, year=None, kind=None, issuer=None):
    """Run notebooks/05_comparison.ipynb on the corpus into out_dir/05_comparison.{ipynb,html}.
    Returns (ok, html path, one-line error or None)."""
    from . import report
    from .corpus import _root

    params = {"corpus": str(_root(corpus)), "region": region or "", "year": int(year or 0), "kind": kind or "",
              "issuer": issuer or "", "lang": lang, "out_dir": str(Path(out_dir).resolve())}
    title = "部门比较" if _zh(lang) else "Departments compared"
    try:
        _, html = report.run_notebook(NOTEBOOK, params, out_dir, NOTEBOOK.stem, title=title)
        ok, error = True, None
    except report.NotebookError as exc:
        html, ok, error = exc.html_path, False, str(exc)
    if html is not None:  # the embedded Chinese font, contents, a link back to the batch index
        index = Path(out_dir).resolve().parent / "index.html"
        report.finish_pages([(NOTEBOOK.stem, Path(html))], doc_label="", lang=lang,
                            index_html=index if index.is_file() else None)
    return ok, html, error
