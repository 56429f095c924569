"""budgetlib: Chinese departmental budget disclosures (部门预算公开) into tidy, checked data.

    import budgetlib
    doc = budgetlib.load("data/raw/beijing-2025-citizen-hotline-center.txt")
    doc["T05"]                      # a tidy DataFrame, exact amounts, provenance columns
    report = budgetlib.reconcile(doc)
"""

from .loader import load
from .model import BudgetDocument, Table
from .readers.base import ReadError
# Imported eagerly: the function shadows its module's name, so the package attribute
# `reconcile` is the function whatever is imported later.
from .reconcile import ReconciliationReport, reconcile

__all__ = ["load", "reconcile", "ReconciliationReport", "BudgetDocument", "Table", "ReadError"]
__version__ = "0.1.0"
