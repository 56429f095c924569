"""Shared fixtures: the sample and the corpus live inside the repo (a user's clone has no ../shared)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "beijing-2025-citizen-hotline-center.txt"
CORPUS = ROOT / "tests" / "corpus"
CORPUS_PDFS = sorted(CORPUS.glob("*.pdf"))


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_doc():
    import budgetlib

    return budgetlib.load(SAMPLE)


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def variant_path(tmp_path_factory, sample_text):
    """The sample with an empty T10 (only its header and an empty 合计, like the sample's T11)
    and no T12 at all: a small text disclosure written by the test."""
    text = sample_text.split("预算表12")[0]
    text = (text.replace("A-货物\t177.430000\n", "").replace("C-服务\t7,489.434835\n", "")
            .replace("合 计\t7,666.864835", "合 计\t"))
    path = tmp_path_factory.mktemp("variant") / "hotline-no-procurement.txt"
    path.write_text(text, encoding="utf-8")
    return path
