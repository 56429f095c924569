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
