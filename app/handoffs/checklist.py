"""The brief's checklist: its items as values, and which required ones are still empty."""

from typing import Any

from app.handoffs.schemas import STAKEHOLDER_ROLES, HandoffItem
from app.models import HandoffBrief

TEXT_ITEMS = ("sold", "goals", "success_criteria", "promises", "notes")


def items_of(brief: HandoffBrief) -> dict[str, Any]:
    """The brief's checklist items as JSON: what a version keeps and what "filled" means."""
    return {
        **{name: getattr(brief, name) for name in TEXT_ITEMS},
        "risks": brief.risks,
        "stakeholders": brief.stakeholders,
        "constraints": brief.constraints,
    }


def _is_filled(brief: HandoffBrief, item: HandoffItem) -> bool:
    if item in STAKEHOLDER_ROLES:
        return bool(brief.stakeholders.get(item.value))
    if item is HandoffItem.constraints:
        return any(brief.constraints.values())
    if item is HandoffItem.risks:
        return bool(brief.risks)
    value = getattr(brief, item.value)
    return bool(value and value.strip())


def missing_items(brief: HandoffBrief) -> list[HandoffItem]:
    """Required items still empty, in checklist order."""
    required = set(brief.required_items)
    return [item for item in HandoffItem if item in required and not _is_filled(brief, item)]


def item_values(brief: HandoffBrief) -> dict[HandoffItem, Any]:
    values: dict[HandoffItem, Any] = {
        HandoffItem(name): getattr(brief, name) for name in TEXT_ITEMS
    }
    values[HandoffItem.risks] = brief.risks
    values[HandoffItem.constraints] = brief.constraints
    for role in STAKEHOLDER_ROLES:
        values[role] = brief.stakeholders.get(role.value)
    return values
