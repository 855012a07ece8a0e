"""Load a share link of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.models import ShareLink
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.share.service import get_link

ReadableShareLink = Annotated[
    ShareLink, Depends(path_row(get_link, "share_link_id", ProjectsReader))
]
ShareLinkToChange = Annotated[
    ShareLink, Depends(path_row(get_link, "share_link_id", ProjectsWriter, if_match=True))
]
