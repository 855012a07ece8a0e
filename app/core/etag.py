"""ETags from versions: `If-None-Match` → 304 on reads, `If-Match` → 412 on writes.

Every mutable row carries a `version` that grows on each UPDATE; its ETag is `"<version>"`.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import PreconditionFailed, problem_response


class NotModified(Exception):
    def __init__(self, etag: str) -> None:
        self.etag = etag


def etag_of(version: int | str) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


class _Conditional:
    def __init__(self, response: Response) -> None:
        self._response = response

    def tag(self, version: int | str) -> None:
        """Send the current ETag with the response."""
        self._response.headers["ETag"] = etag_of(version)


class CacheCheck(_Conditional):
    """For a GET: `If-None-Match` → 304 when the client's copy is current."""

    def __init__(
        self,
        response: Response,
        if_none_match: Annotated[
            str | None,
            Header(
                alias="If-None-Match",
                max_length=1024,
                description="ETags of your copies; a match answers 304.",
            ),
        ] = None,
    ) -> None:
        super().__init__(response)
        self._if_none_match = if_none_match

    def respond(self, version: int | str) -> None:
        """Send the ETag, or answer 304 when the client's copy is current."""
        etag = etag_of(version)
        header = self._if_none_match
        if header is not None and (header.strip() == "*" or etag in _tags(header)):
            raise NotModified(etag)
        self.tag(version)


class WriteCheck(_Conditional):
    """For a PATCH or DELETE: `If-Match` with another version → 412."""

    def __init__(
        self,
        response: Response,
        if_match: Annotated[
            str | None,
            Header(
                alias="If-Match",
                max_length=1024,
                description="The ETag you read; another version answers 412.",
            ),
        ] = None,
    ) -> None:
        super().__init__(response)
        self._if_match = if_match

    def require(self, version: int) -> None:
        header = self._if_match
        if header is None or header.strip() == "*":
            return
        if etag_of(version) not in [tag.strip() for tag in header.split(",")]:
            raise PreconditionFailed(
                f"The resource is at version {etag_of(version)}; fetch it again and retry."
            )


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_of(version)


CacheCheckDep = Annotated[CacheCheck, Depends()]
WriteCheckDep = Annotated[WriteCheck, Depends()]
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
