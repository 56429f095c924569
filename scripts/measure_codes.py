"""How the code rules behave on a document the code list has never seen (leave one out).

For each Beijing corpus PDF, the code list is rebuilt from every *other* corpus document (the
same harvest as scripts/build_codes.py, on the same hand-made seed), then the document's T03/
T05/T06/T07/T08 codes are checked two ways:
  before: the old rule, every code (or 类/款 parent) missing from the list is a warning;
  after:  the current rule, a warning only for a malformed code, an unknown 类 or a
          contradicting name; a code merely missing from the list is info.

    PYTHONPATH=. python scripts/measure_codes.py [SEED_CSV]

SEED_CSV defaults to the codes.csv of git commit 2157b39: the hand list (all 类 and 款, 86 项) before
any code was added for a corpus document.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import build_codes  # noqa: E402

import budgetlib  # noqa: E402
import importlib  # noqa: E402

rc = importlib.import_module("budgetlib.reconcile")

CHECKS = {"function": (["T03", "T05", "T07", "T08"], "function_code", [3, 5, 7]),
          "gov_economic": (["T03", "T06"], "gov_economic_code", [3, 5]),
          "dept_economic": (["T03", "T06"], "dept_economic_code", [3, 5, 7])}


def main(argv):
    if argv:
        seed = pd.read_csv(argv[0], dtype=str).fillna("").to_dict("records")
    else:
        text = subprocess.run(["git", "show", "2157b39:budgetlib/catalog/codes.csv"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
        seed = pd.read_csv(io.StringIO(text), dtype=str).fillna("").to_dict("records")
    files = build_codes.sources([])
    seen = build_codes.harvest(files)
    beijing = [f for f in files if "beijing-2026" in str(f)]
    totals = {"before": 0, "after_warn": 0, "after_info": 0, "codes": 0}
    for f in beijing:
        others = {k: {n: d - {f.name} for n, d in names.items() if d - {f.name}} for k, names in seen.items()}
        rows = build_codes.build([dict(r) for r in seed], {k: v for k, v in others.items() if v})
        codes = pd.DataFrame(rows)
        lists = {}
        for kind in CHECKS:
            sub = codes[codes["kind"] == kind]
            lists[kind] = {r.code: {"name": r.name, "names": {rc._fold_name(n) for n in [r.name] + [a for a in
                                    (r.aliases or "").split("|") if a]},
                                    "documents": int(r.documents or 0)} for r in sub.itertuples()}
        doc = budgetlib.load(ROOT / "tests" / "corpus" / f.name)
        before = warn = info = n = 0
        detail = []
        for kind, (tables, col, lengths) in CHECKS.items():
            printed = {}
            for t in tables:
                if t in doc.tables and col in doc.tables[t].data:
                    d = doc.tables[t].data
                    for code, name in zip(d[col], d[col.replace("_code", "_name")]):
                        if code:
                            printed.setdefault(code, name)
            for code, name in printed.items():
                n += 1
                known = lists[kind]
                if any(code[:k] not in known for k in lengths if k <= len(code)) or len(code) not in lengths:
                    before += 1
                p = rc._code_problem(code, name, lengths, known)
                if p and p[0] == "warning":
                    warn += 1
                    detail.append(f"{code} {name}: {p[1]}")
                elif p:
                    info += 1
        print(f"{f.stem}: {n} codes; before {before} warnings; after {warn} warnings, {info} info"
              + (f"  [{'; '.join(detail[:5])}]" if detail else ""))
        totals["before"] += before
        totals["after_warn"] += warn
        totals["after_info"] += info
        totals["codes"] += n
    print(f"total: {totals['codes']} codes; before {totals['before']} warnings; "
          f"after {totals['after_warn']} warnings, {totals['after_info']} info")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
