"""The route class every router uses: JSON bodies only, and idempotent POSTs recorded."""

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.core import idempotency
from app.core.errors import FieldProblem, InvalidInput, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


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


class HandoverRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None

        async def route_handler(request: Request) -> Response:
            if takes_json and request.method in BODY_METHODS:
                _require_json_text(request.headers.get("content-type"), await request.body())
            response = await handler(request)
            # Still inside the request's transaction: the replayable response commits with it.
            await idempotency.record(request, response)
            return response

        return route_handler
