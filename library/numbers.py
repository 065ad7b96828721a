"""Numbers as the reader's language writes them: `4.071` and `46,3 %` in Vietnamese.

One place for the dashboards, their charts and the CSV report, so each shows a figure alike.
"""

from flask_babel import format_decimal, get_locale

NBSP = "\u00a0"


def number(value) -> str:
    """A count with the language's thousands separator (4.071; 4,071 in English)."""
    return format_decimal(value or 0, format="#,##0")


def decimal(value) -> str:
    """A share with one decimal and the language's decimal mark (46,3; 46.3 in English)."""
    return format_decimal(value or 0, format="#,##0.0")


def percent(value) -> str:
    """A share in percent, the sign spaced as Vietnamese writes it (46,3 %; 46.3% in English).
    None (no workforce to divide by) is a dash."""
    if value is None:
        return "—"
    sign = NBSP + "%" if _vietnamese() else "%"
    return decimal(value) + sign


def whole_percent(value) -> str:
    """A target in whole percent (70 %; 70% in English)."""
    return number(value) + (NBSP + "%" if _vietnamese() else "%")


def _vietnamese() -> bool:
    return get_locale().language == "vi"
