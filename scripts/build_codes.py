"""Build budgetlib/catalog/codes.csv: classification codes harvested from real disclosures.

How the list is compiled (so that a newer official list can replace it):

1. Seed: the 类 of each kind (function 类 201-234; government economic 类 5xx; departmental
   economic 类 3xx) and the rows already in codes.csv (the 政府收支分类科目 names as far as
   they were known by hand). A 类 is never taken from a document alone: a bare 3-digit number
   beside a name is as often a unit code (245 西安市医疗保障局) as a class.
2. Harvest: every disclosure given on the command line (default: ../shared/corpus/, the
   Beijing 2026 PDFs, the 2025 text and the national PDFs) is read with budgetlib's own
   readers (PyMuPDF grid for PDFs, tab-separated text) and every cell of the forms
       2010301-行政运行   [2010301]行政运行   2010301 行政运行   2010301 | 行政运行 (next cell)
       201 | 08 | 01 | 行政运行 (split 类/款/项 columns)   201 | 03 01 | 日常公用经费
   gives (code, name). The first digit gives the kind (2 function, 5 government economic,
   3 departmental economic); the length gives the level (3 类, 5 款, 7 项).
3. Consistency: a code printed with several names in one document (a function code beside
   project names) gives no name from that document. Per code, the name printed by the most documents is the name (ties: the
   seed's name, then the longer); other names printed by at least two documents are kept as
   `aliases` (renamings between list editions). A 类 keeps the seed's name and aliases (a
   number beside a unit such as 217 台/套 is not a class name). A 款/项 is kept only when its parents are
   known (a 项 whose 款 no document prints is left out: it is then "not in the list").
   `documents` counts the documents that print the code (0: from the seed only).

Columns: kind, code, name, level, parent (the 款 of a 项, the 类 of a 款), documents, aliases.
To replace the list with an official one, write the same columns (documents may be empty).

    PYTHONPATH=. python scripts/build_codes.py [FILES_OR_DIRS...]   # rewrites codes.csv
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from budgetlib.normalize import clean_text, is_amount, join_wrapped  # noqa: E402

CODES = ROOT / "budgetlib" / "catalog" / "codes.csv"
# ../shared/corpus beside the checkout (or beside the folder of worktrees)
DEFAULT_SOURCES = [ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
KIND_OF_DIGIT = {"2": "function", "5": "gov_economic", "3": "dept_economic"}
LEVELS = {3: "类", 5: "款", 7: "项"}
FIELDS = ["kind", "code", "name", "level", "parent", "documents", "aliases"]

_JOINED = re.compile(r"^[\[【(（]?\s*(\d{3,7})\s*[\]】)）]?\s*[-－—:：]?\s*(.*)$")
_SPLIT_IN_CELL = re.compile(r"^(\d{2})\s+(\d{2})$")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9（）()、“”\"·.．\-—/]+$")


def name_of(text: str) -> str | None:
    """A classification name as printed, or None for anything that is not one."""
    t = join_wrapped(clean_text(text)).strip(" \u3000")
    if not t or is_amount(t) or len(t) > 40 or not _NAME.match(t):
        return None
    if sum("\u4e00" <= ch <= "\u9fff" for ch in t) < 2 or re.search(r"\d{4,}|年|万元|合计|小计", t):
        return None
    return t


def fold_name(name: str) -> str:
    """Names compared without punctuation, brackets or whitespace (（一） vs (一))."""
    return re.sub(r"[\W_]+", "", name)


def pairs_of_cells(cells: list[str]):
    """(code, name) pairs in one row of cells."""
    cells = [clean_text(c) for c in cells]
    i = 0
    while i < len(cells):
        c = cells[i]
        m = _JOINED.match(c)
        if not m or m.group(1)[0] not in KIND_OF_DIGIT:
            i += 1
            continue
        code, rest = m.group(1), m.group(2)
        j = i + 1
        if not rest and len(code) == 3:
            # split 类 | 款 | 项 columns ("201 | 08 | 01"). Not "201 | 03 01": Xi'an prints
            # that beside project names, not classification names.
            parts = []
            while j < len(cells) and len(parts) < 2 and re.fullmatch(r"\d{2}", cells[j]):
                parts.append(cells[j])
                j += 1
            code += "".join(parts)
        if not rest:
            while j < len(cells) and not cells[j]:
                j += 1
            rest = cells[j] if j < len(cells) else ""
            j += 1
        name = name_of(rest)
        if name and len(code) in LEVELS:
            yield code, name
        i = max(j - 1, i + 1) if name else i + 1


def lines_of(path: Path):
    from budgetlib.readers import pdf_mupdf, text

    if path.suffix.lower() == ".pdf":
        return pdf_mupdf.iter_lines(path)
    return text.iter_lines(path)


def harvest(paths: list[Path]) -> dict:
    """{(kind, code): {name: set of documents}}"""
    seen: dict = defaultdict(lambda: defaultdict(set))
    for path in paths:
        names: dict = defaultdict(set)
        try:
            for line in lines_of(path):
                for code, name in pairs_of_cells(line.cells):
                    names[(KIND_OF_DIGIT[code[0]], code)].add(name)
        except Exception as exc:  # noqa: BLE001 - one unreadable file never stops the harvest
            print(f"skipped {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        for key, ns in names.items():
            if len({fold_name(n) for n in ns}) > 1:
                continue  # one code, several names in one document: project names, not the code's
            for n in ns:
                seen[key][n].add(path.name)
        print(f"{path.name}: {len(names)} codes", file=sys.stderr)
    return seen


def build(seed: list[dict], seen: dict) -> list[dict]:
    rows = {(r["kind"], r["code"]): dict(r) for r in seed}
    classes = {(r["kind"], r["code"]) for r in seed if r["level"] == "类"}
    for (kind, code), names in seen.items():
        if len(code) == 3 and (kind, code) not in classes:
            continue  # a class comes from the seed only
        if (kind, code[:3]) not in classes or code[3:5] == "00" or code[5:7] == "00":
            continue  # no 款 or 项 is numbered 00 (2100000 平方米 is an indicator value)
        docs_of: dict = defaultdict(set)  # folded name -> documents printing it
        printed: dict = {}
        for n, docs in names.items():
            docs_of[fold_name(n)] |= docs
            printed.setdefault(fold_name(n), n)
        by_fold = Counter({f: len(d) for f, d in docs_of.items()})
        seed_name = rows.get((kind, code), {}).get("name", "")
        best = max(by_fold, key=lambda f: (by_fold[f], f == fold_name(seed_name), len(f)))
        row = rows.setdefault((kind, code), {"kind": kind, "code": code, "name": printed[best],
                                             "level": LEVELS[len(code)],
                                             "parent": code[:5] if len(code) == 7 else code[:3] if len(code) == 5 else ""})
        is_class = len(code) == 3
        if by_fold[best] > by_fold.get(fold_name(row["name"]), 0) and not is_class:
            row["name"] = printed[best]
        # documents: how many documents print the code with this name
        row["documents"] = str(by_fold.get(fold_name(row["name"]), 0))
        # a 类 keeps the seed's name and aliases: a bare 3-digit number beside a name is as often
        # an indicator value (217 台/套, 227 千米) as a class; the seed's aliases (other editions'
        # names, e.g. 215 资源勘探信息等支出 before 2020) are kept for every code
        harvested = set() if is_class else {printed[f] for f, k in by_fold.items() if k >= 2}
        seed_aliases = {a for a in (row.get("aliases") or "").split("|") if a}
        row["aliases"] = "|".join(sorted(a for a in harvested | seed_aliases
                                         if fold_name(a) != fold_name(row["name"])))
        odd = [f"{printed[f]} ({k})" for f, k in by_fold.items() if f != fold_name(row["name"])]
        if odd:
            print(f"{kind} {code} {row['name']} ({row['documents']}): also printed as {'; '.join(odd)}",
                  file=sys.stderr)
    for (kind, code), r in list(rows.items()):
        if r["parent"] and (kind, r["parent"]) not in rows:
            print(f"dropped {kind} {code} {r['name']}: its parent {r['parent']} is printed nowhere", file=sys.stderr)
            del rows[(kind, code)]
    out = sorted(rows.values(), key=lambda r: (["function", "gov_economic", "dept_economic"].index(r["kind"]),
                                              r["code"]))
    for r in out:
        r.setdefault("documents", "0")
        r.setdefault("aliases", "")
        r["documents"] = r.get("documents") or "0"
    return out


def sources(args: list[str]) -> list[Path]:
    roots = [Path(a) for a in args] or [next((p for p in DEFAULT_SOURCES if p.exists()), DEFAULT_SOURCES[0])]
    files = []
    for r in roots:
        files += sorted(p for p in r.rglob("*") if p.suffix.lower() in (".pdf", ".txt")
                        and "narrative" not in str(p)) if r.is_dir() else [r]
    return files


def main(argv: list[str]) -> int:
    files = sources(argv)
    if not files:
        print("no documents found; give files or folders", file=sys.stderr)
        return 1
    with open(CODES, encoding="utf-8") as fh:
        seed = list(csv.DictReader(fh))
    rows = build(seed, harvest(files))
    with open(CODES, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    counts = Counter((r["kind"], r["level"]) for r in rows)
    print(f"{CODES}: {len(rows)} codes from {len(files)} documents: "
          + ", ".join(f"{k} {lv} {n}" for (k, lv), n in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
