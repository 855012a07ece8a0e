"""The share page: `/share/{token}`, server-rendered HTML for a customer without an account.

Every response of this router, error pages included, goes through `SharePageRoute`: it carries
the security headers, and anything that goes wrong becomes a plain HTML page with the right
status — an invalid link a 404 or 410, never a stack trace or a JSON problem.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from app.core.deps import SessionDep, roll_back
from app.core.errors import DomainError
from app.db import settle
from app.gantt.svg import STATE_LABELS
from app.models import FeedbackCategory, MeetingKind, Phase, Sentiment, ShareLink
from app.models.base import today
from app.share import service
from app.share.protection import (
    SECURITY_HEADERS,
    csrf_token,
    csrf_token_is_valid,
    submission_limiter,
)
from app.share.schemas import (
    MAX_FORM_BYTES,
    MAX_TEXT,
    FeedbackForm,
    RefusalForm,
    SignOffForm,
    SurveyForm,
    TaskDoneForm,
)

logger = structlog.get_logger("handover.share")

templates = Environment(
    loader=PackageLoader("app.share", "templates"),
    autoescape=True,  # every value is escaped; only the chart, built by an XML serializer, is not
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
STYLESHEET = (files("app.share") / "static" / "share.css").read_bytes()
NO_LONGER_VALID = "This link is no longer valid"
SENT = {
    "feedback": "Thank you — your feedback has reached the project team.",
    "survey": "Thank you — your answer has been recorded.",
    "task": "Thank you — the project team sees the task as done.",
    "signed": "Thank you — your sign-off has been recorded.",
    "refused": "Thank you — the project team has your reasons and will come back to you.",
}
PHASE_NAMES = {phase: phase.value.capitalize() for phase in Phase}
MEETING_KINDS = {kind: kind.value.replace("_", " ").capitalize() for kind in MeetingKind}
CATEGORY_NAMES = {
    FeedbackCategory.scope: "What is delivered (scope)",
    FeedbackCategory.quality: "Quality",
    FeedbackCategory.timeline: "Dates and timeline",
    FeedbackCategory.communication: "Communication",
    FeedbackCategory.billing: "Billing",
    FeedbackCategory.other: "Something else",
}
SENTIMENT_NAMES = {
    Sentiment.positive: "Good",
    Sentiment.neutral: "Mixed",
    Sentiment.negative: "Not good",
}


class PageProblem(Exception):
    """Something the customer should read about, as a page with this status."""

    def __init__(
        self,
        status: int,
        heading: str,
        message: str,
        *,
        back: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(heading)
        self.status, self.heading, self.message = status, heading, message
        self.back, self.headers = back, headers or {}


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(template).render(
        stylesheet_url=request.url_for("share_stylesheet").path, **context
    )
    return HTMLResponse(html, status_code=status)


def _problem_page(request: Request, exc: Exception) -> HTMLResponse:
    problem = _as_problem(request, exc)
    token = request.path_params.get("token")
    back_url = request.url_for("show_share_page", token=token).path if problem.back else None
    response = _render(
        request,
        "invalid.html",
        problem.status,
        heading=problem.heading,
        message=problem.message,
        back_url=back_url,
    )
    response.headers.update(problem.headers)
    return response


def _as_problem(request: Request, exc: Exception) -> PageProblem:
    if isinstance(exc, PageProblem):
        return exc
    if isinstance(exc, service.LinkUnknown | service.LinkGone):
        status = 404 if isinstance(exc, service.LinkUnknown) else 410
        return PageProblem(
            status,
            NO_LONGER_VALID,
            "It may have expired or been withdrawn. Ask your project manager for a new one.",
        )
    if isinstance(exc, RequestValidationError):
        if request.method == "GET":
            return _as_problem(request, service.LinkUnknown())
        fields = sorted({str(error["loc"][-1]) for error in exc.errors()})
        return PageProblem(
            422,
            "Please check the form",
            f"Something is missing or too long ({', '.join(fields)}).",
            back=True,
        )
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        return PageProblem(413, "Too long", "That was too long to send.", back=True)
    if isinstance(exc, DomainError) and exc.status < 500:
        return PageProblem(exc.status, "Not sent", exc.detail or exc.title, back=True)
    if isinstance(exc, StaleDataError):
        return PageProblem(
            409,
            "Not sent",
            "The project changed while you were sending this. Go back and send it again.",
            back=True,
        )
    logger.exception("share page failed", exc_info=exc)
    return PageProblem(500, "Something went wrong", "Please try again in a few minutes.")


async def _require_small_form(request: Request) -> None:
    declared = request.headers.get("content-length", "")
    if (declared.isdigit() and int(declared) > MAX_FORM_BYTES) or len(
        await request.body()
    ) > MAX_FORM_BYTES:
        raise PageProblem(413, "Too long", "That was too long to send.", back=True)


class SharePageRoute(APIRoute):
    """Security headers on every response; errors as plain pages.

    Unlike the API's routes (app/core/routing.py), a page ignores query parameters it does not
    read: its link travels through mail clients, chat apps and link trackers that append their
    own (`utm_source`, `fbclid`), and the customer must still see their project.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                if request.method == "POST":
                    await _require_small_form(request)
                response = await handler(request)
                session = getattr(request.state, "session", None)
                if session is not None:
                    await settle(session)  # a failure of its writes is a page too
            except Exception as exc:
                roll_back(request)  # the page says what went wrong; nothing of it is kept
                response = _problem_page(request, exc)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return route_handler


# Pages for people: not part of the API contract.
router = APIRouter(route_class=SharePageRoute, include_in_schema=False)

Token = Annotated[str, Path(min_length=1, max_length=100)]


@dataclass(frozen=True, slots=True)
class Visit:
    """A customer on the page of an open link: the page's addresses, and what a form they post
    must pass before it is read."""

    request: Request
    link: ShareLink
    token: str

    def url(self, page: str, **params: Any) -> str:
        """The path of one of this link's pages (`show_share_page`, a form's target)."""
        return self.request.url_for(page, token=self.token, **params).path

    async def admit(self, csrf: str) -> None:
        """A form post must carry a fresh token of this link's page (else 403), and the link
        must be within its rate limit (else 429); a refused post is not counted."""
        if not csrf_token_is_valid(self.request.app.state.settings, self.link.id, csrf):
            raise PageProblem(
                403,
                "This form has expired",
                "Reload the project page and send your answer again.",
                back=True,
            )
        limiter = submission_limiter(self.request)
        if not await limiter.allow(self.link.id):
            wait = await limiter.retry_after(self.link.id)
            raise PageProblem(
                429,
                "Too many answers",
                "This page has received many answers recently; please try again later.",
                back=True,
                headers={"Retry-After": str(wait)},
            )

    def back_to_page(self, sent: str) -> RedirectResponse:
        """Post/redirect/get: reloading the page does not send the answer twice."""
        return RedirectResponse(f"{self.url('show_share_page')}?sent={sent}", status_code=303)


async def _visit(request: Request, session: SessionDep, token: Token) -> Visit:
    return Visit(request, await service.open_link(session, token), token)


Visiting = Annotated[Visit, Depends(_visit)]


@router.get("/share/assets/share.css")
async def share_stylesheet() -> Response:
    """The page's only stylesheet (the Content-Security-Policy allows no inline style)."""
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/share/{token}")
async def show_share_page(
    visit: Visiting,
    session: SessionDep,
    sent: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The project as its customer sees it, with forms for feedback and a survey."""
    view = await service.customer_view(session, visit.link, today())
    settings = visit.request.app.state.settings
    return _render(
        visit.request,
        "project.html",
        view=view,
        sent=SENT.get(sent or ""),
        phase_names=PHASE_NAMES,
        meeting_kinds=MEETING_KINDS,
        state_labels=STATE_LABELS,
        categories=[(category.value, name) for category, name in CATEGORY_NAMES.items()],
        sentiments=[(sentiment.value, name) for sentiment, name in SENTIMENT_NAMES.items()],
        csrf_token=csrf_token(settings, visit.link.id),
        feedback_url=visit.url("leave_share_feedback"),
        survey_url=visit.url("answer_share_survey"),
        sign_off_urls={
            line.id: visit.url("sign_off_share_milestone", milestone_id=line.id)
            for line in view.sign_offs
        },
        refuse_urls={
            line.id: visit.url("refuse_share_milestone", milestone_id=line.id)
            for line in view.sign_offs
        },
        task_urls={
            task.id: visit.url("mark_share_task_done", task_id=task.id) for task in view.tasks
        },
        max_text=MAX_TEXT,
    )


@router.post("/share/{token}/feedback")
async def leave_share_feedback(
    visit: Visiting,
    session: SessionDep,
    form: Annotated[FeedbackForm, Form()],
) -> Response:
    """Feedback from the customer (source `customer`), as if sent through the API."""
    await visit.admit(form.csrf_token)
    await service.leave_feedback(session, visit.link, form)
    return visit.back_to_page("feedback")


@router.post("/share/{token}/survey")
async def answer_share_survey(
    visit: Visiting,
    session: SessionDep,
    form: Annotated[SurveyForm, Form()],
) -> Response:
    """A CSAT or NPS answer from the customer, as if sent through the API."""
    await visit.admit(form.csrf_token)
    await service.answer_survey(session, visit.link, form)
    return visit.back_to_page("survey")


@router.post("/share/{token}/tasks/{task_id}/done")
async def mark_share_task_done(
    visit: Visiting,
    session: SessionDep,
    task_id: UUID,
    form: Annotated[TaskDoneForm, Form()],
) -> Response:
    """The customer did one of their tasks: marked done, with their name and this link."""
    await visit.admit(form.csrf_token)
    await service.mark_task_done(session, visit.link, task_id, form)
    return visit.back_to_page("task")


@router.post("/share/{token}/milestones/{milestone_id}/sign-off")
async def sign_off_share_milestone(
    visit: Visiting,
    session: SessionDep,
    milestone_id: UUID,
    form: Annotated[SignOffForm, Form()],
) -> Response:
    """The customer approves a milestone: their name, the time and this link are recorded."""
    await visit.admit(form.csrf_token)
    await service.sign_off_milestone(session, visit.link, milestone_id, form)
    return visit.back_to_page("signed")


@router.post("/share/{token}/milestones/{milestone_id}/refuse")
async def refuse_share_milestone(
    visit: Visiting,
    session: SessionDep,
    milestone_id: UUID,
    form: Annotated[RefusalForm, Form()],
) -> Response:
    """The customer refuses a sign-off: the reason reaches the team as feedback."""
    await visit.admit(form.csrf_token)
    await service.refuse_milestone(session, visit.link, milestone_id, form)
    return visit.back_to_page("refused")
