"""Every endpoint of the API, checked for the rules every endpoint must keep.

401 without or with a bad, revoked or expired key; 403 without the scope; 404 for another
organization's object (and none of its data); 413 for an oversized body; 415 for a body that is
not JSON; 422 for invalid input and for a query parameter the operation does not declare; every
error as problem+json.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.core.auth import Scope
from app.models.base import utcnow
from tests.factories import Tenant
from tests.problems import assert_problem


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # `{id}` is replaced by an object of the path's kind
    scope: Scope
    body: dict[str, Any] | None = None
    kind: str | None = None  # what `{id}` is: member, customer, project, share_link…
    invalid: dict[str, Any] = field(default_factory=dict)
    text_field: str | None = "name"  # a free-text field of the body, for NUL and Unicode checks
    readable: bool = True  # whether GET on the same URL shows the object to its owner
    also: tuple[Scope, ...] = ()  # scopes the operation needs beside `scope`

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return (self.scope, *self.also)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ACTIVITY = {
    "name": "Data migration",
    "phase": "executing",
    "assignments": [
        {"member_id": "{member}", "role": "A"},
        {"member_id": "{member2}", "role": "R"},
    ],
}
ALLOCATION = {
    "member_id": "{member}",
    "start_date": "2027-01-04",
    "end_date": "2027-01-29",
    "percent": 50,
}
FEEDBACK = {"source": "customer", "category": "quality", "sentiment": "negative", "text": "Slow"}
KPI = {
    "name": "On time",
    "metric": "on_time_milestone_rate",
    "target_value": 0.9,
    "direction": "at_least",
    "due_date": "2030-06-30",
    "owner_id": "{member}",
}
COST = {
    "cost": {"amount": "100.00", "currency": "EUR"},
    "incurred_on": "2026-01-05",
    "description": "Travel",
}
DEAL = {
    "external_id": "D-1",
    "name": "Globex rollout",
    "customer": {"external_id": "C-1", "name": "Globex"},
    "amount": "1000.00",
    "currency": "EUR",
}
CONNECTION = {"provider": "generic", "name": "Script", "default_project_manager_id": "{member}"}
RISK = {"title": "R", "category": "schedule", "probability": 2, "impact": 3, "response": "accept"}
MEETING = {"kind": "sync", "starts_at": "2026-01-12T09:00:00Z"}
CADENCE = {"rule": "FREQ=WEEKLY;BYDAY=TU", "starts_at": "2027-01-12T09:00:00Z", "time_zone": "UTC"}
ACTION_ITEM = {"title": "T", "owner_id": "{member}"}
LESSON = {"title": "L", "what_happened": "W", "category": "technical", "outcome": "success"}
WINDOW = "from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z"

ENDPOINTS = [
    Endpoint("GET", "/v1/members", Scope.members_read),
    Endpoint(
        "POST",
        "/v1/members",
        Scope.members_write,
        body={"name": "N", "email": "n@example.com", "role": "sales"},
        invalid={"name": "N", "email": "not-an-email", "role": "sales"},
    ),
    Endpoint("GET", "/v1/members/{id}", Scope.members_read, kind="member"),
    Endpoint(
        "PATCH",
        "/v1/members/{id}",
        Scope.members_write,
        kind="member",
        body={"name": "M"},
        invalid={"weekly_capacity_hours": 500},
    ),
    Endpoint("DELETE", "/v1/members/{id}", Scope.members_write, kind="member"),
    Endpoint("GET", "/v1/customers", Scope.customers_read),
    Endpoint(
        "POST",
        "/v1/customers",
        Scope.customers_write,
        body={"name": "C"},
        invalid={"name": ""},
    ),
    Endpoint("GET", "/v1/customers/{id}", Scope.customers_read, kind="customer"),
    Endpoint(
        "PATCH",
        "/v1/customers/{id}",
        Scope.customers_write,
        kind="customer",
        body={"name": "D"},
        invalid={"website": "ftp://x"},
    ),
    Endpoint("DELETE", "/v1/customers/{id}", Scope.customers_write, kind="customer"),
    Endpoint("GET", "/v1/projects", Scope.projects_read),
    Endpoint(
        "POST",
        "/v1/projects",
        Scope.projects_write,
        body={"name": "P", "customer_id": "{customer}"},
        invalid={"name": "P", "customer_id": "not-a-uuid"},
    ),
    Endpoint("GET", "/v1/projects/{id}", Scope.projects_read, kind="project"),
    Endpoint(
        "PATCH",
        "/v1/projects/{id}",
        Scope.projects_write,
        kind="project",
        body={"name": "Q"},
        invalid={"budget": {"amount": "-1", "currency": "EUR"}},
    ),
    Endpoint("DELETE", "/v1/projects/{id}", Scope.projects_write, kind="project"),
    Endpoint("GET", "/v1/api-keys", Scope.admin),
    Endpoint(
        "POST",
        "/v1/api-keys",
        Scope.admin,
        body={"name": "k", "scopes": ["projects:read"]},
        invalid={"name": "k", "scopes": ["x"]},
    ),
    Endpoint("DELETE", "/v1/api-keys/{id}", Scope.admin, kind="api_key"),
    # The delivery workspace: everything under a project needs the projects scopes.
    Endpoint(
        "POST",
        "/v1/projects/{id}/transitions",
        Scope.projects_write,
        kind="project",
        body={"to_phase": "planning"},
        invalid={"to_phase": "dreaming"},
        text_field="note",
    ),
    Endpoint("GET", "/v1/projects/{id}/transitions", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/projects/{id}/handoff", Scope.projects_read, kind="project"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/customer-tasks",
        Scope.projects_write,
        kind="project",
        body={"title": "Send the user list"},
        invalid={"title": ""},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/customer-tasks", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/customer-tasks/{id}", Scope.projects_read, kind="customer_task"),
    Endpoint(
        "PATCH",
        "/v1/customer-tasks/{id}",
        Scope.projects_write,
        kind="customer_task",
        body={"title": "Send the user list"},
        invalid={"status": "maybe"},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/customer-tasks/{id}", Scope.projects_write, kind="customer_task"),
    Endpoint(
        "PUT",
        "/v1/projects/{id}/handoff",
        Scope.projects_write,
        kind="project",
        body={"goals": "Faster quotes"},
        invalid={"risks": "all of them"},
        text_field="goals",
    ),
    Endpoint("GET", "/v1/projects/{id}/handoff/history", Scope.projects_read, kind="project"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/handoff/return",
        Scope.projects_write,
        kind="project",
        body={"reason": "Which data centre?"},
        invalid={"reason": ""},
        text_field="reason",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/handoff/accept",
        Scope.projects_write,
        kind="project",
        body={"carry_risks": False},
        invalid={"carry_risks": "yes"},
        text_field=None,
        readable=False,
    ),
    Endpoint("GET", "/v1/projects/{id}/status", Scope.projects_read, kind="project"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/milestones",
        Scope.projects_write,
        kind="project",
        body={"name": "M", "due_date": "2030-01-01"},
        invalid={"name": "M", "due_date": "nope"},
    ),
    Endpoint("GET", "/v1/projects/{id}/milestones", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/projects/{id}/timeline", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/milestones/{id}", Scope.projects_read, kind="milestone"),
    Endpoint(
        "PATCH",
        "/v1/milestones/{id}",
        Scope.projects_write,
        kind="milestone",
        body={"name": "N"},
        invalid={"depends_on": None},
    ),
    Endpoint("DELETE", "/v1/milestones/{id}", Scope.projects_write, kind="milestone"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/risks",
        Scope.projects_write,
        kind="project",
        body=RISK,
        invalid={**RISK, "probability": 9},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/risks", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/risks", Scope.projects_read),
    Endpoint("GET", "/v1/risks/{id}", Scope.projects_read, kind="risk"),
    Endpoint(
        "PATCH",
        "/v1/risks/{id}",
        Scope.projects_write,
        kind="risk",
        body={"title": "T"},
        invalid={"impact": 0},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/risks/{id}", Scope.projects_write, kind="risk"),
    Endpoint("GET", "/v1/risks/{id}/history", Scope.projects_read, kind="risk"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/status-reports",
        Scope.projects_write,
        kind="project",
        body={"kind": "periodic"},
        invalid={"kind": "weekly"},
        text_field="summary",
    ),
    Endpoint("GET", "/v1/projects/{id}/status-reports", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/status-reports/{id}", Scope.projects_read, kind="status_report"),
    Endpoint(
        "PATCH",
        "/v1/status-reports/{id}",
        Scope.projects_write,
        kind="status_report",
        body={"summary": "S"},
        invalid={"kind": "weekly"},
        text_field="summary",
    ),
    Endpoint("DELETE", "/v1/status-reports/{id}", Scope.projects_write, kind="status_report"),
    Endpoint(
        "POST",
        "/v1/status-reports/{id}/publish",
        Scope.projects_write,
        kind="status_report",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/activities",
        Scope.projects_write,
        kind="project",
        body=ACTIVITY,
        invalid={**ACTIVITY, "assignments": []},
    ),
    Endpoint("GET", "/v1/projects/{id}/activities", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/activities/{id}", Scope.projects_read, kind="activity"),
    Endpoint(
        "PATCH",
        "/v1/activities/{id}",
        Scope.projects_write,
        kind="activity",
        body={"name": "Cutover"},
        invalid={"phase": "dreaming"},
    ),
    Endpoint("DELETE", "/v1/activities/{id}", Scope.projects_write, kind="activity"),
    Endpoint("GET", "/v1/projects/{id}/raci", Scope.projects_read, kind="project"),
    Endpoint(
        "PUT",
        "/v1/projects/{id}/raci",
        Scope.projects_write,
        kind="project",
        body={"activities": []},
        invalid={"activities": "all of them"},
        text_field=None,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/allocations",
        Scope.projects_write,
        kind="project",
        body=ALLOCATION,
        invalid={**ALLOCATION, "percent": 150},
        text_field=None,
    ),
    Endpoint("GET", "/v1/projects/{id}/allocations", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/members/{id}/allocations", Scope.projects_read, kind="member"),
    Endpoint("GET", "/v1/allocations/{id}", Scope.projects_read, kind="allocation"),
    Endpoint(
        "PATCH",
        "/v1/allocations/{id}",
        Scope.projects_write,
        kind="allocation",
        body={"percent": 40},
        invalid={"percent": 0},
        text_field=None,
    ),
    Endpoint("DELETE", "/v1/allocations/{id}", Scope.projects_write, kind="allocation"),
    Endpoint("GET", "/v1/allocation-conflicts?from=2027-01-01&to=2027-03-31", Scope.projects_read),
    Endpoint(
        "POST",
        "/v1/projects/{id}/feedback",
        Scope.projects_write,
        kind="project",
        body=FEEDBACK,
        invalid={**FEEDBACK, "sentiment": "angry"},
        text_field="text",
    ),
    Endpoint("GET", "/v1/projects/{id}/feedback", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/feedback/{id}", Scope.projects_read, kind="feedback"),
    Endpoint(
        "PATCH",
        "/v1/feedback/{id}",
        Scope.projects_write,
        kind="feedback",
        body={"text": "Better now"},
        invalid={"sentiment": "angry"},
        text_field="text",
    ),
    Endpoint("DELETE", "/v1/feedback/{id}", Scope.projects_write, kind="feedback"),
    Endpoint(
        "POST",
        "/v1/feedback/{id}/transitions",
        Scope.projects_write,
        kind="feedback",
        body={"to_status": "acknowledged", "member_id": "{member}"},
        invalid={"to_status": "shelved", "member_id": "{member}"},
        text_field="response_to_customer",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/survey-responses",
        Scope.projects_write,
        kind="project",
        body={"kind": "nps", "score": 9},
        invalid={"kind": "nps", "score": 11},
        text_field="comment",
    ),
    Endpoint("GET", "/v1/projects/{id}/survey-responses", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/projects/{id}/survey-summary", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/survey-responses/{id}", Scope.projects_read, kind="survey_response"),
    Endpoint("DELETE", "/v1/survey-responses/{id}", Scope.projects_write, kind="survey_response"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/kpis",
        Scope.projects_write,
        kind="project",
        body=KPI,
        invalid={**KPI, "direction": "sideways"},
    ),
    Endpoint("GET", "/v1/projects/{id}/kpis", Scope.projects_read, kind="project"),
    Endpoint(
        "POST", "/v1/kpis", Scope.projects_write, body=KPI, invalid={**KPI, "target_value": "x"}
    ),
    Endpoint("GET", "/v1/kpis", Scope.projects_read),
    Endpoint("GET", "/v1/kpis/{id}", Scope.projects_read, kind="kpi"),
    Endpoint(
        "PATCH",
        "/v1/kpis/{id}",
        Scope.projects_write,
        kind="kpi",
        body={"name": "Sooner"},
        invalid={"metric": "nps"},
    ),
    Endpoint("DELETE", "/v1/kpis/{id}", Scope.projects_write, kind="kpi"),
    Endpoint(
        "POST",
        "/v1/kpis/{id}/measurements",
        Scope.projects_write,
        kind="custom_kpi",
        body={"value": 3, "note": "March"},
        invalid={"value": "many"},
        text_field="note",
        readable=False,
    ),
    Endpoint("GET", "/v1/kpis/{id}/measurements", Scope.projects_read, kind="kpi"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/cost-entries",
        Scope.projects_write,
        kind="project",
        body=COST,
        invalid={**COST, "cost": {"amount": "-1.00", "currency": "EUR"}},
        text_field="description",
    ),
    Endpoint("GET", "/v1/projects/{id}/cost-entries", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/cost-entries/{id}", Scope.projects_read, kind="cost_entry"),
    Endpoint("DELETE", "/v1/cost-entries/{id}", Scope.projects_write, kind="cost_entry"),
    Endpoint("GET", "/v1/analytics/portfolio", Scope.analytics_read),
    Endpoint("GET", "/v1/analytics/time-to-value", Scope.analytics_read),
    Endpoint("GET", "/v1/analytics/members/{id}", Scope.analytics_read, kind="member"),
    Endpoint(
        "POST",
        "/v1/deals",
        Scope.deals_write,
        body=DEAL,
        invalid={**DEAL, "currency": "euro"},
    ),
    Endpoint("GET", "/v1/deals", Scope.deals_read),
    Endpoint("GET", "/v1/deals/{id}", Scope.deals_read, kind="deal"),
    Endpoint(
        "POST",
        "/v1/crm-connections",
        Scope.crm_write,
        body=CONNECTION,
        invalid={**CONNECTION, "provider": "zoho"},
    ),
    Endpoint("GET", "/v1/crm-connections", Scope.crm_read),
    Endpoint("GET", "/v1/crm-connections/{id}", Scope.crm_read, kind="crm_connection"),
    Endpoint(
        "PATCH",
        "/v1/crm-connections/{id}",
        Scope.crm_write,
        kind="crm_connection",
        body={"name": "Renamed"},
        invalid={"won_stages": "closedwon"},
    ),
    Endpoint("DELETE", "/v1/crm-connections/{id}", Scope.crm_write, kind="crm_connection"),
    Endpoint(
        "POST",
        "/v1/crm-connections/{id}/rotate-secret",
        Scope.crm_write,
        kind="crm_connection",
        body={"grace_period_seconds": 60},
        invalid={"grace_period_seconds": -1},
        text_field=None,
        readable=False,
    ),
    Endpoint(
        "GET",
        "/v1/crm-connections/{id}/inbound-requests",
        Scope.crm_read,
        kind="crm_connection",
    ),
    Endpoint("GET", "/v1/crm-connections/{id}/writebacks", Scope.crm_read, kind="crm_connection"),
    Endpoint(
        "POST",
        "/v1/project-templates",
        Scope.projects_write,
        body={"name": "T"},
        invalid={"name": "T", "kickoff_within_business_days": 0},
    ),
    Endpoint("GET", "/v1/project-templates", Scope.projects_read),
    Endpoint("GET", "/v1/project-templates/default", Scope.projects_read),
    Endpoint("GET", "/v1/project-templates/{id}", Scope.projects_read, kind="project_template"),
    Endpoint(
        "PATCH",
        "/v1/project-templates/{id}",
        Scope.projects_write,
        kind="project_template",
        body={"name": "U"},
        invalid={"milestones": [{"name": "M", "due_in_business_days": -1}]},
    ),
    Endpoint("DELETE", "/v1/project-templates/{id}", Scope.projects_write, kind="project_template"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/share-links",
        Scope.projects_write,
        kind="project",
        body={"label": "Steering committee", "expires_in_days": 30},
        invalid={"expires_in_days": 0},
        text_field="label",
    ),
    Endpoint("GET", "/v1/projects/{id}/share-links", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/share-links/{id}", Scope.projects_read, kind="share_link"),
    Endpoint("DELETE", "/v1/share-links/{id}", Scope.projects_write, kind="share_link"),
    Endpoint("GET", "/v1/projects/{id}/calendar.ics", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/members/{id}/calendar.ics", Scope.projects_read, kind="member"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/calendar-secret",
        Scope.projects_write,
        kind="project",
        readable=False,
    ),
    Endpoint(
        "DELETE",
        "/v1/projects/{id}/calendar-secret",
        Scope.projects_write,
        kind="project",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/members/{id}/calendar-secret",
        Scope.projects_write,
        kind="member",
        readable=False,
    ),
    Endpoint(
        "DELETE",
        "/v1/members/{id}/calendar-secret",
        Scope.projects_write,
        kind="member",
        readable=False,
    ),
    # The working rhythm: meetings, cadences, action items, change requests, lessons.
    Endpoint(
        "POST",
        "/v1/projects/{id}/meetings",
        Scope.projects_write,
        kind="project",
        body=MEETING,
        invalid={**MEETING, "kind": "party"},
        text_field="title",
        readable=False,  # the list needs a window (`from`, `to`)
    ),
    Endpoint("GET", f"/v1/projects/{{id}}/meetings?{WINDOW}", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/meetings/{id}", Scope.projects_read, kind="meeting"),
    Endpoint(
        "PATCH",
        "/v1/meetings/{id}",
        Scope.projects_write,
        kind="meeting",
        body={"title": "Sync"},
        invalid={"duration_minutes": 0},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/meetings/{id}", Scope.projects_write, kind="meeting"),
    Endpoint(
        "POST",
        "/v1/meetings/{id}/hold",
        Scope.projects_write,
        kind="meeting",
        body={"notes": "N"},
        invalid={"held_at": "yesterday"},
        text_field="notes",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/cadences",
        Scope.projects_write,
        kind="project",
        body=CADENCE,
        invalid={**CADENCE, "rule": ""},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/cadences", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/cadences/{id}", Scope.projects_read, kind="cadence"),
    Endpoint(
        "PATCH",
        "/v1/cadences/{id}",
        Scope.projects_write,
        kind="cadence",
        body={"title": "Weekly"},
        invalid={"duration_minutes": 0},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/cadences/{id}", Scope.projects_write, kind="cadence"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/action-items",
        Scope.projects_write,
        kind="project",
        body=ACTION_ITEM,
        invalid={**ACTION_ITEM, "owner_id": "nobody"},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/action-items", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/members/{id}/action-items", Scope.projects_read, kind="member"),
    Endpoint("GET", "/v1/action-items/{id}", Scope.projects_read, kind="action_item"),
    Endpoint(
        "PATCH",
        "/v1/action-items/{id}",
        Scope.projects_write,
        kind="action_item",
        body={"title": "U"},
        invalid={"status": "maybe"},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/action-items/{id}", Scope.projects_write, kind="action_item"),
    Endpoint(
        "POST",
        "/v1/projects/{id}/change-requests",
        Scope.projects_write,
        kind="project",
        body={"title": "C"},
        invalid={"title": ""},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/change-requests", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/projects/{id}/baseline", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/change-requests/{id}", Scope.projects_read, kind="change_request"),
    Endpoint(
        "PATCH",
        "/v1/change-requests/{id}",
        Scope.projects_write,
        kind="change_request",
        body={"title": "D"},
        invalid={"raised_by_id": "nobody"},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/change-requests/{id}", Scope.projects_write, kind="change_request"),
    Endpoint(
        "POST",
        "/v1/change-requests/{id}/transitions",
        Scope.projects_write,
        kind="change_request",
        body={"to_status": "submitted", "member_id": "{member}"},
        invalid={"to_status": "shipped", "member_id": "{member}"},
        text_field="note",
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/projects/{id}/lessons",
        Scope.projects_write,
        kind="project",
        body=LESSON,
        invalid={**LESSON, "outcome": "meh"},
        text_field="title",
    ),
    Endpoint("GET", "/v1/projects/{id}/lessons", Scope.projects_read, kind="project"),
    Endpoint("GET", "/v1/lessons?q=migration", Scope.projects_read),
    Endpoint("GET", "/v1/lessons", Scope.projects_read),
    Endpoint("GET", "/v1/events", Scope.events_read),
    Endpoint("GET", "/v1/lessons/{id}", Scope.projects_read, kind="lesson"),
    Endpoint(
        "PATCH",
        "/v1/lessons/{id}",
        Scope.projects_write,
        kind="lesson",
        body={"title": "M"},
        invalid={"tags": ["x" * 51]},
        text_field="title",
    ),
    Endpoint("DELETE", "/v1/lessons/{id}", Scope.projects_write, kind="lesson"),
    Endpoint("GET", "/v1/customers/{id}/overview", Scope.projects_read, kind="customer"),
    Endpoint("GET", "/v1/events", Scope.events_read),
    Endpoint("GET", "/v1/events/{id}", Scope.events_read, kind="event"),
    Endpoint("GET", "/v1/event-types", Scope.events_read),
    Endpoint("GET", "/v1/organization", Scope.admin),
    Endpoint(
        "PATCH",
        "/v1/organization",
        Scope.admin,
        body={"risk_alert_threshold": 12},
        invalid={"risk_alert_threshold": 26},
        text_field=None,
    ),
    Endpoint("GET", "/v1/webhook-endpoints", Scope.webhooks_read),
    Endpoint(
        "POST",
        "/v1/webhook-endpoints",
        Scope.webhooks_write,
        also=(Scope.events_read,),
        body={"url": "https://93.184.216.34/hooks"},
        invalid={"url": "https://10.0.0.1/hooks"},
        text_field="description",
    ),
    Endpoint("GET", "/v1/webhook-endpoints/{id}", Scope.webhooks_read, kind="webhook_endpoint"),
    Endpoint(
        "PATCH",
        "/v1/webhook-endpoints/{id}",
        Scope.webhooks_write,
        also=(Scope.events_read,),
        kind="webhook_endpoint",
        body={"description": "D"},
        invalid={"event_types": ["risk.*"]},
        text_field="description",
    ),
    Endpoint("DELETE", "/v1/webhook-endpoints/{id}", Scope.webhooks_write, kind="webhook_endpoint"),
    Endpoint(
        "POST",
        "/v1/webhook-endpoints/{id}/rotate-secret",
        Scope.webhooks_write,
        kind="webhook_endpoint",
        body={"grace_period_seconds": 60},
        invalid={"grace_period_seconds": -1},
        text_field=None,
        readable=False,
    ),
    Endpoint(
        "POST",
        "/v1/webhook-endpoints/{id}/test",
        Scope.webhooks_write,
        kind="webhook_endpoint",
        readable=False,
    ),
    Endpoint(
        "GET",
        "/v1/webhook-endpoints/{id}/deliveries",
        Scope.webhooks_read,
        kind="webhook_endpoint",
    ),
    Endpoint(
        "POST",
        "/v1/webhook-endpoints/{id}/recover",
        Scope.webhooks_write,
        kind="webhook_endpoint",
        body={"since": "2020-01-01T00:00:00Z"},
        invalid={"since": "2020-01-01T00:00:00"},
        text_field=None,
        readable=False,
    ),
    Endpoint("GET", "/v1/webhook-deliveries/{id}", Scope.webhooks_read, kind="webhook_delivery"),
    Endpoint(
        "GET",
        "/v1/webhook-deliveries/{id}/attempts",
        Scope.webhooks_read,
        kind="webhook_delivery",
    ),
    Endpoint(
        "POST",
        "/v1/webhook-deliveries/{id}/retry",
        Scope.webhooks_write,
        kind="webhook_delivery",
        readable=False,
    ),
]
BODY_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.body is not None]
LIST_ENDPOINTS = [e for e in ENDPOINTS if e.method == "GET" and "?" not in e.path]
ID_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.kind is not None]


async def _created_under_a_project(tenant: Tenant, path: str, body: dict[str, Any]) -> str:
    project = await tenant.project()
    response = await tenant.post(f"/v1/projects/{project['id']}/{path}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _object_id(tenant: Tenant, kind: str) -> str:
    if kind == "milestone":
        return await _created_under_a_project(
            tenant, "milestones", {"name": "M", "due_date": "2030-01-01"}
        )
    if kind == "risk":
        return await _created_under_a_project(tenant, "risks", RISK)
    if kind == "activity":
        return await _created_under_a_project(tenant, "activities", await _fill(tenant, ACTIVITY))
    if kind == "allocation":
        allocation = await _fill(tenant, ALLOCATION)
        return await _created_under_a_project(tenant, "allocations", allocation)
    if kind == "status_report":
        return await _created_under_a_project(tenant, "status-reports", {"kind": "periodic"})
    if kind == "feedback":
        return await _created_under_a_project(tenant, "feedback", FEEDBACK)
    if kind == "survey_response":
        return await _created_under_a_project(
            tenant, "survey-responses", {"kind": "csat", "score": 4}
        )
    if kind == "kpi":
        return await _created_under_a_project(tenant, "kpis", await _fill(tenant, KPI))
    if kind == "custom_kpi":
        custom = {**KPI, "metric": "custom", "owner_id": None}
        return await _created_under_a_project(tenant, "kpis", custom)
    if kind == "cost_entry":
        return await _created_under_a_project(tenant, "cost-entries", COST)
    if kind == "share_link":
        return await _created_under_a_project(tenant, "share-links", {})
    if kind == "meeting":
        return await _created_under_a_project(tenant, "meetings", MEETING)
    if kind == "cadence":
        return await _created_under_a_project(tenant, "cadences", CADENCE)
    if kind == "action_item":
        item = await _fill(tenant, ACTION_ITEM)
        return await _created_under_a_project(tenant, "action-items", item)
    if kind == "change_request":
        return await _created_under_a_project(tenant, "change-requests", {"title": "C"})
    if kind == "customer_task":
        return await _created_under_a_project(tenant, "customer-tasks", {"title": "T"})
    if kind == "lesson":
        return await _created_under_a_project(tenant, "lessons", LESSON)
    if kind == "event":
        project = await tenant.project()
        events = await tenant.get("/v1/events", params={"project_id": project["id"]})
        return str(events.json()["items"][0]["id"])
    if kind == "webhook_endpoint":
        response = await tenant.post(
            "/v1/webhook-endpoints", json={"url": "https://93.184.216.34/hooks"}
        )
        return str(response.json()["id"])
    if kind == "webhook_delivery":
        endpoint_id = await _object_id(tenant, "webhook_endpoint")
        response = await tenant.post(f"/v1/webhook-endpoints/{endpoint_id}/test")
        return str(response.json()["delivery_id"])
    if kind == "deal":
        response = await tenant.post("/v1/deals", json=DEAL)
        return str(response.json()["deal"]["id"])
    if kind == "crm_connection":
        response = await tenant.post("/v1/crm-connections", json=await _fill(tenant, CONNECTION))
        return str(response.json()["id"])
    if kind == "project_template":
        response = await tenant.post("/v1/project-templates", json={"name": "T"})
        return str(response.json()["id"])
    if kind == "member":
        return str((await tenant.member())["id"])
    if kind == "customer":
        return str((await tenant.customer())["id"])
    if kind == "project":
        return str((await tenant.project())["id"])
    response = await tenant.post("/v1/api-keys", json={"name": "x", "scopes": ["admin"]})
    return str(response.json()["id"])


async def _url_and_body(tenant: Tenant, endpoint: Endpoint) -> tuple[str, Any]:
    url = endpoint.path
    if endpoint.kind is not None:
        url = url.replace("{id}", await _object_id(tenant, endpoint.kind))
    return url, None if endpoint.body is None else await _fill(tenant, endpoint.body)


async def _fill(tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    """The body with `{customer}`, `{member}`, `{member2}` replaced by new objects' ids."""
    text = json.dumps(body)
    if "{customer}" in text:
        text = text.replace("{customer}", (await tenant.customer())["id"])
    for placeholder in ("{member}", "{member2}"):
        if placeholder in text:
            text = text.replace(placeholder, (await tenant.member())["id"])
    filled: dict[str, Any] = json.loads(text)
    return filled


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_refuses_callers_without_a_usable_key(tenant: Tenant, endpoint: Endpoint) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    revoked = await tenant.key_with(Scope.admin)
    revoke = await tenant.delete(f"/v1/api-keys/{await _key_id(tenant, revoked)}")
    assert revoke.status_code == 204
    expired = await tenant.key_with(Scope.admin, expires_at=utcnow() + timedelta(seconds=1))
    await _expire(tenant, expired)
    attempts: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer hk_live_not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        tenant.headers(revoked),
        tenant.headers(expired),
    ]
    for headers in attempts:
        response = await tenant.client.request(endpoint.method, url, json=body, headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def _key_id(tenant: Tenant, secret: str) -> str:
    keys = (await tenant.get("/v1/api-keys", params={"limit": 200})).json()["items"]
    return next(key["id"] for key in keys if secret.startswith(key["display_prefix"]))


async def _expire(tenant: Tenant, secret: str) -> None:
    from sqlalchemy import update

    from app.core.auth import hash_key
    from app.models import ApiKey

    async with tenant.database.transaction() as session:
        await session.exec(
            update(ApiKey)
            .where(ApiKey.key_hash == hash_key(secret))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_refuses_keys_without_the_scope(tenant: Tenant, endpoint: Endpoint) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    for lacking in endpoint.scopes:  # every scope the operation names is needed
        others = [scope for scope in Scope if scope not in (lacking, Scope.admin)]
        key = await tenant.key_with(*others)
        response = await tenant.client.request(
            endpoint.method, url, json=body, headers=tenant.headers(key)
        )
        assert_problem(response, 403)
        assert lacking.value in response.json()["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_contract_names_the_scopes_an_operation_needs(app: FastAPI, endpoint: Endpoint) -> None:
    """One requirement listing them all: two would read as alternatives."""
    path = re.sub(r"\{id\}", "{x}", endpoint.path.split("?")[0])
    for served, item in app.openapi()["paths"].items():
        if re.sub(r"\{[a-z_]+\}", "{x}", served) == path and endpoint.method.lower() in item:
            security = item[endpoint.method.lower()]["security"]
            assert security == [{"ApiKey": [scope.value for scope in endpoint.scopes]}]
            return
    pytest.fail(f"{endpoint} is not served")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_the_scope_alone_is_enough(tenant: Tenant, endpoint: Endpoint) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    key = await tenant.key_with(*endpoint.scopes)
    response = await tenant.client.request(
        endpoint.method, url, json=body, headers=tenant.headers(key)
    )
    assert response.status_code in (200, 201, 202, 204), response.text


@pytest.mark.parametrize("endpoint", ID_ENDPOINTS, ids=str)
async def test_another_organizations_object_is_not_found(
    tenant: Tenant, other_tenant: Tenant, endpoint: Endpoint
) -> None:
    url, body = await _url_and_body(other_tenant, endpoint)
    response = await tenant.request(endpoint.method, url, json=body)
    assert_problem(response, 404)
    assert url.rsplit("/", 1)[1] not in response.json().get("detail", "")
    # …and it is untouched for its owner.
    if endpoint.kind != "api_key" and endpoint.readable:
        assert (await other_tenant.get(url)).status_code == 200


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
async def test_invalid_input_is_a_field_problem(tenant: Tenant, endpoint: Endpoint) -> None:
    url, _ = await _url_and_body(tenant, endpoint)
    response = await tenant.request(endpoint.method, url, json=endpoint.invalid)
    assert_problem(response, 422)
    assert response.json()["errors"], "field problems are listed"


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
async def test_unknown_or_server_owned_fields_are_refused(
    tenant: Tenant, endpoint: Endpoint
) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    for extra in (
        {"colour": "blue"},
        {"id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b"},
        {"version": 7},
        {"created_at": "2026-01-01T00:00:00Z"},
    ):
        response = await tenant.request(endpoint.method, url, json={**body, **extra})
        assert_problem(response, 422)
        assert response.json()["errors"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
async def test_oversized_body_is_413(tenant: Tenant, endpoint: Endpoint) -> None:
    url, _ = await _url_and_body(tenant, endpoint)
    huge = json.dumps({"name": "x" * (65 * 1024)})
    response = await tenant.request(
        endpoint.method, url, content=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
async def test_body_that_is_not_json_is_415(tenant: Tenant, endpoint: Endpoint) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await tenant.request(
            endpoint.method, url, content=json.dumps(body).encode(), headers=headers
        )
        assert_problem(response, 415)


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
async def test_malformed_json_invalid_utf8_and_nul_are_422(
    tenant: Tenant, endpoint: Endpoint
) -> None:
    url, body = await _url_and_body(tenant, endpoint)
    headers = {"Content-Type": "application/json"}
    too_deep = b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}"  # deeper than Python's stack
    for raw in (b'{"name": "unterminated', b'{"name": "\xff\xfe broken utf-8"}', too_deep):
        problem = assert_problem(
            await tenant.request(endpoint.method, url, content=raw, headers=headers), 422
        )
        assert [error["type"] for error in problem["errors"]] == ["json_invalid"]
    if endpoint.text_field is None:
        return
    for text in ("nul \u0000 inside", "lone \ud800 surrogate"):
        raw = json.dumps({**body, endpoint.text_field: text}).encode()
        response = await tenant.request(endpoint.method, url, content=raw, headers=headers)
        problem = assert_problem(response, 422)
        assert [error["loc"][-1] for error in problem["errors"]] == [endpoint.text_field]


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_an_undeclared_query_parameter_is_a_422_naming_it(
    tenant: Tenant, endpoint: Endpoint
) -> None:
    """The request is otherwise one the operation takes (`test_the_scope_alone_is_enough`)."""
    url, body = await _url_and_body(tenant, endpoint)
    response = await tenant.request(endpoint.method, _with_query(url, "colour=blue"), json=body)
    problem = assert_problem(response, 422, "validation")
    assert [(error["loc"], error["type"]) for error in problem["errors"]] == [
        (["query", "colour"], "extra_forbidden")
    ]
    assert "colour" in problem["errors"][0]["message"]


# Operations whose URL is pasted into other people's programs, which add parameters of their own
# (app/calendars/routes.py `SubscribedFeedRoute`, app/share/pages.py `SharePageRoute`).
IGNORE_UNDECLARED_QUERY = ("/calendars/", "/share/")


def _any_url(route: APIRoute) -> str:
    """The route's path with a value in each parameter: the query is checked before they are."""
    values = {"provider": "generic"}
    return re.sub(
        r"{(\w+)}", lambda found: values.get(found[1], str(uuid.uuid4())), route.path_format
    )


async def test_every_operation_refuses_an_undeclared_query_parameter_but_pasted_urls(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Every operation the app serves, the ones above and any added since: 422 before anything
    else, without a key or an object; the exempt ones answer as if it were not there."""
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    assert len(routes) > len(ENDPOINTS)
    for route in routes:
        (method,) = route.methods
        url = _any_url(route)
        response = await client.request(method, _with_query(url, "colour=blue"))
        if route.path.startswith(IGNORE_UNDECLARED_QUERY):
            plain = await client.request(method, url)
            assert response.status_code == plain.status_code, url
            continue
        problem = assert_problem(response, 422, "validation")
        assert [error["loc"] for error in problem["errors"]] == [["query", "colour"]], url


def _synced_operations(app: FastAPI) -> set[str]:
    """The GET operations of the contract that filter by a "changed since" moment."""
    return {
        path
        for path, operations in app.openapi()["paths"].items()
        if any(
            parameter["name"] in ("updated_since", "since")
            for parameter in operations.get("get", {}).get("parameters", [])
        )
    }


def test_every_list_that_filters_by_changes_takes_a_sync_token(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    synced = _synced_operations(app)
    assert "/v1/events" in synced
    for path in synced:
        names = {parameter["name"] for parameter in paths[path]["get"]["parameters"]}
        assert "sync_token" in names, path
        page = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        schema = app.openapi()["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
        assert {"deleted", "next_sync_token"} <= schema["properties"].keys(), path


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=str)
async def test_a_synced_lists_last_page_gives_a_token_for_it_alone(
    tenant: Tenant, endpoint: Endpoint
) -> None:
    """Each list whose body has `next_sync_token`: its last page gives one, which it takes back
    (nothing new: no items), and which another list refuses with a 400."""
    url, _ = await _url_and_body(tenant, endpoint)
    listed = await tenant.get(url)  # a fresh tenant's lists fit on their first page
    assert listed.status_code == 200, listed.text
    is_json = listed.headers["content-type"].startswith("application/json")
    if not is_json or "next_sync_token" not in listed.json():
        return  # not a list PM tools sync
    token = listed.json()["next_sync_token"]
    assert token is not None
    again = await tenant.get(url, params={"sync_token": token})
    assert again.status_code == 200, again.text
    assert again.json()["items"] == []
    elsewhere = "/v1/members" if not url.startswith("/v1/members") else "/v1/customers"
    refused = await tenant.get(elsewhere, params={"sync_token": token})
    assert_problem(refused, 400, "invalid-sync-token")
