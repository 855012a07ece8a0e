"""ETags from versions: `If-None-Match` → 304 on reads, `If-Match` → 412 on writes.

Every mutable row carries a `version` that grows on each UPDATE; its ETag is `"<version>"`.
A representation with fields derived from today's date (`overdue`, `slip_days`, health) is tagged
`"<version>.<YYYYMMDD>"`, so a cached copy expires at midnight UTC; `If-Match` compares the
version part only, so such a tag is good for a write all day.
"""

import functools
import hashlib
import inspect
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import PreconditionFailed, problem_response

TAG_HEADER_MAX = 1024  # the longest `If-None-Match` or `If-Match` a request may send


class NotModified(Exception):
    def __init__(self, etag: str) -> None:
        self.etag = etag


@functools.lru_cache(maxsize=8)
def _day_tag(as_of: date) -> str:
    """`20261202`: formatted once per day, not once per poll (`strftime` is most of a tag)."""
    return f"{as_of:%Y%m%d}"


def etag_of(version: int, as_of: date | None = None) -> str:
    return f'"{version}"' if as_of is None else f'"{version}.{_day_tag(as_of)}"'


def _version_part(tag: str) -> str:
    return tag.strip().removeprefix("W/").strip('"').split(".", 1)[0]


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def is_current(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (or is `*`): the client's copy is current."""
    if if_none_match is None:
        return False
    return if_none_match.strip() == "*" or etag in _tags(if_none_match)


class _Conditional:
    def __init__(self, response: Response) -> None:
        self._response = response

    def tag(self, version: int, *, as_of: date | None = None) -> None:
        """Send the current ETag with the response (`as_of`: the date derived fields used)."""
        self._response.headers["ETag"] = etag_of(version, as_of)


class CacheCheck(_Conditional):
    """For a GET: `If-None-Match` → 304 when the client's copy is current."""

    def __init__(self, response: Response, if_none_match: str | None) -> None:
        super().__init__(response)
        self._if_none_match = if_none_match

    def respond(self, version: int, *, as_of: date | None = None) -> None:
        """Send the ETag, or answer 304 when the client's copy is current."""
        self._respond_with(etag_of(version, as_of))

    def respond_to_content(self, content: bytes) -> None:
        """For a document generated from many rows (a calendar feed): its tag is a digest of its
        bytes, so an unchanged document still answers 304 and saves the transfer."""
        self._respond_with(f'"c{hashlib.sha256(content).hexdigest()[:32]}"')

    def _respond_with(self, etag: str) -> None:
        if is_current(self._if_none_match, etag):
            raise NotModified(etag)
        self._response.headers["ETag"] = etag


class WriteCheck(_Conditional):
    """For a PATCH or DELETE: `If-Match` with another version → 412."""

    def __init__(self, response: Response, if_match: str | None) -> None:
        super().__init__(response)
        self._if_match = if_match
        self.expected: int | None = None

    def expect(self, version: int) -> None:
        """Check `If-Match` against `version` once the whole request is read: the route class
        does it before the endpoint runs (`tagged_by_version`), so a malformed body is still a
        422 first, as when each route checked it itself."""
        self.expected = version

    def require_expected(self) -> None:
        if self.expected is not None:
            self.require(self.expected)

    def require(self, version: int) -> None:
        header = self._if_match
        if header is None or header.strip() == "*":
            return
        if str(version) not in [_version_part(tag) for tag in header.split(",")]:
            raise PreconditionFailed(
                f"The resource is at version {etag_of(version)}; fetch it again and retry."
            )


def set_etag(response: Response, version: int, *, as_of: date | None = None) -> None:
    response.headers["ETag"] = etag_of(version, as_of)


async def _cache_check(
    response: Response,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            max_length=TAG_HEADER_MAX,
            description="ETags of your copies; a match answers 304.",
        ),
    ] = None,
) -> CacheCheck:
    # Coroutines, not the classes: FastAPI would run a class's __init__ in its thread pool.
    return CacheCheck(response, if_none_match)


async def _write_check(
    request: Request,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=TAG_HEADER_MAX,
            description="The ETag you read; another version answers 412.",
        ),
    ] = None,
) -> WriteCheck:
    check = request.state.write_check = WriteCheck(response, if_match)
    return check


CacheCheckDep = Annotated[CacheCheck, Depends(_cache_check)]
WriteCheckDep = Annotated[WriteCheck, Depends(_write_check)]
NOT_MODIFIED: dict[int | str, dict[str, str]] = {
    304: {"description": "Not Modified: the copy named in `If-None-Match` is current."}
}


async def _not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=304, headers={"ETag": exc.etag})


async def _stale(request: Request, _exc: Exception) -> Response:
    """A concurrent writer got there first (the UPDATE matched no row at our version)."""
    return problem_response(
        request,
        412,
        slug="precondition-failed",
        title="Precondition Failed",
        detail="The resource changed while this request was being handled; fetch it and retry.",
    )


def install_etag_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _not_modified)
    app.add_exception_handler(StaleDataError, _stale)


def tagged_by_version(endpoint: Callable[..., Any], *, conditional: bool) -> Callable[..., Any]:
    """`endpoint`, its answer tagged with the ETag of the `version` it carries.

    What an operation returns is the resource at a version, so the route class tags it: a route
    never writes `set_etag`, and cannot forget to. A `conditional` route (one that documents a
    304) compares the tag with `If-None-Match` and answers 304 when the client's copy is current.
    An endpoint that set its own tag (one derived from today's date, or from another row's
    version) keeps it; an answer without a `version` (a page, a document) is left alone.

    Before the endpoint runs, the `If-Match` a loader expected (`WriteCheck.expect`) is checked:
    FastAPI calls the endpoint only once the query and the body are valid.
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = inspect.signature(endpoint)
    if any(name.startswith("etag_") for name in signature.parameters):
        raise TypeError(f"{endpoint.__name__}: parameters named etag_… are the route class's")
    # FastAPI hands one Response to an operation: the endpoint's own, if it asks for it.
    own = [p.name for p in signature.parameters.values() if p.annotation is Response]
    response_name = own[0] if own else "etag_response"
    added = [] if own else [inspect.Parameter(response_name, keyword, annotation=Response)]
    own_request = [p.name for p in signature.parameters.values() if p.annotation is Request]
    request_name = own_request[0] if own_request else "etag_request"
    if not own_request:
        added.append(inspect.Parameter(request_name, keyword, annotation=Request))
    if conditional:
        added.append(inspect.Parameter("etag_cache", keyword, annotation=CacheCheckDep))

    @functools.wraps(endpoint)
    async def tagged(*, etag_cache: CacheCheck | None = None, **arguments: Any) -> Any:
        response = arguments[response_name] if own else arguments.pop(response_name)
        request = arguments[request_name] if own_request else arguments.pop(request_name)
        check: WriteCheck | None = getattr(request.state, "write_check", None)
        if check is not None:
            check.require_expected()
        result = await endpoint(**arguments)
        version = getattr(result, "version", None)
        if isinstance(version, int) and "etag" not in response.headers:
            if etag_cache is not None:
                etag_cache.respond(version)
            else:
                response.headers["ETag"] = etag_of(version)
        return result

    tagged.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *added]
    )
    return tagged
