"""Share links: `/v1/projects/{project_id}/share-links` and `/v1/share-links/{share_link_id}`."""

from typing import Annotated

from fastapi import Query, Request, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.urls import public_url
from app.projects.deps import ReadableProject, WritableProject
from app.share import service
from app.share.deps import ReadableShareLink, ShareLinkToChange
from app.share.schemas import ShareLinkCreate, ShareLinkCreated, ShareLinkPage, ShareLinkPublic

router = api_router("share-links", problems=(401, 403, 404, 422, 500))


@router.post(
    "/v1/projects/{project_id}/share-links",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_share_link(
    request: Request,
    session: SessionDep,
    project: WritableProject,
    body: ShareLinkCreate,
) -> ShareLinkCreated:
    """Share the project with its customer: a page at `/share/{token}`, until it expires.

    The token is in this response only. No Idempotency-Key here: replaying would mean storing
    the token.
    """
    link, token = await service.create_link(session, project, body)
    url = public_url(request, "show_share_page", token=token)
    return ShareLinkCreated.model_validate({**link.model_dump(), "token": token, "url": url})


@router.get("/v1/projects/{project_id}/share-links")
async def list_share_links(
    session: SessionDep,
    project: ReadableProject,
    page: PageDep,
    active: Annotated[
        bool | None,
        Query(description="Only links that still open (or, with false, revoked or expired)."),
    ] = None,
) -> ShareLinkPage:
    """List a project's share links, revoked and expired ones included, oldest first."""
    rows = await service.list_links(session, project, page, active=active)
    return page.page(rows, ShareLinkPage)


@router.get("/v1/share-links/{share_link_id}", responses=NOT_MODIFIED)
async def get_share_link(link: ReadableShareLink) -> ShareLinkPublic:
    """Read one share link (never its token)."""
    return ShareLinkPublic.model_validate(link)


@router.delete("/v1/share-links/{share_link_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_share_link(session: SessionDep, link: ShareLinkToChange) -> None:
    """Revoke a share link: its page answers 410 at once; the link stays listed."""
    await service.revoke_link(session, link)
