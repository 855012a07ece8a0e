"""What every table's model promises beyond its columns."""

import pytest
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table registered)

TABLE_MODELS = sorted(
    (mapper.class_ for mapper in SQLModel._sa_registry.mappers),  # type: ignore[attr-defined]
    key=lambda model: model.__name__,
)


@pytest.mark.parametrize("model", TABLE_MODELS, ids=lambda model: model.__name__)
def test_a_new_rows_defaults_come_from_marked_factories(model: type[SQLModel]) -> None:
    """An unmarked factory (`list`, `dict`, a plain function) is inspected again for every row
    written: `row_default` in app/models/base.py says why."""
    unmarked = [
        name
        for name, field in model.model_fields.items()
        if field.default_factory is not None
        and "__signature__" not in getattr(field.default_factory, "__dict__", {})
    ]
    assert unmarked == [], f"{model.__name__}: mark these fields' factories with row_default"
    row = model()  # type: ignore[call-arg]  (what SQLModel does when a service builds one)
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            assert getattr(row, name) is not None
