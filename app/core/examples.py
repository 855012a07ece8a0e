"""Examples in the contract: a model's JSON Schema carries them, and the docs, the generated
clients and the events catalogue show them (every request body has one: the ruleset asks)."""

from typing import Any

from pydantic import BaseModel, ConfigDict


def with_examples(*examples: dict[str, Any]) -> ConfigDict:
    """A model config whose JSON Schema carries these examples, in this order."""
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's first example (`with_examples` gave it one)."""
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict), f"{model.__name__} has no example"
    examples = extra["examples"]
    assert isinstance(examples, list)
    first = examples[0]
    assert isinstance(first, dict)
    return first
