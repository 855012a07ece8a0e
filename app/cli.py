"""The `handover` command: serve, migrate, orgs, keys, import-deals, openapi."""

import asyncio
import csv
import json
import re
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
import uvloop
from alembic import command
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.exc import SQLAlchemyError

from app.api_keys.service import issue_key
from app.core.auth import Scope
from app.core.logging import configure_logging
from app.crm import service as crm
from app.database_url import missing_files
from app.db import open_database
from app.deals import importer
from app.models import CrmSource
from app.models.base import utcnow
from app.operations import service as operations
from app.operations.service import alembic_config
from app.organizations import service as organizations
from app.settings import Environment, Settings

cli = typer.Typer(no_args_is_help=True, help="Handover: CRM deals in, planned projects out.")
orgs_cli = typer.Typer(no_args_is_help=True, help="Organizations (tenants).")
keys_cli = typer.Typer(no_args_is_help=True, help="API keys.")
cli.add_typer(orgs_cli, name="orgs")
cli.add_typer(keys_cli, name="keys")


class CannotRun(Exception):
    """An expected condition: said in one line on stderr (exit 1), never as a traceback."""


def _migrate(settings: Settings) -> None:
    config = alembic_config(
        settings.async_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    command.upgrade(config, "head")


@contextmanager
def _reaching_the_database(settings: Settings) -> Iterator[None]:
    """A database out of reach (nothing listening, an unknown role or database, a certificate
    file the URL names that is not there) is said in one line, as every expected condition of a
    command is, not as a driver's traceback."""
    try:
        yield
    except (OSError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        missing = []
        if isinstance(exc, FileNotFoundError) and exc.filename is None:  # asyncpg names none
            missing = missing_files(settings.database_url)
        if missing:
            reason = f"the URL names a file that is not there: {', '.join(missing)}"
        raise CannotRun(f"cannot reach the database ({reason})") from exc


def _prepare(settings: Settings) -> None:
    """The database as a command needs it: on the embedded default (auto-migrate) migrated, as
    `serve` does; otherwise checked, so that an unmigrated one says what to do."""
    with _reaching_the_database(settings):
        if settings.should_auto_migrate:
            _migrate(settings)
            return
        pending = asyncio.run(_migrations_pending(settings))
    if pending:
        raise CannotRun(
            "the database is not migrated to this release: run `handover migrate` first"
        )


async def _migrations_pending(settings: Settings) -> bool:
    async with (
        open_database(settings) as database,
        database.transaction(write=False) as session,
    ):
        return await operations.migrations_pending(session)


async def _bootstrap(settings: Settings) -> str | None:
    """On an empty database: a default organization and an admin key (returned once)."""
    async with open_database(settings) as database, database.transaction() as session:
        if await organizations.has_organizations(session):
            return None
        organization = await organizations.create_organization(
            session, organizations.DEFAULT_ORGANIZATION
        )
        _, secret = await issue_key(session, organization.id, "bootstrap admin", [Scope.admin])
        return secret


def _say(message: str) -> None:
    typer.echo(message, err=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes answering requests (about one per core); the dispatcher, the CRM "
            "worker and the clock run once beside them.",
        ),
    ] = 1,
    development_on_network: Annotated[
        bool,
        typer.Option(
            "--development-on-network",
            help="Serve development mode on a non-loopback address although its secrets are "
            "not protected (e.g. a throwaway container).",
        ),
    ] = False,
) -> None:
    """Serve the API (migrating the embedded SQLite database first)."""
    from app import serving  # the whole app: imported by the commands that run it, not by all

    settings = Settings()
    if settings.environment is Environment.development:
        if not serving.is_loopback(host) and not development_on_network:
            raise CannotRun(
                f"development mode serves on loopback only, not {host!r}: its secrets are not "
                "protected. Set HANDOVER_ENVIRONMENT=production and HANDOVER_SECRET_KEY, or "
                "pass --development-on-network to accept that."
            )
        _say(serving.development_warning(settings))
    elif settings.public_base_url is None:
        _say(
            "WARNING: HANDOVER_PUBLIC_BASE_URL is not set: intake, share and calendar URLs "
            "name the host each request came in on, which behind a proxy is not the public "
            "one (and HubSpot's signatures then fail)."
        )
    if workers > 1 and settings.rate_limit_storage.startswith("memory://"):
        _say(
            f"WARNING: {workers} processes count rate limits apart (memory://): set "
            "HANDOVER_RATE_LIMIT_STORAGE=redis://… to share them."
        )
    _prepare(settings)
    if settings.bootstrap:
        secret = asyncio.run(_bootstrap(settings))
        if secret is not None:
            _say(
                f"Created organization '{organizations.DEFAULT_ORGANIZATION}' and an admin "
                f"API key (shown once, store it now):\n\n    {secret}\n"
            )
    configure_logging(settings.log_level, json=settings.log_json)
    serving.serve(settings, host=host, port=port, workers=workers)


async def _work(settings: Settings, *, with_clock: bool) -> None:
    from app.background import run_background  # imported by the commands that run it

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with open_database(settings) as database:
        await run_background(database, stop, deliver=True, with_clock=with_clock)


@cli.command()
def worker(
    clock: Annotated[
        bool,
        typer.Option(
            help="Run the clock too (--no-clock: the CRM work and webhook deliveries only)."
        ),
    ] = True,
) -> None:
    """Plan kept CRM requests, sync CRMs, deliver webhooks and run the clock (several
    against PostgreSQL share the work)."""
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    _prepare(settings)
    # uvloop, as `serve` runs on (uvicorn picks it): a worker's time is mostly the event loop's
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_work(settings, with_clock=clock))


@cli.command()
def migrate() -> None:
    """Apply pending migrations (`alembic upgrade head`) to the configured database."""
    settings = Settings()
    with _reaching_the_database(settings):
        _migrate(settings)


def _prepared() -> Settings:
    settings = Settings()
    _prepare(settings)
    return settings


async def _create_org(settings: Settings, name: str) -> str:
    async with open_database(settings) as database, database.transaction() as session:
        organization = await organizations.create_organization(session, name)
        return str(organization.id)


@orgs_cli.command("create")
def orgs_create(name: Annotated[str, typer.Argument(help="Unique name.")]) -> None:
    """Create an organization; prints its id."""
    typer.echo(asyncio.run(_create_org(_prepared(), name)))


async def _create_key(settings: Settings, org: str, name: str, scopes: list[Scope]) -> str:
    async with open_database(settings) as database, database.transaction() as session:
        organization = await organizations.find_organization(session, org)
        _, secret = await issue_key(session, organization.id, name, scopes)
        return secret


@keys_cli.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organization name or id.")],
    name: Annotated[str, typer.Option(help="What the key is for.")],
    scope: Annotated[
        list[Scope] | None, typer.Option(help="Repeat for several; default: admin.")
    ] = None,
) -> None:
    """Issue an API key; prints the key alone (shown once, only its hash is stored)."""
    typer.echo(asyncio.run(_create_key(_prepared(), org, name, scope or [Scope.admin])))


@cli.command("settings-reference")
def settings_reference() -> None:
    """Print the configuration reference table of docs/configuration.md, made from the settings."""
    from app.settings import settings_reference as reference

    sys.stdout.write(reference())


@cli.command()
def openapi() -> None:
    """Print the OpenAPI document (`handover openapi > openapi/openapi.json`)."""
    from app.main import create_app

    document = create_app(Settings()).openapi()
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


async def _import_deals(
    settings: Settings,
    path: Path,
    org: str,
    *,
    source: CrmSource | None,
    connection_id: UUID | None,
    won_stages: list[str],
    currency: str | None,
    template: UUID | None,
    project_manager: str | None,
) -> list[importer.RowResult]:
    results: list[importer.RowResult] = []
    async with open_database(settings) as database:
        async with database.transaction(write=False) as session:
            organization = await organizations.find_organization(session, org)
        manager_id = (
            None
            if project_manager is None
            else await importer.manager_by_email(database, organization.id, project_manager)
        )
        connection = (
            None
            if connection_id is None
            else await importer.connection_rules(database, organization.id, connection_id)
        )
        total = importer.count_rows(path)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            plan = importer.plan_import(
                reader.fieldnames or [], source=source, connection=connection, won_stages=won_stages
            )
            typer.echo(plan.describe(), err=True)
            with Progress(console=Console(stderr=True), transient=False) as progress:
                task = progress.add_task("Importing deals", total=total)
                rows = importer.import_deals(
                    database,
                    organization.id,
                    reader,
                    plan,
                    currency=currency,
                    project_template_id=template,
                    project_manager_id=manager_id,
                    connection_id=connection_id,
                )
                async for result in rows:
                    results.append(result)
                    progress.advance(task)
    return results


def _currency_code(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise typer.BadParameter("an ISO 4217 code, e.g. EUR")
    return value.upper()


@cli.command("import-deals")
def import_deals(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV: a HubSpot or Pipedrive deals export, or the canonical columns.",
            exists=True,
        ),
    ],
    org: Annotated[str, typer.Option(help="Organization name or id.")],
    source: Annotated[
        CrmSource | None,
        typer.Option(
            help="The CRM the deals live in (later pushes find them). Default: the export's "
            "CRM, else the connection's, else generic."
        ),
    ] = None,
    connection: Annotated[
        UUID | None,
        typer.Option(help="A CRM connection id: its CRM is the source, its won stages count."),
    ] = None,
    won_stage: Annotated[
        list[str] | None,
        typer.Option(
            help="A stage that means won, id or label (repeat for several), besides the "
            "connection's. Default: HubSpot closedwon; canonical files closedwon, Closed Won or "
            "won (every row without a stage column). Pipedrive deals count when their status is "
            "Won."
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="ISO code of amounts the file gives no currency for (e.g. a HubSpot account "
            "with one currency).",
            callback=_currency_code,
        ),
    ] = None,
    template: Annotated[
        UUID | None, typer.Option(help="Project template id (default: the built-in one).")
    ] = None,
    project_manager: Annotated[
        str | None, typer.Option(help="Email of the member who manages the new projects.")
    ] = None,
) -> None:
    """Import won deals from a CSV: each becomes exactly one project, rows not won are skipped.
    Exits 1 if rows were rejected (the others are imported), 2 if the file cannot be read."""
    try:
        results = asyncio.run(
            _import_deals(
                _prepared(),
                file,
                org,
                source=source,
                connection_id=connection,
                won_stages=won_stage or [],
                currency=currency,
                template=template,
                project_manager=project_manager,
            )
        )
    except importer.CannotImport as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    counts = Counter(result.outcome for result in results)
    typer.echo(
        f"created {counts['created']}, existing {counts['existing']}, "
        f"skipped {counts['skipped']}, rejected {counts['rejected']}"
    )
    for outcome in ("rejected", "skipped"):
        for result in results:
            if result.outcome == outcome:
                said = f"{outcome}: " if outcome == "skipped" else ""
                line = f"line {result.line} ({result.external_id or '?'})"
                typer.echo(f"{line}: {said}{result.reason}")
    if counts["rejected"]:
        raise SystemExit(1)


async def _purge_inbound(settings: Settings, days: int | None) -> int:
    kept_for = timedelta(days=days if days is not None else settings.crm_inbound_retention_days)
    async with open_database(settings) as database, database.transaction() as session:
        return await crm.purge_inbound(session, utcnow() - kept_for)


@cli.command("purge-inbound-requests")
def purge_inbound_requests(
    days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Keep this many days (default HANDOVER_CRM_INBOUND_RETENTION_DAYS)."
        ),
    ] = None,
) -> None:
    """Delete raw CRM requests older than the retention (run it daily, e.g. from cron)."""
    typer.echo(f"purged {asyncio.run(_purge_inbound(_prepared(), days))} inbound requests")


def _setting_problems(exc: ValidationError) -> str:
    return "; ".join(
        " ".join(
            part
            for part in (
                "HANDOVER_" + "_".join(map(str, error["loc"])).upper() if error["loc"] else "",
                error["msg"].removeprefix("Value error, "),
            )
            if part
        )
        for error in exc.errors()
    )


def main() -> None:
    try:
        cli()
    except (CannotRun, organizations.OrganizationExists, organizations.OrganizationNotFound) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from exc
    except ValidationError as exc:  # the settings: each problem named by its variable
        typer.echo(f"error: {_setting_problems(exc)}", err=True)
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
