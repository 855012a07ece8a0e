"""Every error the API returns is RFC 9457 `application/problem+json`, produced here and only here.

Services raise a `DomainError` subclass that names what went wrong for a person
(`EmailTaken`, `PreconditionFailed`); the handlers below turn it, FastAPI's validation errors,
Starlette's HTTP errors (404 route, 405, 413) and anything unexpected into a problem document.
"""

from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from app.core.examples import with_examples

logger = structlog.get_logger("handover.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:handover:problem:"


class FieldProblem(BaseModel):
    """One invalid input: where it is, and what is wrong with it."""

    loc: list[str | int] = Field(description='Path to the field, e.g. `["body", "email"]`.')
    message: str
    type: str = Field(description="Machine-readable kind, e.g. `missing`, `string_too_long`.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = with_examples(
        {
            "type": "urn:handover:problem:not-found",
            "title": "Not Found",
            "status": 404,
            "detail": "No project with that id in your organization.",
        }
    )

    type: str = Field(description="A URN naming the kind of problem; stable, for programs.")
    title: str = Field(description="Short summary of the kind of problem, for people.")
    status: int
    detail: str | None = Field(None, description="What went wrong in this occurrence.")
    instance: str | None = Field(None, description="The request path.")
    request_id: str | None = Field(None, description="Quote it when you report a problem.")
    errors: list[FieldProblem] | None = Field(None, description="Invalid fields, for 400/422.")


class DomainError(Exception):
    """A rule of the product was broken; subclasses say which, with the HTTP status that fits."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad Request"
    headers: ClassVar[dict[str, str] | None] = None

    def __init_subclass__(cls, **options: Any) -> None:
        """A kind that names only its slug is titled by it: `customer-exists` is "Customer
        Exists". A title with other capitals or punctuation ("No API Access") is written out."""
        super().__init_subclass__(**options)
        if "slug" in vars(cls) and "title" not in vars(cls):
            cls.title = " ".join(word.capitalize() for word in cls.slug.split("-"))

    def __init__(self, detail: str | None = None, *, errors: list[FieldProblem] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not Found"
    subject: ClassVar[str] = "object"


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Unauthenticated"
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidInput(DomainError):
    """Well-formed input that breaks a rule of the domain (an unknown member id, say)."""

    status, slug, title = 422, "invalid-input", "Invalid Input"


class InvalidCursor(DomainError):
    status, slug, title = 400, "invalid-cursor", "Invalid Cursor"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition Failed"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported Media Type"


def problem_response(
    request: Request,
    status: int,
    *,
    slug: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _loc(location: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in location]


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    return [
        FieldProblem(loc=_loc(error["loc"]), message=error["msg"], type=error["type"])
        for error in exc.errors()
    ]


def domain_error_response(request: Request, exc: DomainError) -> JSONResponse:
    """The problem+json a rule's refusal is answered with (also outside the routes)."""
    return problem_response(
        request,
        exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        request,
        422,
        slug="validation",
        title="Validation Failed",
        detail="The request does not match the documented schema.",
        errors=_validation_problems(exc),
    )


_TOO_DEEP = RequestValidationError(
    [{"type": "json_invalid", "loc": ("body",), "msg": "JSON nested too deep", "input": {}}]
)
_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed", 413: "content-too-large"}


def allowed_methods(request: Request) -> str:
    """Every method the request's path serves, for a 405's `Allow`.

    Each route serves one method, and Starlette's router answers 405 from the first route whose
    path alone matches, naming only that route's method. The path's methods are those of every
    route with the same path as that first one (`/v1/project-templates/default` is not also
    `/v1/project-templates/{project_template_id}`, which comes after it).
    """
    path = None
    methods: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] is Match.NONE:
            continue
        path = path or getattr(route, "path", None)
        if getattr(route, "path", None) == path:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, RecursionError):
        # FastAPI answers a body nested deeper than `json.loads` can follow with a bare 400; it
        # is JSON the API cannot read like any other: the documented 422.
        return await _validation_error(request, _TOO_DEEP)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if exc.detail != title else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = None
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return problem_response(
        request,
        exc.status_code,
        slug=_HTTP_SLUGS.get(exc.status_code, title.lower().replace(" ", "-")),
        title=title,
        detail=detail,
        headers=headers or None,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(
        request,
        500,
        slug="internal",
        title="Internal Server Error",
        detail="Something went wrong on our side; it has been logged.",
    )


async def _client_gone(_request: Request, _exc: Exception) -> Response:
    """The client hung up before its body arrived: nothing was read or changed, and nobody is
    left to answer. Not an error of ours, so not logged as one."""
    logger.info("client disconnected before its request body arrived")
    return Response(status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


_DESCRIPTIONS = {
    400: "Malformed request (e.g. a tampered or foreign pagination cursor).",
    401: "Missing, unknown, expired or revoked API key.",
    403: "The API key lacks the scope this operation needs.",
    404: "No such object in your organization.",
    409: "Conflicts with the current state (duplicate, in use, or an Idempotency-Key in flight).",
    412: "`If-Match` names a version that is no longer current.",
    413: "The request body is larger than the limit.",
    415: "The body is not `application/json`.",
    422: "The input is invalid; `errors` lists each field.",
    429: "The API key spent its rate limit; `Retry-After` says when to come back.",
    500: "Unexpected error on our side; logged with the `request_id`, nothing internal shown.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses, all as problem+json.

    The `Problem` schema itself is added to the components by `app.core.openapi`.
    """
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
