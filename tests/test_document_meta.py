"""Metadata from the document's own words (issue 9 §9), and `budgetlib tables --json`.

The title page and the labelled lines of real pages of each family; the MANIFEST.tsv beside
the test PDFs is only a fallback, so these tests read the lines, not the manifest.
"""

from __future__ import annotations

import json

import pytest

from budgetlib.cli import main
from budgetlib.loader import _meta_line, document_meta
from budgetlib.readers import pdf_mupdf

from conftest import CORPUS

NATIONAL = CORPUS / "national"


def meta_of(path) -> dict:
    """document_meta on the lines the loader keeps (first 40 and labelled ones), from the
    first pages only: the title page and the first table pages are enough."""
    lines = list(pdf_mupdf.iter_page_lines(path, [1, 2, 3]))
    kept = lines[:40] + [ln for ln in lines[40:] if _meta_line(ln)][:20]
    return document_meta(kept)


@pytest.mark.parametrize("name, department, year, kind, region", [
    # issuer after the year, title wrapped over two lines
    ("shenzhen-2026-budget-1", "深圳市信访局", 2026, "budget", "深圳市"),
    ("guangzhou-2026-budget-1", "广州市信访局", 2026, "budget", "广州市"),
    # issuer before the year: 苏州市生态环境局 2026 年度…, 杭州市气象局 / 2026 年度部门预算
    ("suzhou-2026-budget-1", "苏州市生态环境局", 2026, "budget", "苏州市"),
    ("hangzhou-2026-budget-1", "杭州市气象局", 2026, "budget", "杭州市"),
    ("xian-2026-budget-3", "西安市人民政府办公厅", 2026, "budget", "西安市"),   # （汇总） dropped
    ("fuzhou-2026-budget-1", "福州市公安局治安管理支队", 2026, "budget", "福州市"),
    ("changchun-2026-budget-1", "长春市信访局（本级）", 2026, "budget", "长春市"),
    # no place in the issuer's name: no region is invented
    ("changsha-2026-budget-1", "长沙职业教育基地综合协调办公室", 2026, "budget", None),
    # the title names a place and a level only; the issuer is the labelled 预算单位 / 预算主管部门
    ("shanghai-2026-budget-1", "上海市海洋监测预报中心", 2026, "budget", "上海市"),
    ("shanghai-wanli-2025-budget", "上海市普陀区人民政府万里街道办事处", 2025, "budget", "上海市普陀区"),
    # final accounts
    ("shanghai-final-2024-final-1", "中共上海市普陀区委社会工作部", 2024, "final_accounts", "上海市普陀区"),
])
def test_metadata_from_the_title_page(name, department, year, kind, region):
    m = meta_of(NATIONAL / f"{name}.pdf")
    assert (m.get("department"), m.get("year"), m.get("kind"), m.get("region")) == (department, year, kind, region)
    assert m["meta_source"]["department"].startswith("page ")      # says where it was read


def test_the_document_beats_its_file_name_and_manifest(tmp_path):
    """A copy under a misleading name, with a MANIFEST naming another issuer and year."""
    import shutil

    import budgetlib

    pdf = tmp_path / "beijing-2019-final.pdf"
    shutil.copy(NATIONAL / "suzhou-2026-budget-1.pdf", pdf)
    (tmp_path / "MANIFEST.tsv").write_text("file\tdepartment\tyear\nbeijing-2019-final.pdf\t北京市某局\t2019\n",
                                           encoding="utf-8")
    m = budgetlib.load(pdf).meta
    assert (m["department"], m["year"], m["kind"], m["region"]) == ("苏州市生态环境局", 2026, "budget", "苏州市")


def test_beijing_issuer_from_its_labelled_cells():
    """Beijing prints no title page: the issuer is the 部门名称 cell of its last table."""
    lines = list(pdf_mupdf.iter_page_lines(CORPUS / "xinfang-office.pdf", [1, 17]))
    m = document_meta(lines)
    assert (m["department"], m.get("region"), m.get("year")) == ("北京市信访办公室", "北京市", None)
    assert m["meta_source"]["department"] == "page 17: 部门名称 北京市信访办公室"


def test_tables_json_lists_ids_and_kinds(capsys):
    assert main(["tables", str(NATIONAL / "suzhou-2026-budget-1.pdf"), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)   # stdout is JSON only; messages go to stderr
    keys = {"id", "kind", "label", "title", "unit", "pages", "rows", "total_row", "empty", "incomplete",
            "recognised"}
    assert all(set(t) == keys for t in listing)
    by_kind = {t["kind"]: t for t in listing if t["recognised"]}
    t01 = by_kind["收支总表"]
    assert (t01["id"], t01["label"], t01["unit"], t01["pages"]) == ("T01", "公开01表", "万元", [10])
    assert t01["rows"] > 30 and not t01["empty"]
    assert {"收入总表", "支出总表", "财政拨款收支总表", "一般公共预算支出表"} <= set(by_kind)
    ids = [t["id"] for t in listing if t["recognised"]]
    assert len(ids) == len(set(ids))


def test_tables_text_shows_kinds(capsys):
    assert main(["tables", str(NATIONAL / "suzhou-2026-budget-1.pdf")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "苏州市生态环境局 2026" in out[0]
    t01 = next(l for l in out if l.split()[:1] == ["T01"])
    assert t01.split()[1:3] == ["收支总表", "收支总表"] and " 10 " in t01
