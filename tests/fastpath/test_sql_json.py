"""JSON written by PostgreSQL (app/fastpath/sql_json.py): fields it cannot write fail at import."""

import pytest
from pydantic import BaseModel

from app.fastpath.sql_json import object_sql


class Measured(BaseModel):
    ratio: float


def test_a_field_of_a_type_it_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        object_sql(Measured, "m", {})


def test_a_composed_field_takes_the_sql_given_for_it() -> None:
    assert object_sql(Measured, "m", {"ratio": "m.ratio::text"}) == (
        "('{\"ratio\":' || m.ratio::text || '}')"
    )
