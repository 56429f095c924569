"""The analyses the notebooks exist for, one module per question.

    from budgetlib.analysis import overview, personnel, procurement, projects
    f = personnel.personnel_vs_public(doc)
    f.figures["personnel_cost"]      # Decimal('19357.945631'), 万元
    f.frame                          # the rows behind it, exact amounts
    budgetlib.narrative.describe(f)  # "人员经费 19,357.95 万元，占基本支出 98.8%…"

Every function takes a BudgetDocument and returns a ``Finding``; an absent or empty table
gives ``finding.missing`` instead of an exception.
"""

from . import overview, personnel, procurement, projects
from .base import Finding

__all__ = ["Finding", "overview", "personnel", "procurement", "projects"]
