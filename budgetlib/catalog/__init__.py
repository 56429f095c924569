"""The domain facts, kept as data: table catalogue, classification codes, reconciliation rules.

Small loaders only; the YAML/CSV files beside this module are the source of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

import yaml

from ..normalize import fold

# A header token "=X" must be the whole bottom header cell (其中 stripped); "!X" must not occur.
_LEAF_BONUS = 10
_QIZHONG = re.compile(r"^其中[:：]?")


def _token_score(token: str, path: str) -> int | None:
    """Score of one header token against a header path; None when it rules the path out."""
    if token.startswith("!"):
        return None if token[1:] in path else 0
    if token.startswith("="):
        leaf = _QIZHONG.sub("", path.rsplit("/", 1)[-1])
        return len(token) - 1 + _LEAF_BONUS if leaf == token[1:] else None
    return len(token) if token in path else None


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table: English name, Chinese header, kind, match tokens.

    ``alts`` are the header variants (each a tuple of tokens, see tables.yaml); ``into`` names the
    output column when several physical layouts feed one (科目编码 and 类|款|项 both give
    function_code); ``part`` is 1/2/3 for a 类/款/项 code column."""

    name: str
    zh: str
    kind: str
    match: tuple[str, ...]
    fields: tuple[str, ...] = ()
    required: bool | str = False
    hierarchy: bool | str = False
    alts: tuple[tuple[str, ...], ...] = ()
    into: str | None = None
    part: int = 0
    # values that, printed on a subtotal row (TableSpec.detail_key), carry onto the rows below
    carry: tuple[str, ...] = ()
    when_printed: bool = False
    # a code column holding budget units' block heads (125001 西安市…局, a code of one of these
    # lengths, which no classification uses): that row names the unit of the rows below it
    unit_digits: tuple[int, ...] = ()
    # 款 codes printed with 2 digits under their 类 row (208 / 05 / 2080505): the 类's digits added
    parent_digits: bool = False
    # a code_name column's code printed joined to its name with no separator (采购目录
    # A02021119条码扫描器): this regex, anchored at the start, is the code
    code_prefix: str | None = None

    @property
    def outputs(self) -> tuple[str, ...]:
        """The DataFrame columns this header produces (a code_name column gives two)."""
        if self.kind == "code_name":
            return self.fields
        return (self.into or self.name,)

    @property
    def words(self) -> tuple[str, ...]:
        """The plain header words of every variant (for telling a header row from data)."""
        return tuple(fold(t).lstrip("=") for alt in (self.alts or (self.match,)) for t in alt
                     if not t.startswith("!"))

    @cached_property
    def folded_alts(self) -> tuple[tuple[str, ...], ...]:
        """Every header variant's tokens, folded (their "=" or "!" kept in front) once: headers
        are matched against every column of every table kind."""
        return tuple(tuple(fold(t) if t[0] not in "=!" else t[0] + fold(t[1:]) for t in alt)
                     for alt in self.alts or (self.match,))

    @cached_property
    def _specificities(self) -> dict[str, int]:
        return {}

    def specificity(self, path: str) -> int:
        """How well a header path matches: the best variant's total token length, 0 if none fits.
        (Remembered per path: every table's header paths are scored against every column of
        its kind, and documents print the same headers over and over.)"""
        best = self._specificities.get(path)
        if best is None:
            best = self._specificities[path] = self._specificity(path)
        return best

    def _specificity(self, path: str) -> int:
        best = 0
        for alt in self.folded_alts:
            scores = [_token_score(t, path) for t in alt]
            if all(s is not None for s in scores):
                best = max(best, sum(scores))
        return best


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
    kind: str = ""
    kind_en: str = ""
    title_keys: tuple[tuple[str, ...], ...] = ()
    signature: tuple[tuple[str, ...], ...] = ()
    title_weight: int = 0
    fallback: str | None = None
    row_items: bool = False
    # grid rows without a value in this output column are subtotals, kept with the totals
    detail_key: str | None = None

    @property
    def amount_columns(self) -> list[str]:
        return list(dict.fromkeys(c.into or c.name for c in self.columns if c.kind == "amount"))


def _signature(variant: dict) -> tuple[tuple[str, ...], ...]:
    """One header signature: (words the header must all print, words it must not print,
    row labels of which one must be printed, row labels none of which may be printed), folded."""
    return tuple(tuple(fold(w) for w in variant.get(k, ())) for k in ("header", "not", "rows", "rows_not"))


# libyaml's parser where PyYAML was built with it: the same data, ten times faster (the
# catalogue is read by every process, the report kernel included)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    """Safe YAML, parsed by libyaml when present."""
    return yaml.load(text, Loader=_YAML_LOADER)


def _read_yaml(name: str) -> dict:
    return load_yaml(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _alts(match) -> tuple[tuple[str, ...], ...]:
    """`match: [a, b]` is one variant; `match: [[a, b], [c]]` lists several."""
    if match and isinstance(match[0], list):
        return tuple(tuple(m) for m in match)
    return (tuple(match),)


def _columns(rows: list[dict], skip: tuple[str, ...] = ()) -> tuple[ColumnSpec, ...]:
    """``skip``: header words of column groups the table's columns never come from (a
    table's ``skip_headers``: 上年 / 增减变化 beside the budget year's own columns)."""
    out = []
    for r in rows:
        alts = tuple(alt + tuple(f"!{w}" for w in skip) for alt in _alts(r["match"]))
        req = r.get("required", False)
        out.append(ColumnSpec(name=r["name"], zh=r["zh"], kind=r["kind"], match=alts[0],
                              fields=tuple(r.get("fields", ())),
                              required=req if isinstance(req, str) else bool(req),
                              hierarchy=r.get("hierarchy", False), alts=alts, into=r.get("into"),
                              part=int(r.get("part", 0)), when_printed=bool(r.get("when_printed")),
                              carry=tuple(r.get("carry", ())),
                              unit_digits=tuple(int(n) for n in r.get("unit_digits", ())),
                              parent_digits=bool(r.get("parent_digits")),
                              code_prefix=r.get("code_prefix")))
    return tuple(out)


@lru_cache(maxsize=None)
def table_catalog() -> dict:
    """{'tables': {id: TableSpec}, 'performance_columns': (...), 'units': {...}, ...}"""
    raw = _read_yaml("tables.yaml")
    tables = {tid: TableSpec(id=tid, zh=t["zh"], en=t["en"], titles=tuple(t.get("titles", ())),
                             layout=t["layout"], columns=_columns(t.get("columns", []), tuple(t.get("skip_headers", ()))),
                             total_row=t.get("total_row", True), kind=t.get("kind", t["zh"]),
                             kind_en=t.get("kind_en", t["en"]),
                             title_keys=tuple(tuple(fold(w) for w in k) for k in t.get("title_keys", ())),
                             signature=tuple(_signature(v) for v in t.get("signature", ())),
                             title_weight=int(t.get("title_weight", 0)), fallback=t.get("fallback"),
                             row_items=bool(t.get("row_items")), detail_key=t.get("detail_key"))
              for tid, t in raw["tables"].items()}
    rec = raw["recognition"]
    return {"tables": tables,
            "performance_columns": _columns(raw["performance_columns"]),
            "performance_form": dict(raw.get("performance_form", {})),
            "two_sided_columns": _columns(raw["two_sided_columns"]),
            "two_sided_line_kinds": {fold(k): v for k, v in raw["two_sided_line_kinds"].items()},
            "class_name_suffix": fold(raw.get("class_name_suffix", "")),
            "indicator_level1": tuple(raw["indicator_level1"]),
            "indicator_operators": tuple(raw["indicator_operators"]),
            "note_patterns": tuple(re.compile(p) for p in raw.get("note_patterns", ())),
            "units": dict(raw["units"]),
            "row_content": tuple({"kind": r["kind"], "header": tuple(fold(w) for w in r["header"]),
                                  "not": tuple(fold(w) for w in r.get("not", ())),
                                  "rows_of": tuple(str(c) for c in r["rows_of"]),
                                  "rows_not_of": tuple(str(c) for c in r.get("rows_not_of", ()))}
                                 for r in raw.get("row_content", {}).get("rules", ())),
            "recognition": {
                "labels": tuple(re.compile(p) for p in rec["labels"]),
                "label_only": tuple(re.compile(p) for p in rec["label_only"]),
                "final_words": tuple(fold(w) for w in rec["final_words"]),
                "title_end": re.compile(rec["title_end"]),
                "reject": tuple(re.compile(p) for p in rec["reject"]),
                "max_length": int(rec["max_length"]),
                "confirm_within": int(rec["confirm_within"]),
                "meta_lines": tuple(re.compile(p) for p in rec["meta_lines"]),
                "furniture": tuple(re.compile(p) for p in rec["furniture"]),
                "notes": tuple(re.compile(p) for p in rec["notes"]),
                "table_end": tuple(re.compile(p) for p in rec["table_end"]),
                "unit_word": re.compile(rec["unit_word"]),
                "year_groups": dict(rec.get("year_groups", {})),
                "title_unit": re.compile(rec["title_unit"]),
            }}


# "预算03表 支出总表", "预算表12 项目支出绩效目标表", "预算14表-1 …", "决算01表 …": a label that by
# itself makes a line a title (Beijing prints every title so); other labels are read by
# recognise_title below and never decide the kind.
TITLE_RE = re.compile(r"^(预算|决算)\s*(表\s*\d+|\d+\s*表)(\s*-\s*\d+)?\s*(.*)$")
_QUOTES = re.compile(r"[“”\"‘’'《》]")


@dataclass(frozen=True)
class TitleMatch:
    """A line read as a table title: the catalogue id (None: a title the catalogue lacks), the
    title as printed, whether it is a final-accounts (决算) title, the printed label (表3,
    预算表 1, 一、…) if any, and whether a label in the Beijing form (预算03表) vouches for it."""

    table_id: str | None
    printed: str
    is_final: bool
    label: str = ""
    labelled: bool = False
    core: str = ""


def kind_of(core: str) -> str | None:
    """The catalogue id whose title keywords fit a (folded, label-free) title best, or None.

    Each variant is a list of words that must occur in order; the variant with the most
    characters matched wins, so 财政拨款收支总表 beats 收支总表 and 基本支出 beats 支出."""
    best, best_len = None, 0
    for spec in table_catalog()["tables"].values():
        for words in spec.title_keys + tuple((fold(t),) for t in spec.titles):
            pos, ok = 0, True
            for w in words:
                k = core.find(w, pos)
                if k < 0:
                    ok = False
                    break
                pos = k + len(w)
            n = sum(len(w) for w in words) + spec.title_weight
            if ok and n > best_len:
                best, best_len = spec.id, n
    return best


def kind_by_signature(header: str, rows: str) -> str | None:
    """The catalogue id whose header signature (tables.yaml ``signature``) fits a table's
    folded header text and row labels, or None: for a table printed without a title, with its
    title after the body, or with a title the catalogue's words do not know. Only a signature
    that fits one kind better than every other decides; a tie (two kinds print the same
    columns, as Shanghai's 支出总表 and 一般公共预算支出表 do) decides nothing."""
    scores: dict[str, int] = {}
    for spec in table_catalog()["tables"].values():
        for must, must_not, labels, labels_not in spec.signature:
            if all(w in header for w in must) and not any(w in header for w in must_not) \
                    and (not labels or any(w in rows for w in labels)) and not any(w in rows for w in labels_not):
                n = sum(map(len, must)) + max((len(w) for w in labels if w in rows), default=0)
                scores[spec.id] = max(scores.get(spec.id, 0), n)
    best = sorted(scores.items(), key=lambda kv: -kv[1])
    if best and (len(best) == 1 or best[0][1] > best[1][1]):
        return best[0][0]
    return kind_by_rows(header, rows)


# a function or economic code before its name (2120801-…, [21208]…): 3, 5 or 7 digits, not a year
_CODE_CELL = re.compile(r"^\[?(\d{3}(?:\d{2}){0,2})\]?(?![\d年月])[-—－\s]*(.*)$")


@lru_cache(maxsize=None)
def _function_names() -> dict[str, str]:
    """{folded 类/款 name: function code} from codes.csv, without the names the economic
    classifications also use (其他支出 is a function 类 and an economic 类)."""
    codes = classification()
    other = {fold(n) for n in codes.loc[codes["kind"] != "function", "name"]}
    fn = codes[(codes["kind"] == "function") & (codes["code"].str.len() <= 5)]
    return {fold(n): c for n, c in zip(fn["name"], fn["code"]) if fold(n) not in other}


@lru_cache(maxsize=None)
def _class_names() -> dict[str, str]:
    """{folded name: 'function' or 'economic'} for the names only one of the two
    classifications uses, at any level (工资福利支出 economic, 公共安全支出 function; 其他支出
    and 住房公积金 both: neither)."""
    codes = classification()
    kinds = {}
    for kind, name in zip(codes["kind"], codes["name"]):
        kinds.setdefault(fold(name), set()).add("function" if kind == "function" else "economic")
    return {n: next(iter(k)) for n, k in kinds.items() if len(k) == 1}


def row_classification(rows: str) -> set[str]:
    """Which classifications ('function', 'economic') a table's row labels ("/"-joined, folded)
    print names of: a page of 工资福利支出/基本工资 rows does not continue a table of
    公共安全支出/公安 rows, though both print the same header (Shenzhen 表7 and 表10)."""
    names = _class_names()
    return {names[n] for cell in rows.split("/")
            if (n := (m.group(2) if (m := _CODE_CELL.match(cell)) else cell)) in names}


def _row_codes(rows: str) -> set[str]:
    """The function codes a table's row labels print: a code before its name (2120801-…,
    [21208]…) or a 类/款 name alone."""
    names, out = _function_names(), set()
    for cell in rows.split("/"):
        m = _CODE_CELL.match(cell)
        if m and m.group(1).startswith("2"):
            out.add(m.group(1))
        name = m.group(2) if m else cell
        if name in names:
            out.add(names[name])
    return out


def kind_by_rows(header: str, rows: str) -> str | None:
    """Where the header names no single kind, the kind the rows' function classes name
    (tables.yaml ``row_content``): 政府性基金 款 (21208 国有土地使用权出让收入安排的支出 …),
    223 国有资本经营预算支出, or general function classes only. One fitting rule decides;
    none or several decide nothing."""
    fits = set()
    codes = None
    for rule in table_catalog()["row_content"]:
        if not all(w in header for w in rule["header"]) or any(w in header for w in rule["not"]):
            continue
        codes = _row_codes(rows) if codes is None else codes
        def printed(prefixes):
            return any(c.startswith(p) for c in codes for p in prefixes)
        if printed(rule["rows_of"]) and not printed(rule["rows_not_of"]):
            fits.add(rule["kind"])
    return fits.pop() if len(fits) == 1 else None


@lru_cache(maxsize=4096)
def recognise_title(text: str) -> TitleMatch | None:
    """If `text` (one line) reads as a table title, say which table; None if it cannot be one.
    (Remembered per text: the assembler asks it of every short line and again of the lines
    that follow a candidate title; the answer is a frozen TitleMatch.)

    Labels before or after the title (表3, 公开03表, 预算表 1, 一、, （预算表 1）) are stripped and
    kept; the kind comes from the title words only. A line that is too long, reads as a sentence
    or a contents entry, or does not end like a title is not one. The caller still confirms an
    unlabelled title by what follows it (a unit line or a header)."""
    rec = table_catalog()["recognition"]
    printed = " ".join(text.split())
    folded = _QUOTES.sub("", fold(text))
    m = TITLE_RE.match(folded)
    if m and not m.group(4):
        return None  # 预算表 2 alone: a label over its title (label_only), not a title
    if m:
        core = m.group(4)
        return TitleMatch(kind_of(core), printed, m.group(1) == "决算", folded[: m.start(4)], True, core)
    if any(r.search(folded) for r in rec["reject"]) or label_only(folded):
        return None
    core, labels = folded, []
    changed = True
    while changed:
        changed = False
        for r in rec["labels"]:
            lm = r.search(core)
            if lm and lm.group(0) and len(lm.group(0)) < len(core):
                labels.append(lm.group(0))
                core = (core[: lm.start()] + core[lm.end():]).strip(":-")
                changed = True
    if len(core) < 4 or len(core) > rec["max_length"] or not rec["title_end"].search(core):
        return None
    final = any(w in core for w in rec["final_words"])
    return TitleMatch(kind_of(core), printed, final, "".join(labels), False, core)


def match_title(text: str) -> tuple[str | None, str, bool] | None:
    """Compatibility: (id, printed, is_final) for a labelled title, else None."""
    t = recognise_title(text)
    if t is None or not t.labelled:
        return None
    return t.table_id, t.printed, t.is_final


def label_only(text: str) -> bool:
    """A line that is only a table label (表1, 公开03表, 单位预算01表), printed above its title."""
    folded = fold(text)
    return any(r.fullmatch(folded) for r in table_catalog()["recognition"]["label_only"])


@lru_cache(maxsize=None)
def classification() -> "pd.DataFrame":  # noqa: F821 - imported lazily for start-up time
    """Classification codes (政府收支分类科目): kind, code, name, level, parent."""
    import pandas as pd

    with resources.files(__package__).joinpath("codes.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str).fillna("")


@lru_cache(maxsize=1)
def class_codes() -> dict[str, str]:
    """Function class (功能分类 类) by folded name -> its 3-digit code: the name of codes.csv, its
    aliases (other editions' names), and each of them without ``class_name_suffix`` (支出), as
    收支总表 lines (T01/T04) name the 类 they print without a code."""
    codes = classification()
    cls = codes[(codes["kind"] == "function") & (codes["level"] == "类")]
    suffix = table_catalog()["class_name_suffix"]
    out: dict[str, str] = {}
    for code, name, aliases in zip(cls["code"], cls["name"], cls["aliases"]):
        for n in [name] + [a for a in aliases.split("|") if a]:
            n = fold(n)
            out.setdefault(n, code)
            if suffix and n.endswith(suffix) and len(n) > len(suffix):
                out.setdefault(n[: -len(suffix)], code)
    return out
