"""Narrative claims (情况说明 vs 报表): what the prose states, extracted and checked.

The prose of a disclosure is formulaic: "2026年度收入预算9626.78万元，比2025年年初预算数
9819.98万元减少193.20万元，下降1.97%". ``extract_claims`` turns every such figure into a
``Claim`` (subject, year, amount and unit, comparisons, share, page, the sentence itself);
``check_narrative`` checks the claims as reconciliation rules with the statuses of
reconcile.py (pass / rounding / mismatch / not_applicable) and returns ``Result`` rows that
``reconcile`` merges into the document's report:

  N.table      a figure against the table it states, at the narrative's printed precision
               (9626.78 万元 matches 9,626.781234); N.at_most for a figure no table prints
               but a table bounds (机关运行经费 ≤ 公用经费)
  N.change     a comparison against itself: change = new - old; N.percent: percent = change/old;
  N.share      share = part / whole (against its sibling parts and against the tables)
  N.twice      one subject stated twice with two amounts
  N.class_name a class or item named differently from the table's name for the same code
  N.year       the years the figures are stated for, and their comparison base years
  N.kind, N.issuer    the document's own kind (部门预算 / 单位预算) and issuer
  N.toc, N.empty_table  the tables the 目录 announces against the tables printed; an empty
               table's note (or a narrative 0 that explains it)
  N.style      warnings only: a truncated sentence, doubled punctuation, unbalanced brackets

Every finding quotes the sentence and its page. Phrasing patterns and subject names are data
(catalog/claims.yaml); this module is the small generic code that reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pandas as pd

from .catalog import class_codes, classification, table_catalog
from .model import BudgetDocument, Narrative
from .normalize import ZERO, fold, join_wrapped
from .readers.narrative_text import Sentence, claims_catalogue, other_pages, page_heads, sentences, toc_tables
from .reconcile import Result, Rule, parse_side

HUNDRED = Decimal(100)
_MICRO = Decimal("0.000001")  # the report's amounts keep 6 decimals
_QUOTES = re.compile(r"[“”\"‘’'\s]")


# ------------------------------------------------------------------------------ the claims
@dataclass
class Figure:
    """A number as printed: its value (in 万元 for amounts, as is for % and counts), the text,
    its unit and the half unit of its last printed decimal (its rounding allowance)."""

    value: Decimal
    printed: str
    unit: str
    half: Decimal

    def __str__(self) -> str:
        return f"{self.printed}{self.unit}"


@dataclass
class Comparison:
    """比2025年年初预算数 X 增加 Y，增长 Z%: base year and label, base, signed change and percent."""

    base_year: int | None
    label: str
    base: Figure | None = None
    change: Figure | None = None       # signed by 增加 / 减少
    percent: Figure | None = None      # signed by 增长 / 下降
    direction: int | None = None       # +1 / -1 when only stated in words (增加较多)


@dataclass
class Claim:
    """One figure the narrative states (一条陈述): subject, year, amount, comparisons, share."""

    subject: str                      # a subjects id of claims.yaml, or function:<code>
    label: str                        # the subject's name as the narrative prints it
    sentence: Sentence
    year: int | None = None
    amount: Figure | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    share: Figure | None = None
    share_label: str = ""
    code: str | None = None            # for a coded classification subject
    level: str | None = None

    @property
    def page(self) -> int:
        return self.sentence.page

    def quote(self) -> str:
        return f"“{self.sentence.text}”（{self.sentence.where()}）"

    def as_record(self) -> dict:
        c = self.comparisons[0] if self.comparisons else None
        return {"subject": self.subject, "label": self.label, "code": self.code, "year": self.year,
                "amount": self.amount.value if self.amount else None,
                "printed": str(self.amount) if self.amount else None,
                "unit": "台" if self.amount and self.amount.unit == "台" else ("万元" if self.amount else None),
                "base_year": c.base_year if c else None,
                "base": c.base.value if c and c.base else None,
                "change": c.change.value if c and c.change else None,
                "percent": c.percent.value if c and c.percent else None,
                "share": self.share.value if self.share else None,
                "page": self.page, "section": self.sentence.section, "sentence": self.sentence.text}


@lru_cache(maxsize=1)
def _cat() -> dict:
    cat = claims_catalogue()
    subjects = cat["subjects"]
    # every subject name, folded and without quotes, longest first
    names = sorted(((_key(n), sid) for sid, s in subjects.items() for n in s["names"]),
                   key=lambda x: -len(x[0]))
    return {**cat, "_names": names,
            "_rx": {k: re.compile(cat[k]) for k in ("number", "skip_after", "year", "qualitative_change",
                                                     "alias", "kind_word", "inside_item_name") if k in cat},
            "_coded": [re.compile(p) for p in cat["coded"]],
            "_roles": {k: re.compile(v) for k, v in cat["roles"].items()},
            "_style": {k: re.compile(v) for k, v in cat["style"].items() if isinstance(v, str)}}


def _key(text: str) -> str:
    return _QUOTES.sub("", fold(text))


def _base_year(m, year: int | None) -> int | None:
    """The year a comparison is based on: printed (比2025年), or 上年/去年 (the year before)."""
    if m is None:
        return None
    if m.groupdict().get("year"):
        return int(m.group("year"))
    return year - 1 if year else None


def _figure(num: str, unit: str) -> Figure:
    digits = num.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    half = Decimal(5).scaleb(-(decimals + 1))
    value = Decimal(digits)
    factor = Decimal(_cat()["units"].get(unit, "1"))
    if unit in _cat()["units"]:
        return Figure(value * factor, num, unit, half * factor)
    return Figure(value, num, unit or "", half)


def _subject_of(clause: str) -> tuple[str, str] | None:
    """The subject a clause names: the longest name in it, then the earliest."""
    key = _key(clause)
    inside = _cat()["_rx"].get("inside_item_name")
    found = [(len(n), key.find(n), sid, n) for n, sid in _cat()["_names"] if n in key]
    if inside is not None:
        found = [f for f in found if not inside.search(key[:f[1]])]
    if not found:
        return None
    best = min(found, key=lambda f: (-f[0], f[1]))
    return best[2], best[3]


def _other_figure(clause: str) -> bool:
    """The clause names something no subject covers (other_figures: 会议费, 培训费)."""
    key = _key(clause)
    return any(_key(n) in key for n in _cat().get("other_figures", []))


_CLAUSE_END = re.compile(r"[，。；：、,;:]")


def _clause(lead: str) -> str:
    parts = _CLAUSE_END.split(lead)
    return parts[-1] if parts else lead


def _coded(text: str) -> list[dict]:
    """The classification names in a clause, in order: by code (卫生健康支出（210类）, 204-公共安全支出)
    or by name and level only (科学技术支出（类）, “社会保障和就业支出”科目)."""
    found = []
    for pattern in _cat()["_coded"]:
        for m in pattern.finditer(text):
            d = {k: v for k, v in m.groupdict().items() if v}
            found.append((m.start(), d))
    found.sort(key=lambda x: x[0])
    return [d for i, (start, d) in enumerate(found) if i == 0 or start != found[i - 1][0]]


@lru_cache(maxsize=1)
def _function_names() -> dict[tuple[str, str], list[str]]:
    """(folded name, parent code or '') -> codes: a class, 款 or 项 found by its name."""
    codes = classification()
    f = codes[codes["kind"] == "function"]
    out: dict[tuple[str, str], list[str]] = {}
    for code, name, parent in zip(f["code"], f["name"], f["parent"]):
        out.setdefault((fold(name), parent or ""), []).append(code)
        out.setdefault((fold(name), "*"), []).append(code)
    return out


@lru_cache(maxsize=1)
def _function_classes() -> frozenset[str]:
    codes = classification()
    return frozenset(c[:3] for c in codes.loc[codes["kind"] == "function", "code"])


class _Codes:
    """The 类 / 款 context that relative codes (01项) and bare names (技术研究与开发（款）) hang
    from, within a section."""

    def __init__(self):
        self.cls = self.kuan = None

    def resolve(self, code: str | None, level: str | None, name: str = "") -> str | None:
        if not code:
            code = self._by_name(name, level)
            if code is None:
                return None
        if len(code) in (3, 5, 7) and not (level in ("款", "项") and len(code) == 2):
            full = code
        elif level == "款" and len(code) == 2 and self.cls:
            full = self.cls + code
        elif level == "项" and len(code) == 2 and self.kuan:
            full = self.kuan + code
        else:
            return None
        if full[:3] not in _function_classes():
            return None  # an economic class (商品和服务支出（302）), not a function code
        if len(full) == 3:
            self.cls, self.kuan = full, None
        elif len(full) == 5:
            self.cls, self.kuan = full[:3], full
        return full

    def _by_name(self, name: str, level: str | None) -> str | None:
        names, key = _function_names(), fold(name)
        if level == "类" or (level is None and key.endswith("支出")):
            hits = names.get((key, "")) or names.get((key + "支出", ""))
        elif level == "款" and self.cls:
            hits = names.get((key, self.cls))
        elif level == "项" and self.kuan:
            hits = names.get((key, self.kuan))
        else:
            hits = None
        return hits[0] if hits and len(hits) == 1 else None


def extract_claims(narrative: Narrative, unclaimed: list | None = None) -> list[Claim]:
    """Every figure the narrative states about its subjects, in reading order.

    ``unclaimed`` (a list), when given, receives (sentence, printed figure) for every amount
    or count that names no known subject: what the catalogue does not cover yet."""
    cat = _cat()
    rx, roles = cat["_rx"], cat["_roles"]
    subjects = cat["subjects"]
    out: list[Claim] = []
    topic: tuple | None = None  # (subject, label, code, level) a figure with no name of its own is about
    topic_age = 0
    codes, section = _Codes(), None
    sub_rx = re.compile(cat["reading"]["subheading"])
    prev_text = ""
    for s in sentences(narrative):
        if s.section != section:
            section, codes, topic = s.section, _Codes(), None
        text = s.text
        tokens = [m for m in rx["number"].finditer(text)
                  if not rx["skip_after"].match(text[m.end():]) and not rx["year"].match(text, m.start())]
        claim: Claim | None = None
        comparison: Comparison | None = None
        year: int | None = None
        pending: Comparison | None = None
        prev_end = 0
        named_here = None
        for m in tokens:
            lead = text[prev_end:m.start()]
            num, unit = m.group("num"), m.group("unit") or ""
            unit = "%" if unit == "％" else unit
            ys = [int(y.group("year")) for y in rx["year"].finditer(lead)
                  if not re.search(cat.get("base_year_before", r"比\s*$"), lead[:y.start()])]
            lead_key = _key(lead)
            base_m = roles["base"].search(lead_key)
            change_m = roles["change"].search(lead_key)
            share_m = roles["share"].search(lead_key)
            if claim is not None and change_m and unit:
                sign = cat["directions"][change_m.group("dir")]
                fig = _figure(num, unit)
                fig = Figure(sign * fig.value, fig.printed, fig.unit, fig.half)
                if comparison is None or (unit == "%" and comparison.percent) or (unit != "%" and comparison.change):
                    by = roles["base"].search(lead_key)
                    comparison = Comparison(_base_year(by, year), by.group("label") if by else "")
                    claim.comparisons.append(comparison)
                if base_m and comparison.base is None and comparison.change is None and comparison.percent is None:
                    comparison.base_year, comparison.label = _base_year(base_m, year), base_m.group("label")
                if unit == "%":
                    comparison.percent = fig
                else:
                    comparison.change = fig
                prev_end = m.end()
                continue
            if claim is not None and base_m:
                comparison = Comparison(_base_year(base_m, year), base_m.group("label"),
                                        _figure(num, unit or (claim.amount.unit if claim.amount else "")))
                claim.comparisons.append(comparison)
                q = rx["qualitative_change"].match(_key(text[m.end():]))
                if q:
                    comparison.direction = cat["directions"][q.group("dir")]
                prev_end = m.end()
                continue
            if claim is not None and unit and unit != "%" and roles["actual"].search(_key(_clause(lead))) \
                    and _subject_of(_clause(lead)) is None:
                claim.amount = _figure(num, unit)  # the budget stated first, then the actual
                prev_end = m.end()
                continue
            if claim is not None and unit and unit != "%" and roles["budget_of_actual"].search(_key(_clause(lead))) \
                    and _subject_of(_clause(lead)) is None:
                prev_end = m.end()  # the budget a final account's actual is set against
                continue
            if roles["prior_level"].search(_key(_clause(lead))) and unit and unit != "%":
                prev_end = m.end()  # last year's level, not this year's
                continue
            prior_m = roles["prior_base"].search(_key(_clause(lead)))
            if prior_m and unit and unit != "%":
                # a base stated before the figure it is compared with: kept for the next claim
                pending = Comparison(int(prior_m.group("year")), prior_m.group("label"), _figure(num, unit))
                prev_end = m.end()
                continue
            if claim is not None and share_m and unit == "%":
                claim.share, claim.share_label = _figure(num, unit), share_m.group("label")
                prev_end = m.end()
                continue
            if not unit:
                continue  # a code or a count inside the lead (221类, 2个): part of the text, not a figure
            if claim is None and (change_m or base_m):
                # a change or a base with no level before it in the sentence ("与上年相比减少70万元"):
                # not a level of any subject, so never compared with a table figure
                prev_end = m.end()
                continue
            if unit == "%":
                prev_end = m.end()
                continue
            # a new claim: its subject from its clause (a code, a name) or the topic
            clause = _clause(lead)
            subject, label, code, level = None, None, None, None
            coded = _coded(join_wrapped(clause))
            for c in coded:  # "住房保障支出（221类）住房改革支出（02款）住房公积金（01项）": the last
                code = codes.resolve(c.get("code"), c.get("level"), c["name"])
                subject, label, level = (f"function:{code}" if code else None), c["name"], c.get("level")
            if subject is None and (coded or _other_figure(clause)):
                # a classification item not resolved to a code, or a figure no subject covers:
                # about none of the subjects (nor the topic, which ends here: the paragraph has
                # moved on to an item the topic is not)
                if coded:
                    topic = None
                if unclaimed is not None:
                    unclaimed.append((s, f"{num}{unit}"))
                prev_end = m.end()
                continue
            if subject is None:
                found = _subject_of(re.split(cat["subject_after"], clause)[-1]) if cat.get("subject_after") else None
                found = found or _subject_of(clause)
                if found:
                    subject, label = found[0], subjects[found[0]]["zh"]
                    if subjects[found[0]].get("distinct"):
                        label = re.sub(r"^.*?(?:安排|根据)", "", join_wrapped(clause)) or label
                elif topic and re.fullmatch(cat["topic_clause"], _key(clause)):
                    subject, label, code, level = topic
            becomes = subjects.get(subject, {}).get("becomes")
            if becomes and re.search(becomes["when"], prev_text + text):
                subject, label = becomes["subject"], subjects[becomes["subject"]]["zh"]
            if subject is None or (subjects.get(subject, {}).get("unit") == "count") != (unit == "台"):
                # no subject, or an amount naming a counted thing (设施设备运维1,433.73万元 is no 设备 count)
                if unclaimed is not None:
                    unclaimed.append((s, f"{num}{unit}"))
                prev_end = m.end()
                continue
            if ys:
                year = ys[-1]
            claim = Claim(subject, label, s, year, _figure(num, unit), code=code, level=level)
            comparison = None
            if pending is not None:
                comparison, pending = pending, None
                claim.comparisons.append(comparison)
            named_here = subject
            if code:
                topic, topic_age = (subject, label, code, level), 0  # the paragraph goes on about this item
            out.append(claim)
            prev_end = m.end()
        # a sentence naming a subject but stating no figure: a heading the next sentence
        # continues ("（一）因公出国（境）费用。 2026年预算数…"), or a coded name on its own.
        # A topic lives for one sentence, or as long as a coded item's paragraph goes on.
        if s.heading or sub_rx.match(text) or (topic is not None and topic[2] is None and topic_age > 0):
            topic = None
        topic_age += 1
        prev_text = text
        if named_here is None and not s.heading:
            coded = _coded(text)
            for k, c in enumerate(coded):
                code = codes.resolve(c.get("code"), c.get("level"), c["name"])
                if code:
                    out.append(Claim(f"function:{code}", c["name"], s, code=code, level=c.get("level")))
                if k == len(coded) - 1:
                    # "1、社会保障和就业支出（类）…行政单位离退休（项）。主要用于：…。年初预算为X，
                    # 支出决算为Y": the last (deepest) item heads its paragraph; one not resolved to
                    # a code heads it too, so its figures are no other subject's
                    topic, topic_age = ((f"function:{code}", c["name"], code, c.get("level")) if code
                                        else (None, c["name"], "", c.get("level"))), 0
            found = _subject_of(text) if len(text) <= 40 else None
            if found and (topic is None or topic[2] is None):
                # (a name in the coded item's description, "行政单位退休人员支出", is not the topic)
                topic, topic_age = (found[0], subjects[found[0]]["zh"], None, None), 0
    return out


# ------------------------------------------------------------------------------ table figures
def table_value(doc: BudgetDocument, expr: str) -> tuple[Decimal | None, list[str], str]:
    """Evaluate a term expression of the rules grammar on `doc` (amounts in 万元, the
    narrative's unit, whatever unit each table prints): (value or None, where it was read,
    why it is missing)."""
    total, where = ZERO, []
    for ref in parse_side(expr):
        t = doc.tables.get(ref.table)
        if t is None:
            return None, where, f"{ref.table} 缺失 / absent"
        # the printed 合计 row, as the reconciliation reads it (Table.grand_total_row): total()
        # of a table printing none is its detail rows, printed() its first total row
        grand = t.grand_total_row()
        use_total = ref.fn == "printed" or (ref.fn == "total" and grand is not None)
        frame = t.total if use_total else t.data
        if ref.column not in frame.columns:
            if frame.empty:
                continue  # an empty table prints no rows: 0
            return None, where, f"{ref.table} 无 {ref.column} 列 / has no column {ref.column}"
        if t.headers and ref.column in t.data.columns and ref.column not in t.headers and ref.column != "amount":
            # a column this family does not print (Shenzhen's T05 has no 人员经费): no figure, not 0
            return None, where, f"{ref.table} 未印 {ref.column} 列 / does not print {ref.column}"
        if use_total:
            frame = frame.iloc[[grand or 0]] if len(frame) else frame
        frame = _this_year(frame, doc)
        for col, op, values in ref.filters:
            s = frame[col].astype("string").fillna("") if col in frame.columns else pd.Series("", index=frame.index)
            if op == "^=":
                keep = s.map(lambda v: v.startswith(values))
            elif op == "~=":
                keep = s.map(lambda v: any(fold(x) in fold(v) for x in values))
            else:
                keep = s.isin(values) if op == "=" else ~s.isin(values)
            frame = frame[keep.astype(bool)]
        if any(col == "line_kind" for col, _, _ in ref.filters) and frame.empty and len(t.data):
            # a named line of a 收支总表 the document does not print: no figure, not 0 (a list
            # such as the 政府采购 rows with no row of a category is a 0)
            return None, where, f"{ref.table} 无此行 / prints no line {ref.text()}"
        factor = _to_wan(t, doc)
        vals = [v for v in frame[ref.column].tolist() if v is not None and v is not pd.NA]
        total += ref.sign * sum(vals, ZERO) * factor
        if len(frame):
            pages = sorted({int(p) for p in frame["page"].dropna()}) if "page" in frame else []
            where.append(f"{ref.table}{' 合计' if use_total else ''} p.{pages[0]}" if pages else ref.table)
    return total, where, ""


def _this_year(frame: pd.DataFrame, doc: BudgetDocument) -> pd.DataFrame:
    """A table printing a row per year (三公: 2026年 | 2025年 | 增减变化金额) speaks of the
    document's year in the row of that year; one printing 预算数 and 决算数 rows (final
    accounts' 三公), in the row of the document's kind."""
    word = _cat().get("basis_of_kind", {}).get(doc.meta.get("kind"))
    if word and "basis" in frame.columns and not frame.empty:
        basis = frame["basis"].astype("string").fillna("")
        keep = basis.str.contains(word, regex=False)
        if keep.any():
            frame = frame[keep.to_numpy()]
    year = doc.meta.get("year")
    if "year" not in frame.columns or not year or frame.empty:
        return frame
    years = frame["year"].astype("string").fillna("")
    if not years.str.strip().astype(bool).any():
        return frame
    keep = years.str.contains(str(year), regex=False)
    return frame[keep.to_numpy()] if keep.any() else frame


def _to_wan(t, doc: BudgetDocument) -> Decimal:
    """The factor that turns table `t`'s printed amounts into 万元 (a Shanghai table printed
    in 元 is compared with a narrative in 万元 at the narrative's precision)."""
    units = table_catalog()["units"]
    return Decimal(1) / Decimal(units.get(t.unit or doc.meta.get("unit") or "万元", 1))


def _code_rows(doc: BudgetDocument, code: str, tables: tuple[str, ...], column: str = "total"):
    """The sum of `column` over the rows of function `code` (and below), in 万元."""
    total, found, where = ZERO, False, []
    for tid in tables:
        t = doc.tables.get(tid)
        if t is None or "function_code" not in t.data.columns:
            continue
        frame = pd.concat([t.data, t.total], ignore_index=True) if "function_code" in t.total.columns else t.data
        codes = frame["function_code"].astype("string").fillna("").str.strip()
        under = codes.str.startswith(code)
        if under.any():
            # the code's own row, else the highest level printed below it: never a class row and
            # its 款 and 项 rows added together
            shortest = codes[under].str.len().min()
            under &= codes.str.len() == shortest
            rows = frame[under.to_numpy()]
            rows = rows.drop_duplicates(subset=[c for c in ("function_code", column, "unit_name") if c in rows.columns])
        else:
            rows = frame.iloc[0:0]
        if len(rows):
            found = True
            total += sum((v for v in rows[column].tolist() if v is not None and v is not pd.NA), ZERO) * _to_wan(t, doc)
            where.append(f"{tid} p.{int(rows['page'].dropna().min())}" if rows["page"].notna().any() else tid)
    return (total if found else None), where


def _table_name(doc: BudgetDocument, code: str) -> tuple[str | None, str]:
    """The name the tables (else the classification list) give a function code."""
    for tid in ("T05", "T03", "T07", "T08"):
        t = doc.tables.get(tid)
        if t is None or "function_code" not in t.data.columns:
            continue
        for frame in (t.data, t.total):
            if "function_code" in frame.columns:
                hit = frame[frame["function_code"].astype("string") == code]
                if len(hit) and str(hit["function_name"].iloc[0] or ""):
                    return str(hit["function_name"].iloc[0]), tid
    codes = classification()
    hit = codes[(codes["kind"] == "function") & (codes["code"] == code)]
    if len(code) == 3 and len(hit):
        # the 26 T01 lines are the 类, printed by name: the table's spelling of this class
        for tid in ("T01", "T04"):
            t = doc.tables.get(tid)
            if t is None:
                continue
            for item in t.data.get("item", pd.Series(dtype=str)).astype(str):
                if _class_code(item) == code:
                    return item, tid
    return (str(hit["name"].iloc[0]), "codes.csv") if len(hit) else (None, "")


def _class_code(name: str) -> str | None:
    return class_codes().get(fold(name))


# ------------------------------------------------------------------------------ the checks
def _rule(rid: str, zh: str, en: str, instance: str = "", tables: tuple[str, ...] = (),
          severity: str = "error") -> Rule:
    return Rule(id=rid, kind="narrative", zh=zh, en=en, tables=tables, check="narrative",
                severity=severity, instance=instance)


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _decimals(fig: Figure) -> int:
    p = fig.printed.replace(",", "")
    return len(p.split(".")[1]) if "." in p else 0


def _status_printed(fig: Figure, exact: Decimal) -> str:
    """A printed figure against an exact one: equal when rounded to the printed decimals
    (pass), within one unit of the last printed decimal (rounding), else mismatch."""
    diff = abs(fig.value - exact)
    if diff <= fig.half:
        return "pass"
    return "rounding" if diff <= 2 * fig.half else "mismatch"


def _status_tol(diff: Decimal, tol: Decimal) -> str:
    if diff == 0:
        return "pass"
    return "rounding" if abs(diff) <= tol else "mismatch"


def _pct_status(printed: Figure, num: Decimal, num_half: Decimal, den: Decimal, den_half: Decimal) -> tuple[str, Decimal]:
    """A printed percent against num/den from printed figures: pass when it rounds to the
    printed decimals, rounding when inside the interval the figures' rounding allows."""
    if den == 0:
        return "not_applicable", ZERO
    exact = num / den * HUNDRED
    d = _decimals(printed)
    if _round(exact, d) == _round(printed.value, d) or abs(exact - printed.value) <= printed.half:
        return "pass", exact
    a, b = abs(num), abs(den)
    lo = max(a - num_half, ZERO) / (b + den_half) * HUNDRED
    hi = (a + num_half) / max(b - den_half, Decimal("1e-9")) * HUNDRED
    v = abs(printed.value)
    if (lo - printed.half <= v <= hi + printed.half or abs(exact - printed.value) <= 2 * printed.half) \
            and (printed.value >= 0) == (exact >= 0):
        # inside the interval the figures' rounding allows, or within one unit of the last printed
        # decimal (a share cut rather than rounded: 9.5575% printed 9.55%), as for amounts
        return "rounding", exact
    return "mismatch", exact


def _verdict(status: str, zh: bool) -> str:
    return {"pass": ("相符", "they agree"), "rounding": ("尾差，在打印精度内", "rounding, within printed precision"),
            "mismatch": ("不符", "MISMATCH"), "not_applicable": ("不适用", "not applicable")}[status][0 if zh else 1]


def _fmt(v: Decimal | None) -> str:
    return "—" if v is None else f"{v:,.6f}".rstrip("0").rstrip(".")


def _res(rule: Rule, status: str, left, right, tol, claim_or_sentence, zh: str, en: str,
         drill: list[dict] | None = None, tables: tuple[str, ...] = ()) -> Result:
    s = claim_or_sentence.sentence if isinstance(claim_or_sentence, Claim) else claim_or_sentence
    quote_zh = f"：“{s.text}”（情况说明 {s.where()}）" if s is not None else ""
    quote_en = f": \"{s.text}\" (narrative {s.where()})" if s is not None else ""
    loc = f"narrative {s.where()}" if s is not None else "narrative"
    left, right, tol = (None if v is None else Decimal(v).quantize(_MICRO, rounding=ROUND_HALF_UP)
                        for v in (left, right, tol))
    return Result(rule, status, left, right, tol, tables or rule.tables, loc,
                  {"zh": f"{zh}（{_verdict(status, True)}）{quote_zh}", "en": f"{en} ({_verdict(status, False)}){quote_en}"},
                  drill or [])


def _inst(claim: Claim, extra: str = "") -> str:
    return f"{claim.subject}@p{claim.page}{extra}"


def check_claims_vs_tables(doc: BudgetDocument, claims: list[Claim]) -> list[Result]:
    """(1) Each figure against the table figure it states, at the printed precision."""
    subjects = _cat()["subjects"]
    out = []
    for c in claims:
        if c.amount is None or c.amount.unit == "台":
            continue
        spec = subjects.get(c.subject, {})
        if c.code:
            # all fiscal funds, or one fund's table (a 政府性基金 section's class), or all funds
            candidates = [("财政拨款 T05+T07+T08", *_code_rows(doc, c.code, ("T05", "T07", "T08"))),
                          *((f"财政拨款 {tid}", *_code_rows(doc, c.code, (tid,))) for tid in ("T05", "T07", "T08")),
                          ("全部资金 T03", *_code_rows(doc, c.code, ("T03",)))]
            candidates = [x for x in candidates if x[1] is not None]
            rule = _rule("N.table", f"情况说明数字与报表一致：{c.label}（{c.code}）",
                         f"narrative figure equals the table: {c.label} ({c.code})", _inst(c), ("T05", "T03"))
            if not candidates:
                out.append(_res(rule, "not_applicable", c.amount.value, None, c.amount.half, c,
                                f"报表中无科目 {c.code}", f"no rows of code {c.code} in the tables"))
                continue
            best = min(candidates, key=lambda x: abs(x[1] - c.amount.value))
            st = _status_printed(c.amount, best[1])
            out.append(_res(rule, st, c.amount.value, best[1], c.amount.half, c,
                            f"{c.label}（{c.code}）情况说明 {c.amount} 对 报表 {_fmt(best[1])} 万元（{best[0]}，{'; '.join(best[2])}）",
                            f"{c.label} ({c.code}): narrative {c.amount} vs table {_fmt(best[1])} 万元 ({best[0]}, {'; '.join(best[2])})",
                            [{"claim": str(c.amount), "table": best[1], "where": "; ".join(best[2]), "page": c.page}]))
            continue
        for kind in ("table", "at_most"):
            expr = spec.get(kind)
            if not expr:
                continue
            tables = tuple(sorted(set(re.findall(r"\b(T\d\d)\.", expr))))
            rid = "N.table" if kind == "table" else "N.at_most"
            rule = _rule(rid, f"情况说明数字与报表一致：{c.label}" if kind == "table" else f"情况说明数字不超过报表：{c.label}",
                         f"narrative figure equals the table: {c.subject}" if kind == "table"
                         else f"narrative figure within the table bound: {c.subject}", _inst(c), tables)
            value, where, why = table_value(doc, expr)
            if kind == "table" and spec.get("also") and (value is None or _status_printed(c.amount, value) == "mismatch"):
                other, other_where, _ = table_value(doc, spec["also"])
                if other is not None and _status_printed(c.amount, other) != "mismatch":
                    value, where, expr = other, other_where, spec["also"]
            if value is None:
                out.append(_res(rule, "not_applicable", c.amount.value, None, c.amount.half, c,
                                f"{c.label} {c.amount}：报表 {why}", f"{c.subject} {c.amount}: table {why}"))
                continue
            if kind == "table":
                st = _status_printed(c.amount, value)
                zh = f"{c.label}：情况说明 {c.amount}，报表 {_fmt(value)} 万元（{'; '.join(where) or expr}）"
                en = f"{c.subject}: narrative {c.amount}, table {_fmt(value)} 万元 ({'; '.join(where) or expr})"
            else:
                st = "pass" if c.amount.value - c.amount.half <= value else "mismatch"
                zh = f"{c.label}：情况说明 {c.amount}，不应超过报表 {_fmt(value)} 万元（{expr}，{'; '.join(where)}）"
                en = f"{c.subject}: narrative {c.amount} should not exceed the table's {_fmt(value)} 万元 ({expr})"
            out.append(_res(rule, st, c.amount.value, value, c.amount.half, c, zh, en,
                            [{"claim": str(c.amount), "table": value, "expression": expr,
                              "where": "; ".join(where), "page": c.page}] if st != "pass" else []))
        share_of = spec.get("share_of")
        if c.share is not None and share_of and spec.get("table"):
            part, _, _ = table_value(doc, spec["table"])
            whole, where, why = table_value(doc, share_of)
            rule = _rule("N.share_table", f"情况说明占比与报表一致：{c.label}", f"narrative share equals the tables': {c.subject}",
                         _inst(c), tuple(sorted(set(re.findall(r"\b(T\d\d)\.", spec["table"] + share_of)))))
            if part is None or not whole:
                out.append(_res(rule, "not_applicable", c.share.value, None, c.share.half, c, f"报表 {why}", f"table {why}"))
            else:
                exact = part / whole * HUNDRED
                st = "pass" if _round(exact, _decimals(c.share)) == c.share.value else (
                    "rounding" if abs(exact - c.share.value) <= 2 * c.share.half else "mismatch")
                out.append(_res(rule, st, c.share.value, exact, c.share.half, c,
                                f"{c.label}占{c.share_label} {c.share}；报表 {_fmt(part)} / {_fmt(whole)} = {exact:.4f}%",
                                f"{c.subject} share {c.share}; tables {_fmt(part)} / {_fmt(whole)} = {exact:.4f}%"))
    return out


def check_claims_self(claims: list[Claim]) -> list[Result]:
    """(2) Each comparison against itself: change = new - old, percent = change / old, and
    shares against their sibling parts (part / sum of parts)."""
    out = []
    for c in claims:
        if c.amount is None:
            continue
        for i, cmp in enumerate(c.comparisons):
            inst = _inst(c, f"#{i + 1}" if len(c.comparisons) > 1 else "")
            new = c.amount
            if cmp.base is not None and cmp.change is not None:
                expected = new.value - cmp.base.value
                tol = new.half + cmp.base.half + cmp.change.half
                st = _status_tol(cmp.change.value - expected, tol)
                out.append(_res(_rule("N.change", f"增减额 = 本年 - 上年：{c.label}", f"change = new - old: {c.subject}", inst),
                                st, cmp.change.value, expected, tol, c,
                                f"{c.label}：{new} - {cmp.base}（{cmp.base_year}年{cmp.label}）= {_fmt(expected)} 万元，情况说明写 {cmp.change}"
                                f"（{'增加' if cmp.change.value >= 0 else '减少'}）",
                                f"{c.subject}: {new} - {cmp.base} = {_fmt(expected)} 万元; the narrative says {cmp.change} "
                                f"({'increase' if cmp.change.value >= 0 else 'decrease'})"))
            if cmp.percent is not None:
                if cmp.change is not None:
                    num, num_half = cmp.change.value, cmp.change.half
                elif cmp.base is not None:
                    num, num_half = new.value - cmp.base.value, new.half + cmp.base.half
                else:
                    continue
                if cmp.base is not None:
                    den, den_half, den_text = cmp.base.value, cmp.base.half, str(cmp.base)
                else:  # 比上年增加 Y，增长 Z%: the base is new - change
                    den, den_half = new.value - num, new.half + num_half
                    den_text = f"({new} - ({_fmt(num)}))"
                st, exact = _pct_status(cmp.percent, num, num_half, den, den_half)
                out.append(_res(_rule("N.percent", f"增减率 = 增减额 / 上年：{c.label}", f"percent = change / old: {c.subject}", inst),
                                st, cmp.percent.value, exact, cmp.percent.half, c,
                                f"{c.label}：{_fmt(num)} / {den_text} = {exact:.4f}%，情况说明写 {cmp.percent}",
                                f"{c.subject}: {_fmt(num)} / {den_text} = {exact:.4f}%; the narrative says {cmp.percent}"))
            if cmp.direction is not None and cmp.base is not None:
                ok = (new.value - cmp.base.value) * cmp.direction > 0
                out.append(_res(_rule("N.change", f"增减方向：{c.label}", f"direction of change: {c.subject}", inst),
                                "pass" if ok else "mismatch", new.value, cmp.base.value, ZERO, c,
                                f"{c.label}：{new} 对 {cmp.base_year}年{cmp.label} {cmp.base}，情况说明写{'增加' if cmp.direction > 0 else '减少'}",
                                f"{c.subject}: {new} against {cmp.base}; the narrative says {'up' if cmp.direction > 0 else 'down'}"))
    # shares: part / (sum of the parts stated with a share of the same whole, in one section)
    subjects = _cat()["subjects"]
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        if c.share is not None and c.amount is not None:
            groups.setdefault((subjects.get(c.subject, {}).get("share_of") or c.share_label, c.sentence.section), []).append(c)
    wholes: list[list[Claim]] = []
    for key, parts in groups.items():
        if all(subjects.get(p.subject, {}).get("share_of") for p in parts) or _adds_to_100(parts):
            wholes.append(parts)
        else:
            # parts of several wholes under one label ("占…%" with no name, a section listing
            # income by source, then expenditure by class): the runs of parts, in reading order,
            # whose shares add up to 100%; parts of no complete whole are not checked
            run: list[Claim] = []
            for c in parts:
                run.append(c)
                if _adds_to_100(run):
                    wholes.append(run)
                    run = []
    for parts in wholes:
        if len(parts) < 2:
            continue
        whole = sum((p.amount.value for p in parts), ZERO)
        whole_half = sum((p.amount.half for p in parts), ZERO)
        for c in parts:
            st, exact = _pct_status(c.share, c.amount.value, c.amount.half, whole, whole_half)
            out.append(_res(_rule("N.share", f"占比 = 部分 / 整体：{c.label}", f"share = part / whole: {c.subject}", _inst(c)),
                            st, c.share.value, exact, c.share.half, c,
                            f"{c.label} {c.amount} / ({' + '.join(str(p.amount) for p in parts)}) = {exact:.4f}%，情况说明写 {c.share}",
                            f"{c.subject} {c.amount} / ({' + '.join(str(p.amount) for p in parts)}) = {exact:.4f}%; the narrative says {c.share}"))
        total = sum((p.share.value for p in parts), ZERO)
        tol = sum((p.share.half for p in parts), ZERO)
        if len(parts) > 1 and all(subjects.get(p.subject, {}).get("share_of") for p in parts):
            out.append(_res(_rule("N.share", "各部分占比之和 = 100%", "shares of one whole sum to 100%",
                                  "+".join(p.subject for p in parts)),
                            _status_tol(total - HUNDRED, tol), total, HUNDRED, tol, parts[0],
                            f"{' + '.join(str(p.share) for p in parts)} = {_fmt(total)}%",
                            f"{' + '.join(str(p.share) for p in parts)} = {_fmt(total)}%"))
    return out


def _adds_to_100(parts: list[Claim]) -> bool:
    """The printed shares of `parts` add up to 100% within their rounding."""
    total = sum((p.share.value for p in parts), ZERO)
    return abs(total - HUNDRED) <= sum((p.share.half for p in parts), ZERO)


def _table_readings(doc: BudgetDocument, c: Claim) -> list[Decimal]:
    """The table figures a claim's subject may state: its `table` and `also` figures, or a
    code's rows in all fiscal funds, one fund's table or all funds (as check_claims_vs_tables)."""
    if c.code:
        return [v for v in (_code_rows(doc, c.code, tids)[0] for tids in
                            (("T05", "T07", "T08"), ("T05",), ("T07",), ("T08",), ("T03",))) if v is not None]
    spec = _cat()["subjects"].get(c.subject, {})
    return [v for v in (table_value(doc, spec[k])[0] for k in ("table", "also") if spec.get(k)) if v is not None]


def _own_scope(doc: BudgetDocument | None, c: Claim, first: Claim) -> bool:
    """Two amounts of one name that each agree with a different table figure of it are two
    scopes (人员支出 of all funds, then of the 一般公共预算; a class in all fiscal funds, then in
    the 政府性基金 section), not one subject stated twice."""
    if doc is None:
        return False
    readings = _table_readings(doc, c)
    mine = {v for v in readings if _status_printed(c.amount, v) != "mismatch"}
    theirs = {v for v in readings if _status_printed(first.amount, v) != "mismatch"}
    return bool(mine) and bool(theirs) and mine != theirs


def check_twice(claims: list[Claim], doc: BudgetDocument | None = None) -> list[Result]:
    """(3) One subject stated twice (same year) with two amounts (unless each is a table
    figure of its own scope, when ``doc`` is given)."""
    out, groups = [], {}
    for c in claims:
        if c.amount is not None:
            groups.setdefault((c.subject, c.label if _cat()["subjects"].get(c.subject, {}).get("distinct") else ""),
                              []).append(c)
    for (subject, _), cs in groups.items():
        if len(cs) < 2:
            continue
        first = cs[0]
        # the same year, or a figure that names none (it is the document's year)
        cs = [first] + [c for c in cs[1:] if c.year is None or first.year is None or c.year == first.year]
        if len(cs) < 2:
            continue
        bad = [c for c in cs[1:] if abs(c.amount.value - first.amount.value) > c.amount.half + first.amount.half
               and not _own_scope(doc, c, first)]
        st = "mismatch" if bad else "pass"
        other = bad[0] if bad else cs[1]
        rule = _rule("N.twice", f"同一事项前后数字一致：{first.label}", f"one subject, one amount: {subject}",
                     f"{subject}@p{first.page}")
        drill = [{"page": c.page, "amount": str(c.amount), "sentence": c.sentence.text} for c in cs]
        out.append(_res(rule, st, first.amount.value, other.amount.value, first.amount.half + other.amount.half, other,
                        f"{first.label}先写 {first.amount}（{first.sentence.where()}：“{first.sentence.text}”），又写 {other.amount}",
                        f"{subject} is stated as {first.amount} ({first.sentence.where()}: \"{first.sentence.text}\") and as {other.amount}",
                        drill if bad else []))
    return out


def check_class_names(doc: BudgetDocument, claims: list[Claim]) -> list[Result]:
    """(4) A class or item named differently from the table's name for the same code."""
    out, seen = [], set()
    for c in claims:
        if not c.code or (c.code, c.label, c.page) in seen:
            continue
        seen.add((c.code, c.label, c.page))
        name, source = _table_name(doc, c.code)
        rule = _rule("N.class_name", f"科目名称与报表一致：{c.code}", f"class/item name as in the table: {c.code}",
                     f"{c.code}@p{c.page}", ("T05",))
        if name is None:
            out.append(_res(rule, "not_applicable", None, None, None, c, f"科目 {c.code} 不在报表和科目表中",
                            f"code {c.code} is in neither the tables nor the code list"))
            continue
        # "一般公共服务（类）支出": the name stops at the level, its 支出 follows it; a 收支总表
        # line names its 类 without it (catalog class_name_suffix)
        suffix = table_catalog()["class_name_suffix"]
        st = "pass" if fold(c.label) in (fold(name), fold(name) + suffix) \
            or fold(name) == fold(c.label) + suffix else "mismatch"
        out.append(_res(rule, st, None, None, None, c,
                        f"科目 {c.code}：情况说明称“{c.label}”，{source} 称“{name}”",
                        f"code {c.code}: the narrative says '{c.label}', {source} says '{name}'",
                        [{"code": c.code, "narrative": c.label, "table": name, "source": source, "page": c.page}]
                        if st != "pass" else []))
    return out


def check_years(doc: BudgetDocument, claims: list[Claim]) -> list[Result]:
    """The year each figure is stated for, and the year its comparison is based on."""
    year = doc.meta.get("year")
    rule = _rule("N.year", "情况说明年度与文件年度一致", "the narrative's years match the document's year")
    if not year:
        return [_res(rule, "not_applicable", None, None, None, None, "文件年度未知", "the document's year is unknown")]
    subjects, bad, n = _cat()["subjects"], [], 0
    for c in claims:
        expected = year + int(subjects.get(c.subject, {}).get("year_offset", 0))
        if c.year is not None:
            n += 1
            if c.year != expected:
                bad.append((c, f"{c.label} 写作 {c.year} 年，应为 {expected} 年", c.year, expected))
        for cmp in c.comparisons:
            if cmp.base_year is not None and c.year is not None:
                n += 1
                if cmp.base_year != c.year - 1:
                    bad.append((c, f"{c.label} 的比较基数写作 {cmp.base_year} 年，应为 {c.year - 1} 年", cmp.base_year, c.year - 1))
    if not n:
        return [_res(rule, "not_applicable", None, None, None, None, "无年度陈述", "no dated statement")]
    if not bad:
        return [_res(rule, "pass", Decimal(n), Decimal(n), ZERO, None, f"{n} 处年度均与 {year} 年相符",
                     f"all {n} years agree with {year}")]
    return [_res(_rule("N.year", "情况说明年度与文件年度一致", "the narrative's years match the document's year",
                       _inst(c)), "mismatch", Decimal(got), Decimal(want), ZERO, c, why,
                 f"{c.subject}: year {got}, expected {want}") for c, why, got, want in bad]


def _norm_issuer(name: str) -> str:
    name = _key(name)
    for suffix in _cat()["issuer_suffixes"]:
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            name = name[: -len(suffix)]
    return name


def check_kind_and_issuer(doc: BudgetDocument, sents: list[Sentence]) -> list[Result]:
    """(5) The document's own kind (部门预算 / 单位预算) and issuer, wherever the prose names them."""
    cat, out = _cat(), []
    kinds: dict[str, list[Sentence]] = {}
    for s in sents:
        for m in cat["_rx"]["kind_word"].finditer(s.text):
            kinds.setdefault(m.group(0)[:2], []).append(s)
    printed = doc.meta.get("budget_kind")  # the table document's own word, when a reader finds one
    rule = _rule("N.kind", "文件自称的预算类别一致（部门/单位）", "the document calls itself one kind (部门/单位)")
    if not kinds:
        out.append(_res(rule, "not_applicable", None, None, None, None, "情况说明未提及类别", "the narrative names no kind"))
    else:
        main = printed[:2] if printed else max(kinds, key=lambda k: len(kinds[k]))
        # a sentence naming both kinds describes how one is made of the other
        # ("本部门预算为汇总预算，包括…下属单位预算"): no contradiction
        odd = [(k, s) for k, ss in kinds.items() if k != main for s in ss if s not in kinds.get(main, [])]
        if odd:
            for k, s in odd:
                out.append(_res(_rule("N.kind", rule.zh, rule.en, f"{k}@p{s.page}"), "mismatch", None, None, None, s,
                                f"文件为{main}，此句称{k}预算", f"the document is a {main} budget; this sentence says {k}"))
        else:
            out.append(_res(rule, "pass", None, None, None, None, f"全文 {sum(map(len, kinds.values()))} 处均称{main}预算",
                            f"all {sum(map(len, kinds.values()))} mentions say {main}"))
    dept = doc.meta.get("department")
    rule = _rule("N.issuer", "情况说明的单位名称与报表一致", "the narrative names the table document's issuer")
    mentions = []
    aliases = {_key(m.group("alias")) for s in sents for m in cat["_rx"]["alias"].finditer(s.text)}
    for s in sents:
        for p in cat["issuer_patterns"]:
            m = re.search(p, s.text)
            if m:
                name = re.sub(cat["issuer_trailer"], "", re.sub(cat["issuer_leader"], "", m.group("issuer").strip()))
                if len(name) >= 2 and not re.search(cat["issuer_self"], name):
                    mentions.append((name, s))
                break
    if not dept or not mentions:
        out.append(_res(rule, "not_applicable", None, None, None, None, "无单位名称可比", "no issuer name to compare"))
        return out
    want = _norm_issuer(dept)
    bad = []
    for name, s in mentions:
        got = _norm_issuer(name)
        short_ok = want.endswith(got) and got[:1] in cat["place_levels"] and len(got) >= 3
        if got != want and got not in aliases and not short_ok:
            bad.append((name, s))
    for name, s in bad:
        out.append(_res(_rule("N.issuer", rule.zh, rule.en, f"{name}@p{s.page}"), "mismatch", None, None, None, s,
                        f"情况说明称“{name}”，报表单位为“{dept}”", f"the narrative says '{name}', the tables' issuer is '{dept}'"))
    if not bad:
        out.append(_res(rule, "pass", Decimal(len(mentions)), Decimal(len(mentions)), ZERO, None,
                        f"{len(mentions)} 处单位名称均指“{dept}”", f"all {len(mentions)} mentions name '{dept}'"))
    return out


def _toc_table_id(name: str) -> str | None:
    key, best, best_len = fold(name).replace("“", "").replace("”", ""), None, 0
    for spec in table_catalog()["tables"].values():
        for variant in spec.titles:
            v = fold(variant)
            if v in key and len(v) > best_len:
                best, best_len = spec.id, len(v)
    return best


def check_toc_and_empty(doc: BudgetDocument, claims: list[Claim]) -> list[Result]:
    """(6) The tables the 目录 announces against the tables printed; an empty table's note."""
    out = []
    announced = toc_tables(doc.narrative)
    printed = {tid for tid in doc.tables if tid in table_catalog()["tables"]}
    if announced:
        ids = {}
        for page, name in announced:
            ids.setdefault(_toc_table_id(name) or name, (page, name))
        heads = None
        for tid, (page, name) in ids.items():
            ok = tid in printed or any(fold(name) in fold(r.title) for r in doc.raw_tables)
            s = Sentence(f"目录：{name}", page, page, "目录")
            rule = _rule("N.toc", "目录列出的报表均已公开", "every table the 目录 lists is printed", tid, (tid,))
            if not ok:
                # printed under a title the reader did not recognise (no 预算NN表 number)? Look
                # at the page heads of the table PDF before calling the table missing.
                heads = page_heads(doc.meta.get("source")) if heads is None else heads
                spec = table_catalog()["tables"].get(tid)
                variants = [fold(v) for v in (spec.titles if spec else (name,))]
                seen = [p for p, lines in heads.items() if any(v in fold("".join(lines)) for v in variants)]
                if seen:
                    where = f"p.{seen[0]}" if len(seen) == 1 else f"pp.{seen[0]}-{seen[-1]}"
                    out.append(_res(rule, "pass", None, None, None, s,
                                    f"目录列出“{name}”（{tid}），报表文件 {where} 印有此表（标题无“预算NN表”编号，读取器未识别为 {tid}）",
                                    f"the 目录 lists '{name}' ({tid}); the table PDF prints it on {where} (its title has no "
                                    f"预算NN表 number, so the reader did not recognise it as {tid})"))
                    continue
            out.append(_res(rule, "pass" if ok else "mismatch", None, None, None, s,
                            f"目录列出“{name}”（{tid}），报表文件{'有' if ok else '中没有'}此表",
                            f"the 目录 lists '{name}' ({tid}); the tables {'include' if ok else 'do NOT include'} it"))
        for tid in sorted(printed - set(ids)):
            if tid in ("T12_indicators",):
                continue
            out.append(_res(_rule("N.toc", "公开的报表均列入目录", "every printed table is in the 目录", f"{tid}+", (tid,),
                                  severity="warning"), "mismatch", None, None, None, None,
                            f"报表 {tid}（{doc.tables[tid].title}）已公开，但目录未列出",
                            f"{tid} ({doc.tables[tid].title}) is printed but not listed in the 目录"))
    zero = {}
    subjects = _cat()["subjects"]
    for c in claims:
        if c.amount is not None and c.amount.value == 0:
            for tid in subjects.get(c.subject, {}).get("zero_explains", []):
                zero.setdefault(tid, c)
    rest = None
    for tid, t in doc.tables.items():
        if tid not in table_catalog()["tables"] or doc.has_rows(tid) or tid in zero:
            continue
        names = [n for sid, spec in subjects.items() if tid in spec.get("zero_explains", []) for n in spec["names"]]
        pats = [_cat()["zero_statement"].format(name=re.escape(_key(n))) for n in names if _cat().get("zero_statement")]
        pats += [_cat()["none_statement"].format(name=re.escape(_key(n)))
                 for n in _cat().get("none_names", {}).get(tid, []) if _cat().get("none_statement")]
        for sent in (sentences(doc.narrative) if pats else []):
            key = _key(sent.text)
            if any(re.search(p, key) for p in pats):
                zero[tid] = Claim(tid, sent.text, sent)
                break
        if pats and tid not in zero:
            # the statement may sit on a page not read as prose (a one-sentence section page,
            # the 目录, the table's own page): read the other pages for it, for this check only
            if rest is None:
                n = doc.narrative
                rest = (other_pages(n.source, set(n.pages)) if n is not None else None) or False
            for sent in (sentences(rest) if rest else []):
                if any(re.search(p, _key(sent.text)) for p in pats):
                    zero[tid] = Claim(tid, sent.text, sent)
                    break
    for tid, t in doc.tables.items():
        if tid not in table_catalog()["tables"] or doc.has_rows(tid):
            continue
        rule = _rule("N.empty_table", f"空表有说明：{tid}", f"an empty table says why: {tid}", tid, (tid,), "warning")
        if t.note:
            out.append(_res(rule, "pass", None, None, None, None, f"{tid} 为空表，表注：{t.note}", f"{tid} is empty; its note: {t.note}"))
        elif tid in zero:
            c = zero[tid]
            stated = f"{c.label} {c.amount}" if c.amount is not None else "为0"
            out.append(_res(rule, "pass", None, None, None, c, f"{tid}（{t.title}）为空表，情况说明写明{stated}",
                            f"{tid} ({t.title}) is empty; the narrative states {c.subject} {c.amount if c.amount is not None else 0}"))
        else:
            out.append(_res(rule, "mismatch", None, None, None, None,
                            f"{tid}（{t.title}）为空表，表中无说明，情况说明也未说明为何为空",
                            f"{tid} ({t.title}) is empty with no note, and the narrative does not say why"))
    return out


def check_style(sents: list[Sentence]) -> list[Result]:
    """(7) Warnings only: a truncated sentence, doubled punctuation, unbalanced brackets."""
    st, out = _cat()["_style"], []
    for s in sents:
        problems = []
        if st["truncated"].search(s.text):
            problems.append(("truncated", "句子残缺（冒号或“原因是”后无内容）", "truncated sentence"))
        if st["doubled"].search(s.text):
            problems.append(("doubled", "标点重复", "doubled punctuation"))
        folded = s.text.translate(str.maketrans(_cat()["style"].get("fold_pairs", {})))
        complete = re.search(_cat()["style"].get("sentence_end", "$"), s.text)
        for pair in _cat()["style"]["pairs"]:
            cut = folded.find(pair[1]) != -1 and (folded.find(pair[0]) == -1 or folded.find(pair[1]) < folded.find(pair[0]))
            if complete and not cut and folded.count(pair[0]) != folded.count(pair[1]):
                # (a closer before any opener: the sentence began inside a bracket a heading cut)
                problems.append(("unbalanced", f"{pair[0]}{pair[1]} 不配对", f"unbalanced {pair[0]}{pair[1]}"))
        for key, zh, en in problems:
            out.append(_res(_rule("N.style", "文字规范（提示）", "wording (warning)", f"{key}@p{s.page}", severity="warning"),
                            "mismatch", None, None, None, s, zh, en))
    return out


def check_narrative(doc: BudgetDocument, lang: str = "zh") -> list[Result]:
    """Every narrative check on `doc` (nothing when it has no narrative): Result rows in the
    reconciliation statuses, to merge into its ReconciliationReport."""
    if doc.narrative is None:
        return []
    claims = extract_claims(doc.narrative)
    sents = sentences(doc.narrative)
    return (check_claims_vs_tables(doc, claims) + check_claims_self(claims) + check_twice(claims, doc)
            + check_class_names(doc, claims) + check_years(doc, claims) + check_kind_and_issuer(doc, sents)
            + check_toc_and_empty(doc, claims) + check_style(sents))


def claims_frame(doc_or_narrative) -> pd.DataFrame:
    """The claims as a table: subject, label, code, year, amount (万元), printed, base, change,
    percent, share, page, section, sentence."""
    n = doc_or_narrative.narrative if isinstance(doc_or_narrative, BudgetDocument) else doc_or_narrative
    return pd.DataFrame([c.as_record() for c in extract_claims(n)] if n is not None else [])


def narrative_counts(report) -> dict:
    """For a report banner: narrative findings in `report` (a ReconciliationReport) by status,
    errors and warnings apart: {'checks', 'pass', 'rounding', 'mismatch', 'warnings',
    'not_applicable'} ('mismatch' counts error-severity mismatches only)."""
    rows = [r for r in report.results if r.rule.id.startswith("N.")]
    out = {"checks": len(rows)}
    for s in ("pass", "rounding", "not_applicable"):
        out[s] = sum(r.status == s for r in rows)
    out["mismatch"] = sum(r.status == "mismatch" and r.rule.severity == "error" for r in rows)
    out["warnings"] = sum(r.status == "mismatch" and r.rule.severity != "error" for r in rows)
    return out


def narrative_line(doc: BudgetDocument, report) -> str:
    """One line for `budgetlib check`: where the narrative came from and what its checks found."""
    c = narrative_counts(report)
    n = len(extract_claims(doc.narrative))
    return (f"narrative {doc.narrative.source}: {n} claims, {c['checks']} checks: pass {c['pass']}  "
            f"rounding {c['rounding']}  mismatch {c['mismatch']}  warnings {c['warnings']}  "
            f"not_applicable {c['not_applicable']}")


def narrative_findings(report) -> pd.DataFrame:
    """The narrative rows of `report` that are findings (not pass / not_applicable), for a
    report section: rule_id, instance, status, severity, location, explanation (each quoting
    its sentence and page)."""
    f = report.frame
    f = f[f["rule_id"].str.startswith("N.") & ~f["status"].isin(["pass", "not_applicable"])]
    return f[["rule_id", "instance", "status", "severity", "location", "explanation"]].reset_index(drop=True)
