"""Bases for the contract's models: strict input, bounded text, readable output."""

from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError


def _no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL or lone surrogates (`"\\ud800"`); refuse both everywhere."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (no lone surrogates)") from exc
    return value


def _no_nul_within(value: Any) -> None:
    """Every string of a field: itself, a list's items, a mapping's keys and values, at any depth
    (nested input models check their own fields)."""
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul_within(key)
            _no_nul_within(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _no_nul_within(item)


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_no_nul)]
Url = Annotated[
    str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$"), AfterValidator(_no_nul)
]


@cache
def _scalar_kind(model: type[BaseModel], name: str) -> type | None:
    """`bool` or `int` for a field of exactly that type (or that type or null), else None;
    worked out once per field rather than for each value of it."""
    field = model.model_fields.get(name)
    annotation = None if field is None else field.annotation
    union = get_origin(annotation) in (Union, UnionType)
    kinds = [
        arg for arg in (get_args(annotation) if union else (annotation,)) if arg is not NoneType
    ]
    return kinds[0] if kinds in ([bool], [int]) else None


class InputModel(BaseModel):
    """A request body: unknown (or server-owned) fields are refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")
    # A JSON body's booleans and numbers are typed; a form's fields are all text.
    typed_scalars: ClassVar[bool] = True

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        """The contract's booleans and integers as JSON writes them: pydantic would read
        `false` as 0, `0` as false and `"5"` as 5, none of which the schema allows."""
        kind = _scalar_kind(cls, info.field_name or "") if cls.typed_scalars else None
        if kind is bool and value is not None and not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "Input should be a valid boolean")
        if kind is int and isinstance(value, bool | str):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        _no_nul_within(value)
        return value


def unchanged() -> Any:
    """The default of a non-nullable PATCH field: absent keeps the value, `null` is a 422.

    Pydantic does not validate defaults, so the field's type can stay without `None`, and the
    contract says what a client may send: `name: Name = unchanged()`.
    """
    return Field(default=None)


class PatchModel(InputModel):
    """A JSON merge patch: absent fields stay as they are, `null` clears a nullable one."""

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class OutputModel(BaseModel):
    """A response body, read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)
