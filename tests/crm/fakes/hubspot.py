"""A local HubSpot: CRM v3 objects (batch read, get, search), v4 associations, owners, account;
what it takes in (properties, deal updates, notes) is in `hubspot_writes`.

Base URL like https://api.hubapi.com; a private-app token as `Authorization: Bearer <token>`.
Where each shape comes from:

- Objects: the models hubspot-api-client 12 generates from HubSpot's OpenAPI specs
  (`hubspot.crm.objects.models`: `SimplePublicObject`, `BatchResponseSimplePublicObject` and its
  `...WithErrors` twin, `StandardError`,
  `CollectionResponseWithTotalSimplePublicObjectForwardPaging`) and the reference pages "Read a
  batch of objects" and "Search the CRM". A batch read naming ids that do not exist answers 207
  with one `OBJECT_NOT_FOUND` error listing them in `context.ids`, worded as HubSpot words it.
  More than 100 inputs is a 400.
- Properties are strings. Requested but unset ones are null and unknown ones left out; `createdate`,
  `hs_object_id` and the last-modified property (`lastmodifieddate` for contacts,
  `hs_lastmodifieddate` otherwise) always come back; without `properties`, the defaults of the
  search guide's table. Date-times print like Java's `Instant.toString()`, as HubSpot's do
  (`2026-12-05T10:00:00Z`, `2026-12-05T10:00:00.120Z`).
- `GET .../deals/{id}?associations=companies`: `{"companies": {"results": [{"id", "type"}]}}`, the
  primary company twice (`deal_to_company`, `deal_to_company_unlabeled`), keys without associations
  left out. A missing numeric id is 404 "resource not found" without a category; a non-numeric one
  "Object not found.  objectId are usually numeric." (both as captured from the live API).
- v4 `batch/read`: `BatchResponsePublicAssociationMultiWithLabel` (`hubspot.crm.associations.v4`);
  type ids from `hubspot.crm.association_type` (deal→company 5 primary and 341, deal→contact 3,
  deal→line item 19, and their inverses). An id without associations is a 207 error
  `crm.associations.NO_ASSOCIATIONS_FOUND`. `toObjectId` is a JSON number, as the live API sends it
  (the spec types it as a string): `association_ids_as_strings = True` gives the other reading.
  Each result pages on its own, as the reference "Retrieve associations" says: more associations
  than `association_page_size` give that result `paging.next.after`, which the next request
  passes beside the id (`{"id", "after"}`, `PublicFetchAssociationsBatchRequest`); `paging` is
  absent on the last page. HubSpot states no page size for the batch read: the default is the
  1,000 of the v4 association list ("Limit 1000 per call").
- Deals' calculated `hs_is_closed`, `hs_is_closed_won` and `hs_is_closed_lost` follow the stage's
  probability in its pipeline (the Pipelines guide: 1.0 is closed won, 0.0 closed lost); the
  default pipeline has HubSpot's default stages, `add_deal_pipeline` adds others.
- Owners: `PublicOwner` and `CollectionResponsePublicOwnerForwardPaging` (`hubspot.crm.owners`).
- Account: "Retrieve account details", `GET /account-info/v3/details`.
- Errors follow the `Error` model (`status`, `message`, `correlationId`, `category`), with the
  correlation id also in `X-HubSpot-Correlation-Id`; 401 is `INVALID_AUTHENTICATION` in HubSpot's
  words; 429 is the usage guidelines' body (`errorType: RATE_LIMIT`, `policyName`). Every answer
  carries the `X-HubSpot-RateLimit-*` headers of a private-app token (daily, 10-second interval,
  secondly), which the guidelines and HubSpot's own recorded responses show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo

from tests.crm.fakes import hubspot_search as search
from tests.crm.fakes.hubspot_objects import (
    ASSOCIATION_KINDS,
    ASSOCIATIONS_BATCH_MAX,
    ASSOCIATIONS_PAGE_DEFAULT,
    BATCH_READ_MAX,
    DEFAULT_DEAL_STAGES,
    HUBSPOT_DEFINED,
    OBJECT_TYPES,
    OWNERS_LIMIT_DEFAULT,
    OWNERS_LIMIT_MAX,
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    SEARCH_RESULTS_MAX,
    AssociationKind,
    ObjectType,
    Record,
    after_offset,
    after_token,
    closed_flags,
    id_order,
    instant,
    kind_of,
    no_associations_error,
    not_found_error,
    number_id,
    property_text,
    render,
)
from tests.crm.fakes.hubspot_writes import HubSpotWrites
from tests.crm.fakes.server import Endpoint, FakeCRM, RecordedCall, Reply


class HubSpotFake(HubSpotWrites, FakeCRM):
    media_type = "application/json;charset=utf-8"
    nominal_limit = (100, 10.0)  # a private app on Free/Starter: 100 requests per 10 seconds

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.company_currency = "USD"
        self.additional_currencies: list[str] = []
        self.portal_id = 62515
        self.time_zone = "US/Eastern"
        self.daily_limit = 250_000
        self.rate_limit_policy = "TEN_SECONDLY_ROLLING"
        self.association_ids_as_strings = False
        self.association_page_size = ASSOCIATIONS_PAGE_DEFAULT
        self.deal_pipelines: dict[str, dict[str, float]] = {"default": dict(DEFAULT_DEAL_STAGES)}
        self._objects: dict[str, dict[str, Record]] = {name: {} for name in OBJECT_TYPES}
        self._deal_links: dict[str, dict[str, list[str]]] = {}
        self._owners: dict[str, dict[str, Any]] = {}
        self.init_writes()

    # -- state helpers --------------------------------------------------------------------------

    def add_owner(
        self,
        owner_id: str | int,
        email: str,
        first: str,
        last: str,
        user_id: int | None = None,
        teams: Sequence[tuple[str, str, bool]] = (),
        archived: bool = False,
    ) -> None:
        """An owner; `user_id` defaults to a number distinct from the owner id, as in HubSpot."""
        with self.lock:
            moment = instant(self.now())
            user = user_id if user_id is not None else 9_000_000 + len(self._owners) + 1
            owner: dict[str, Any] = {
                "id": str(owner_id),
                "email": email,
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": user,
                "userIdIncludingInactive": user,
                "createdAt": moment,
                "updatedAt": moment,
                "archived": archived,
            }
            if teams:
                owner["teams"] = [{"id": t, "name": n, "primary": p} for t, n, p in teams]
            self._owners[str(owner_id)] = owner

    def add_deal_pipeline(self, pipeline_id: str, stages: Mapping[str, float]) -> None:
        """A deal pipeline: its stage ids and each one's probability (1.0 closed won, 0.0 closed
        lost, as HubSpot's pipelines take them)."""
        with self.lock:
            self.deal_pipelines[pipeline_id] = dict(stages)

    def add_company(
        self, company_id: str | int, name: str, domain: str | None, **more: Any
    ) -> None:
        self._add("companies", company_id, {"name": name, "domain": domain, **more})

    def add_contact(
        self,
        contact_id: str | int,
        first: str,
        last: str,
        email: str | None,
        jobtitle: str | None = None,
        **more: Any,
    ) -> None:
        props = {"firstname": first, "lastname": last, "email": email, "jobtitle": jobtitle}
        self._add("contacts", contact_id, {**props, **more})

    def add_line_item(
        self,
        line_item_id: str | int,
        name: str,
        quantity: float | str,
        price: float | str | Decimal,
        sku: str | None = None,
        **more: Any,
    ) -> None:
        """A line item; `amount` is quantity × price, as HubSpot calculates it."""
        amount = Decimal(str(quantity)) * Decimal(str(price))
        props = {"name": name, "quantity": quantity, "price": price, "hs_sku": sku}
        self._add("line_items", line_item_id, {**props, "amount": amount.normalize(), **more})

    def add_deal(
        self,
        deal_id: str | int,
        dealname: str,
        amount: float | str | Decimal | None,
        dealstage: str = "closedwon",
        closedate: datetime | date | str | None = None,
        hubspot_owner_id: str | int | None = None,
        description: str | None = None,
        deal_currency_code: str | None = None,
        pipeline: str = "default",
        companies: Iterable[str | int] = (),
        contacts: Iterable[str | int] = (),
        line_items: Iterable[str | int] = (),
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        **more: Any,
    ) -> None:
        """A deal and its associations; the first company is the primary one. `closedate`
        defaults to the creation time; the `hs_is_closed*` flags follow the stage's probability in
        `pipeline`."""
        with self.lock:
            props = {
                "dealname": dealname,
                "amount": amount,
                "dealstage": dealstage,
                "pipeline": pipeline,
                "closedate": closedate or created_at or self.now(),
                "hubspot_owner_id": hubspot_owner_id,
                "description": description,
                "deal_currency_code": deal_currency_code,
                **self._closed_flags(pipeline, dealstage),
                **more,
            }
            self._add("deals", deal_id, props, created_at, updated_at)
            self._deal_links[str(deal_id)] = {
                "companies": [str(i) for i in companies],
                "contacts": [str(i) for i in contacts],
                "line_items": [str(i) for i in line_items],
            }

    def add_object(
        self,
        object_type: str,
        object_id: str | int,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        **properties: Any,
    ) -> None:
        """Any object of a supported type, properties as given (values become strings)."""
        self._add(object_type, object_id, properties, created_at, updated_at)

    def _add(
        self,
        object_type: str,
        object_id: str | int,
        properties: Mapping[str, Any],
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> None:
        kind = OBJECT_TYPES[object_type]
        with self.lock:
            created = created_at or self.now()
            updated = updated_at or created
            props = {name: property_text(value) for name, value in properties.items()}
            props |= {
                "createdate": instant(created),
                "hs_object_id": str(object_id),
                kind.modified: instant(updated),
            }
            self._objects[kind.name][str(object_id)] = Record(
                str(object_id), props, created, updated
            )

    def update_deal(self, deal_id: str | int, **properties: Any) -> None:
        """Changes properties (or `companies` / `contacts` / `line_items`) and bumps
        `hs_lastmodifieddate`."""
        with self.lock:
            links = self._deal_links.setdefault(str(deal_id), {})
            for name in ("companies", "contacts", "line_items"):
                if name in properties:
                    links[name] = [str(i) for i in properties.pop(name)]
            self.update_object("deals", deal_id, **properties)

    def update_object(self, object_type: str, object_id: str | int, **properties: Any) -> None:
        kind = OBJECT_TYPES[object_type]
        with self.lock:
            record = self._objects[kind.name][str(object_id)]
            record.properties |= {name: property_text(v) for name, v in properties.items()}
            if kind.name == "deals" and {"dealstage", "pipeline"} & properties.keys():
                flags = self._closed_flags(
                    record.properties.get("pipeline"), record.properties.get("dealstage")
                )
                record.properties |= {k: v for k, v in flags.items() if k not in properties}
            record.updated_at = max(self.now(), record.updated_at + timedelta(milliseconds=1))
            record.properties[kind.modified] = instant(record.updated_at)

    # -- the harness's hooks ----------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("POST", "/crm/v3/objects/{object_type}/batch/read", self._batch_read),
            Endpoint("POST", "/crm/v3/objects/{object_type}/search", self._search),
            Endpoint("GET", "/crm/v3/objects/{object_type}/{object_id}", self._get_object),
            Endpoint("POST", "/crm/v4/associations/{from_type}/{to_type}/batch/read", self._links),
            Endpoint("GET", "/crm/v3/owners", self._list_owners),
            Endpoint("GET", "/crm/v3/owners/", self._list_owners),
            Endpoint("GET", "/crm/v3/owners/{owner_id}", self._get_owner),
            Endpoint("GET", "/account-info/v3/details", self._account_details),
            *self.write_endpoints(),
        ]

    def authorized(self, call: RecordedCall) -> bool:
        return call.headers.get("authorization") == f"Bearer {self.token}"

    def unauthorized(self) -> Reply:
        return self._error(
            401,
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and"
            " you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "INVALID_AUTHENTICATION",
        )

    def rate_limited(self) -> Reply:
        correlation = str(uuid.uuid4())
        body = {
            "status": "error",
            "message": f"You have reached your {self.rate_limit_policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": correlation,
            "policyName": self.rate_limit_policy,
            "requestId": str(uuid.uuid4()),
        }
        return Reply(429, body, {"X-HubSpot-Correlation-Id": correlation})

    def failure(self, status: int) -> Reply:
        messages = {500: "internal error", 404: "resource not found", 504: "gateway timeout"}
        categories = {400: "VALIDATION_ERROR", 403: "MISSING_SCOPES", 409: "CONFLICT"}
        message = messages.get(status) or HTTPStatus(status).phrase
        return self._error(status, message, categories.get(status))

    def not_found(self, call: RecordedCall) -> Reply:
        return self._error(404, "resource not found")

    def rate_limit_headers(
        self, limit: int, remaining: int, window: float, reset_seconds: float
    ) -> dict[str, str]:
        secondly = max(int(limit / window), 1)
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(
                max(self.daily_limit - self.admitted_total, 0)
            ),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(window * 1000)),
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(secondly - self.admitted_within(1.0), 0)
            ),
            "X-HubSpot-Correlation-Id": str(uuid.uuid4()),
        }

    # -- endpoints --------------------------------------------------------------------------------

    def _batch_read(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        kind = kind_of(params["object_type"])
        body = call.body
        if kind is None:
            return self._unknown_type(params["object_type"])
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            return self._error(400, "Invalid input JSON: `inputs` is required", "VALIDATION_ERROR")
        if len(body["inputs"]) > BATCH_READ_MAX:
            return self._too_many(len(body["inputs"]), BATCH_READ_MAX)
        started = self.now()
        wanted, history = body.get("properties") or [], body.get("propertiesWithHistory") or []
        results, missing = [], []
        for key in dict.fromkeys(str(item.get("id")) for item in body["inputs"]):
            record = self._find(kind, key, body.get("idProperty"))
            if record is None:
                missing.append(key)
            else:
                results.append(render(kind, record, wanted, history))
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [not_found_error(kind, missing)]
        answer |= {"startedAt": instant(started), "completedAt": instant(self.now())}
        return Reply(207 if missing else 200, answer)

    def _get_object(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        kind, object_id = kind_of(params["object_type"]), params["object_id"]
        if kind is None:
            return self._unknown_type(params["object_type"])
        record = self._find(kind, object_id, call.param("idProperty"))
        if record is None and object_id.isdigit():
            return self._error(404, "resource not found")
        if record is None:
            message = "Object not found.  objectId are usually numeric."
            return self._error(404, message, "OBJECT_NOT_FOUND", context={"id": [object_id]})
        answer = render(
            kind, record, call.values("properties"), call.values("propertiesWithHistory")
        )
        associations: dict[str, Any] = {}
        for requested in call.values("associations"):
            other = kind_of(requested)
            linked = self._associated(kind.name, record.object_id, other.name) if other else []
            results = [
                {"id": to_id, "type": association.v3_type}
                for to_id, kinds in linked
                for association in kinds
            ]
            if other and results:
                associations[other.name] = {"results": results}
        if associations:
            answer["associations"] = associations
        return Reply(200, answer)

    def _search(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        kind, request = kind_of(params["object_type"]), call.body
        if kind is None:
            return self._unknown_type(params["object_type"])
        if not isinstance(request, dict):
            return self._error(
                400, "Invalid input JSON: a JSON object is required", "VALIDATION_ERROR"
            )
        try:
            groups = search.groups_of(request)
            limit = int(request.get("limit") or SEARCH_LIMIT_DEFAULT)
            after = int(request.get("after") or 0)
        except (search.SearchRequestInvalid, ValueError) as invalid:
            return self._error(400, str(invalid), "VALIDATION_ERROR")
        if not 0 < limit <= SEARCH_LIMIT_MAX or after + limit > SEARCH_RESULTS_MAX:
            message = (
                f"limit must be between 1 and {SEARCH_LIMIT_MAX};"
                f" at most {SEARCH_RESULTS_MAX} results can be paged"
            )
            return self._error(400, message, "VALIDATION_ERROR")
        text = str(request.get("query") or "").casefold()
        found = [
            record
            for record in sorted(self._objects[kind.name].values(), key=id_order)
            if not record.archived
            and search.matches(record.properties, groups)
            and (not text or any(text in (v or "").casefold() for v in record.properties.values()))
        ]
        for name, descending in reversed(search.sort_keys(request)):
            found.sort(
                key=lambda r: search.sort_value(name, r.properties.get(name)), reverse=descending
            )
        page = found[after : after + limit]
        wanted = request.get("properties") or []
        answer: dict[str, Any] = {
            "total": len(found),
            "results": [render(kind, record, wanted, ()) for record in page],
        }
        if after + limit < len(found):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return Reply(200, answer)

    def _links(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        source, target = kind_of(params["from_type"]), kind_of(params["to_type"])
        body = call.body
        if source is None or target is None:
            return self._unknown_type(params["from_type"] if source is None else params["to_type"])
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            return self._error(400, "Invalid input JSON: `inputs` is required", "VALIDATION_ERROR")
        if len(body["inputs"]) > ASSOCIATIONS_BATCH_MAX:
            return self._too_many(len(body["inputs"]), ASSOCIATIONS_BATCH_MAX)
        started = self.now()
        results, errors = [], []
        asked = [item for item in body["inputs"] if isinstance(item, dict)]
        inputs = {str(item.get("id")): item.get("after") for item in asked}
        for from_id, after in inputs.items():
            start = 0 if after in (None, "") else after_offset(after)
            if start is None:
                message = f"Invalid paging cursor for {from_id}: {str(after)[:50]}"
                return self._error(400, message, "VALIDATION_ERROR")
            linked = self._associated(source.name, from_id, target.name)
            if not linked:
                errors.append(no_associations_error(source, target, from_id))
                continue
            end = start + max(self.association_page_size, 1)
            to = [
                {
                    "toObjectId": to_id if self.association_ids_as_strings else number_id(to_id),
                    "associationTypes": [
                        {"category": HUBSPOT_DEFINED, "typeId": a.type_id, "label": a.label}
                        for a in kinds
                    ],
                }
                for to_id, kinds in linked[start:end]
            ]
            result: dict[str, Any] = {"from": {"id": from_id}, "to": to}
            if end < len(linked):
                result["paging"] = {"next": {"after": after_token(end)}}
            results.append(result)
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            answer |= {"numErrors": len(errors), "errors": errors}
        answer |= {"startedAt": instant(started), "completedAt": instant(self.now())}
        return Reply(207 if errors else 200, answer)

    def _get_owner(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        key, by_user = params["owner_id"], call.param("idProperty") == "userId"
        archived = call.param("archived") == "true"
        for owner in self._owners.values():
            same = str(owner["userId"]) == key if by_user else owner["id"] == key
            if same and owner["archived"] == archived:
                return Reply(200, owner)
        return self._error(404, "resource not found")

    def _list_owners(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        email, archived = call.param("email"), call.param("archived") == "true"
        try:
            limit = min(int(call.param("limit") or OWNERS_LIMIT_DEFAULT), OWNERS_LIMIT_MAX)
            start = int(call.param("after") or 0)
        except ValueError as invalid:
            return self._error(400, str(invalid), "VALIDATION_ERROR")
        owners = [
            owner
            for owner in self._owners.values()
            if owner["archived"] == archived
            and (email is None or owner["email"].casefold() == email.casefold())
        ]
        answer: dict[str, Any] = {"results": owners[start : start + limit]}
        if start + limit < len(owners):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return Reply(200, answer)

    def _account_details(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        offset = self.now().astimezone(ZoneInfo(self.time_zone)).utcoffset() or timedelta()
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        answer = {
            "portalId": self.portal_id,
            "accountType": "STANDARD",
            "timeZone": self.time_zone,
            "companyCurrency": self.company_currency,
            "additionalCurrencies": list(self.additional_currencies),
            "utcOffset": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
            "utcOffsetMilliseconds": minutes * 60_000,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }
        return Reply(200, answer)

    # -- shapes -----------------------------------------------------------------------------------

    def _find(self, kind: ObjectType, key: str, id_property: object) -> Record | None:
        records = self._objects[kind.name]
        if id_property in (None, "", "hs_object_id"):
            record = records.get(key)
        else:
            record = next(
                (
                    r
                    for r in records.values()
                    if (r.properties.get(str(id_property)) or "").casefold() == key.casefold()
                ),
                None,
            )
        return None if record is None or record.archived else record

    def _associated(
        self, source: str, from_id: str, target: str
    ) -> list[tuple[str, list[AssociationKind]]]:
        """(to id, kinds) of the records `from_id` is associated with, deals being the hub."""
        if (source, target) not in ASSOCIATION_KINDS:
            return []
        primary, plain = ASSOCIATION_KINDS[(source, target)]
        if source == "deals":
            if from_id not in self._objects["deals"]:
                return []
            ids = self._deal_links.get(from_id, {}).get(target, [])
            return [
                (i, [primary, plain] if primary and n == 0 else [plain]) for n, i in enumerate(ids)
            ]
        linked = []
        for deal_id, links in self._deal_links.items():
            ids = links.get(source, [])
            if from_id in ids and deal_id in self._objects["deals"]:
                first = primary is not None and ids[0] == from_id
                linked.append((deal_id, [primary, plain] if primary and first else [plain]))
        return linked

    def _closed_flags(self, pipeline: object, stage: object) -> dict[str, str]:
        return closed_flags(self.deal_pipelines.get(str(pipeline), {}).get(str(stage)))

    def _error(self, status: int, message: str, category: str | None = None, **more: Any) -> Reply:
        correlation = str(uuid.uuid4())
        body: dict[str, Any] = {"status": "error", "message": message, "correlationId": correlation}
        body |= more
        if category:
            body["category"] = category
        return Reply(status, body, {"X-HubSpot-Correlation-Id": correlation})

    def _unknown_type(self, name: str) -> Reply:
        return self._error(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")

    def _too_many(self, given: int, most: int) -> Reply:
        message = f"Batch input size {given} exceeds the maximum of {most} inputs"
        return self._error(400, message, "VALIDATION_ERROR", context={"maxSize": [str(most)]})
