"""pydantic's errors in our words: one translatable Reason per problem (forms, imports, check-ins).

Kept apart from the import machinery so that a reader of check-ins (every scorecard) loads neither pandas
nor the exchange readers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpis.errors import Reason, field_words, joined

if TYPE_CHECKING:
    import pydantic

__all__ = ["reason_of", "validation_reason"]


def validation_reason(exc: pydantic.ValidationError) -> str:
    """Every problem pydantic found, as 'field: reason' Reasons (translatable)."""
    return joined([Reason("field", field=field_words(".".join(str(p) for p in err["loc"])), reason=reason_of(err))
                   if err["loc"] else reason_of(err) for err in exc.errors()])


# pydantic error type -> (our reason key, the ctx field that holds its limit)
_PYDANTIC_REASONS = {
    "missing": ("required", None),
    "greater_than_equal": ("at_least", "ge"),
    "less_than_equal": ("at_most", "le"),
    "greater_than": ("above", "gt"),
    "less_than": ("below", "lt"),
    "string_too_long": ("too_long", "max_length"),
    "string_too_short": ("empty", None),
    "literal_error": ("one_of", "expected"),
    "extra_forbidden": ("unknown_field", None),
    "bool_parsing": ("not_yes_no", None),
    "bool_type": ("not_yes_no", None),
    "int_parsing": ("expected_number", None),
    "int_type": ("expected_number", None),
    "float_parsing": ("expected_number", None),
    "float_type": ("expected_number", None),
    "date_parsing": ("expected_period", None),
    "date_type": ("expected_period", None),
    "date_from_datetime_parsing": ("expected_period", None),
}


def reason_of(err: Any) -> str:
    """One pydantic error (an item of `exc.errors()`) as a Reason: our own validators raise Reasons;
    pydantic's built-in checks map to ours; anything else keeps pydantic's words, marked as such."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), ValueError) and ctx["error"].args:
        first = ctx["error"].args[0]
        if isinstance(first, Reason):
            return first
    if kind == "string_pattern_mismatch":
        return Reason("currency_code" if "[A-Z]{3}" in str(ctx.get("pattern", "")) else "bad_format")
    if kind in _PYDANTIC_REASONS:
        key, limit = _PYDANTIC_REASONS[kind]
        if limit is None:
            return Reason(key)
        value = ctx.get(limit)
        if key == "one_of":
            return Reason(key, expected=str(value).replace("'", "").replace(" or ", ", "))
        return Reason(key, limit=f"{value:g}" if isinstance(value, float) else value)
    return Reason("invalid", detail=err["msg"].removeprefix("Value error, "))
