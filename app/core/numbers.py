"""Whole numbers read from text that others wrote: headers, form fields, CRM answers."""


def whole_number(text: str, *, digits: int = 18) -> int | None:
    """`text` as a whole number when it is 1 to `digits` ASCII digits, else None.

    `str.isdigit()` is no guard for `int()`: it admits "²" and other digits that `int()` refuses,
    and any length, while `int()` refuses more than 4,300 digits and arithmetic with floats
    overflows far sooner. Each caller bounds `digits` by what it can mean.
    """
    if 0 < len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None
