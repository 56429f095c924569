"""budgetlib: Chinese departmental budget disclosures (部门预算公开) into tidy, checked data.

    import budgetlib
    doc = budgetlib.load("data/raw/beijing-2025-citizen-hotline-center.txt")
    doc["T05"]                      # a tidy DataFrame, exact amounts, provenance columns
    report = budgetlib.reconcile(doc)
"""

from .loader import load
from .model import BudgetDocument, Table
from .readers.base import ReadError

__all__ = ["load", "reconcile", "BudgetDocument", "Table", "ReadError"]
__version__ = "0.1.0"


def reconcile(doc, **kwargs):
    """Check every identity of the rule catalogue; see budgetlib.reconcile."""
    from .reconcile import reconcile as _reconcile

    return _reconcile(doc, **kwargs)
