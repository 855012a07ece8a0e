"""The route classes every router uses: the query a route declares is the only query it takes,
JSON bodies only, and idempotent POSTs recorded; and the domains' router, which documents the
problems a route's inputs can cause so that the route lists only its own."""

import inspect
from collections.abc import Callable, Collection, Coroutine, Iterator
from email.message import Message
from typing import Any, ClassVar

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.routing import Match
from starlette.types import Scope

from app.core import idempotency
from app.core.errors import FieldProblem, InvalidInput, UnsupportedMediaType, problem_responses
from app.core.etag import tagged_by_version

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def declared_query(dependant: Dependant) -> frozenset[str]:
    """The query parameter names an operation reads, as a client sends them (`from`, not
    `from_date`), from the route's own parameters and all its dependencies'."""
    names = set()
    for node in _dependants(dependant):
        for field in node.query_params:
            alias = field.field_info.validation_alias
            names.add(alias if isinstance(alias, str) else field.alias)
    return frozenset(names)


def undeclared_names(query: QueryParams, declared: Collection[str]) -> list[str]:
    """The names in the query that are not declared, each once, in the order sent.

    A declared name sent twice is not one of them: which value counts is the parameter's rule.
    """
    return [name for name in query if name not in declared]


def refuse_undeclared(query: QueryParams, declared: frozenset[str]) -> None:
    """A 422 naming every query parameter the operation does not declare, in the shape of
    FastAPI's own validation problems (Stripe answers "Received unknown parameter").

    Ignoring them would let a misspelt filter (`?updated_after=`, `?projectId=`) silently return
    everything, the way unknown body fields are refused for the same reason.
    """
    undeclared = undeclared_names(query, declared)
    if not undeclared:
        return
    takes = (
        f"this operation takes: {', '.join(sorted(declared))}"
        if declared
        else "this operation takes none"
    )
    raise RequestValidationError(
        [
            {
                "type": "extra_forbidden",
                "loc": ("query", name),
                "msg": f"Received unknown parameter: {name} ({takes}).",
                "input": name,
            }
            for name in undeclared
        ]
    )


class DeclaredQueryRoute(APIRoute):
    """A route whose query parameters are part of the contract: one it does not declare is a
    422 naming it, checked before anything else is read.

    `declared_query` is worked out once, when the route is built; the lean polls
    (app/fastpath/) read it to hand such a request to the route.
    """

    ignores_undeclared_query: ClassVar[bool] = False
    declared_query: frozenset[str] = frozenset()

    # What every path of this route starts with, once the app lists the route as it is
    # (`listed_as_is`); empty, FastAPI's full match decides every path (a route included under
    # a router's prefix is matched on a path this one does not know).
    fixed_start: str = ""

    def listed_as_is(self) -> None:
        """The app lists this route in its own router, its path unchanged."""
        self.fixed_start = self.path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Not this route when the path does not start with the route's fixed part: said
        without FastAPI's lookups and the regular expression, which each request pays for every
        route listed before the one that answers it. (Behind a `root_path` the path carries a
        prefix of its own: the full match decides.)"""
        fixed = self.fixed_start
        if fixed and not scope.get("root_path") and not scope["path"].startswith(fixed):
            return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Handler:
        handler = self.inner_handler()
        self.declared_query = declared = declared_query(self.dependant)
        if self.ignores_undeclared_query:
            return handler

        async def route_handler(request: Request) -> Response:
            if request.scope["query_string"]:  # parsed once, for FastAPI too
                refuse_undeclared(request.query_params, declared)
            return await handler(request)

        return route_handler

    def inner_handler(self) -> Handler:
        """What runs once the query is found declared."""
        return super().get_route_handler()


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _require_json_text(content_type: str | None, body: bytes) -> None:
    if not body:
        return  # FastAPI reports the missing body as a 422
    if not _is_json(content_type):
        raise UnsupportedMediaType(
            f"Send the body as application/json, not {content_type or 'untyped'}."
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = FieldProblem(
            loc=["body"], message="Body is not valid UTF-8.", type="json_invalid"
        )
        raise InvalidInput("The body is not valid UTF-8 JSON.", errors=[problem]) from exc


class HandoverRoute(DeclaredQueryRoute):
    """The API's routes: the declared query only, JSON bodies only, idempotent POSTs recorded,
    answers tagged with their version's ETag (304 where the route documents it)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if inspect.iscoroutinefunction(endpoint):
            conditional = 304 in (options.get("responses") or {})
            super().__init__(path, tagged_by_version(endpoint, conditional=conditional), **options)
        else:
            super().__init__(path, endpoint, **options)
        self.endpoint = endpoint  # the function as written, as tests and the fast path find it

    def inner_handler(self) -> Handler:
        handler = super().inner_handler()
        takes_json = self.body_field is not None

        async def route_handler(request: Request) -> Response:
            if takes_json and request.method in BODY_METHODS:
                _require_json_text(request.headers.get("content-type"), await request.body())
            response = await handler(request)
            # Still inside the request's transaction: the replayable response commits with it.
            await idempotency.record(request, response)
            return response

        return route_handler


API_PROBLEMS = (401, 403, 422, 500)


def implied_problems(route: APIRoute) -> set[int]:
    """The problems an operation can answer because of what it takes, whatever it does: a row
    named in the path (404), a page cursor (400), an `If-Match` (412), a JSON body (413, 415).

    Documented from the route itself, the contract cannot forget one when a route gains a path
    id or a body; a route lists only the problems of its own rules (a 409, say).
    """
    nodes = list(_dependants(route.dependant))
    implied = set()
    if any(node.path_params for node in nodes):
        implied.add(404)
    if any(field.alias == "cursor" for node in nodes for field in node.query_params):
        implied.add(400)
    if any(field.alias.lower() == "if-match" for node in nodes for field in node.header_params):
        implied.add(412)
    if route.body_field is not None:
        implied |= {413, 415}
    return implied


def _listed_as(answer: tuple[int | str, Any]) -> tuple[int, int]:
    """A route's own answers in the contract: other successes as written, then its problems
    from the lowest status, then its redirections (304)."""
    status = str(answer[0])
    if status.startswith("3"):
        return (2, 0)
    if status[0] in "45":
        return (1, int(status))
    return (0, 0)


class HandoverRouter(APIRouter):
    """A router whose routes document, beside the problems they list, those their inputs imply
    (`implied_problems`), after the problems every operation of the router can answer."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().add_api_route(path, endpoint, **options)
        route = self.routes[-1]
        assert isinstance(route, APIRoute)
        answers = route.responses
        implied = problem_responses(*sorted(implied_problems(route) - set(answers)))
        own = {status: answer for status, answer in answers.items() if status not in self.responses}
        route.responses = {
            **{status: answer for status, answer in answers.items() if status in self.responses},
            **dict(sorted({**own, **implied}.items(), key=_listed_as)),
        }


def api_router(
    tag: str, *, prefix: str = "", problems: tuple[int, ...] = API_PROBLEMS
) -> HandoverRouter:
    """A domain's router: its operations listed under `tag`, built by `HandoverRoute`, each
    documenting the problems any operation of the API can answer (`problems`) and those its
    inputs imply."""
    return HandoverRouter(
        prefix=prefix,
        tags=[tag],
        route_class=HandoverRoute,
        responses=problem_responses(*problems),
    )
