"""Cell-level normalisation: text folding, exact amounts, code/name splitting.

Every reader's cells pass through here, so a PDF and a text rendering of the same table give
the same values.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pandas as pd
import pyarrow as pa

# Amounts are exact decimals: 万元 with 6 places is exact to the fen (分).
AMOUNT_DTYPE = pd.ArrowDtype(pa.decimal128(24, 6))
ZERO = Decimal("0")

# Full-width forms that documents use interchangeably with ASCII; folded for matching and keys.
_FOLD = str.maketrans({"＝": "=", "≧": "≥", "≦": "≤", "－": "-", "—": "-", "–": "-", "：": ":",
                       "（": "(", "）": ")", "，": ",", "　": " ", "\u00a0": " "})
_TAG = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"\s+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’《》"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_AMOUNT = re.compile(r"^[-+]?\d{1,3}(,\d{3})*(\.\d+)?$|^[-+]?\d+(\.\d+)?$")
_CODE_NAME = re.compile(r"^([0-9A-Za-z][0-9A-Za-z\s]*?)\s*[-－—]\s*(.*)$", re.S)
_BRACKETED_CODE = re.compile(r"^[\[【]\s*([0-9]{3,})\s*[\]】]\s*(.*)$", re.S)
_ONE_LETTER = re.compile(r"[A-Z]")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def clean_text(value: str) -> str:
    """Cell text as a reader should see it: HTML tags stripped to text, entities decoded,
    whitespace runs collapsed. Punctuation is kept as printed."""
    if not value:
        return ""
    text = value
    if "<" in text and ">" in text:
        # Cells sometimes carry literal HTML (<p>…</p>); keep its text, paragraphs as spaces.
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


@lru_cache(maxsize=1 << 16)
def fold(value: str) -> str:
    """Key for matching titles and headers: whitespace removed, full-width folded."""
    return _SPACES.sub("", value.translate(_FOLD))


def join_wrapped(value: str) -> str:
    """Undo line wrapping in a name: whitespace next to a CJK character is a wrap, not a space."""
    return _SPACE_NEAR_CJK.sub("", clean_text(value))


def is_amount(value: str) -> bool:
    v = value.strip()
    return bool(v) and bool(_AMOUNT.match(v))


def is_blank_amount(value: str) -> bool:
    """Blank and '-' cells mean zero in these tables."""
    return value.strip() in ("", "-", "－", "—", "--")


def parse_amount(value: str) -> Decimal:
    """Exact amount from a printed cell ("1,145.329360"); blank or '-' is zero.

    Raises ValueError for anything else, so the caller can name the cell."""
    v = value.strip()
    if is_blank_amount(v):
        return ZERO
    if not _AMOUNT.match(v):
        raise ValueError(v)
    try:
        return Decimal(v.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValueError(v) from exc


def printed_decimals(values) -> pd.Series:
    """The decimals each amount was printed with (Int8), from the Decimal parse_amount returned
    (which keeps the printed exponent: '2,651.52' -> 2, '2,651.518580' -> 6). A blank cell or a
    value not parsed from print is NA: exact, no rounding allowance."""
    return pd.Series(printed_decimals_list(values), dtype="Int8")


def printed_decimals_list(values) -> list:
    """``printed_decimals`` as a list (int or pd.NA), for a frame built column by column."""
    out = []
    for v in values:
        exponent = v.as_tuple().exponent if isinstance(v, Decimal) else None
        if exponent is not None and not (exponent == 0 and v == 0):
            out.append(max(0, -exponent))
        else:
            out.append(pd.NA)
    return out


class PrintedDecimals:
    """Carries a frame's printed decimals in ``DataFrame.attrs`` from the reader to ``Table``
    (opaque to pandas: compared and copied by identity)."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def __deepcopy__(self, memo):
        return self


def with_decimals(df: pd.DataFrame, decimals: pd.DataFrame) -> pd.DataFrame:
    """Attach ``decimals`` (Int8, aligned with ``df``) for ``Table`` to take over."""
    df.attrs["decimals"] = PrintedDecimals(decimals)
    return df


@lru_cache(maxsize=1 << 14)
def split_code_name(value: str) -> tuple[str, str]:
    """'2010301-行政运行' -> ('2010301', '行政运行'); a wrapped '11000024T0000 02780436- 12345对外
    宣传 经费' -> ('11000024T000002780436', '12345对外宣传经费'). No code -> ('', name).
    (Remembered per cell text: a document prints the same codes and names in several tables.)"""
    text = clean_text(value)
    if not text:
        return "", ""               # most cells asked are blank (the project column of T12's indicator rows)
    if m := _BRACKETED_CODE.match(text):
        return m.group(1), join_wrapped(m.group(2))  # "[2010301]行政运行"
    m = _CODE_NAME.match(text)
    if not m:
        return "", join_wrapped(text)
    code = _SPACES.sub("", m.group(1))
    # A code is mostly digits ("01-公共服务" in the service catalogue has two); "A-货物"
    # (procurement category) is the one-letter exception.
    if not (sum(ch.isdigit() for ch in code) >= 2 or _ONE_LETTER.fullmatch(code)):
        return "", join_wrapped(text)
    return code, join_wrapped(m.group(2))


def is_total_label(value: str) -> bool:
    """合计 / 总计 rows (printed with spaces: '合 计')."""
    return fold(value) in ("合计", "总计", "合计:", "总计:")


def decimal_column(values) -> pd.Series:
    return pd.Series(list(values), dtype=AMOUNT_DTYPE)


def indicator_value(value: str) -> Decimal | None:
    """An indicator's 指标值 as a number where it is one ('99.99', '≥95' after the operator is
    split, '1,040'); None for text such as '优' or '有'."""
    v = fold(clean_text(value)).replace(",", "")
    if _NUMBER.fullmatch(v):
        return Decimal(v)
    return None
