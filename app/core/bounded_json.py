"""JSON from outside, read with a bound on its nesting."""

import json
from typing import Any

MAX_JSON_DEPTH = 32  # what others send nests a few levels; deeper only exhausts the stack


class TooDeep(ValueError):
    """Not JSON nested at most `MAX_JSON_DEPTH` deep."""


def read_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`text` as JSON, or `TooDeep` (a ValueError, as `json.loads` raises for what is not JSON).

    A deep value is refused here rather than where it breaks: `json.loads` raises a
    `RecursionError` at a depth the interpreter decides, and whatever walks the value later
    (validation, serialisation) may break on a shallower one.
    """
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise TooDeep(f"not JSON nested at most {max_depth} deep") from exc
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        children = item.values() if isinstance(item, dict) else item
        if children and depth > max_depth:
            raise TooDeep(f"not JSON nested at most {max_depth} deep")
        pending.extend((child, depth + 1) for child in children)
    return value
