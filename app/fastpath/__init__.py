"""The lean path for what PM tools poll most: a project's status, and the list of changes.

Through FastAPI's routing, its dependencies and the ORM, a poll costs many times the one database
round trip it needs. So a pure ASGI layer in front of the app (`middleware.py`) answers the polls
it can, each from one statement that reads the key by its hash together with what the poll asks
for, on connections of its own (`pools.py`):

- `GET /v1/projects/{project_id}/status` (`status.py`): 304 when the client's copy is current,
  or 200 with the document kept for the project's version and day;
- `GET /v1/projects` with `updated_since`, `limit` and `cursor` only, or with `sync_token` and
  `limit` only (`changes.py`, `statements.py`): the page of the change list or the first page of
  a sync pass, from each project's item as PostgreSQL keeps it (`list_item.py`, written by
  `sql_json.py`).

Everything else goes on to the route unchanged: no key, or an unknown, expired or revoked one,
a missing scope, a project of another organization, a parameter the route would refuse or that
this path does not read, a document not yet built, a failure of the path itself. The routes stay
the definition of the behaviour and of the contract; this path gives what the route would give,
through the helpers of app/core the routes use too (`steps.py`), and tests/fastpath/ compares
the two side by side, byte for byte. It counts a request against the rate limits of the key and
its organization only when it answers.

Beside the polls, the CRM intake's route takes its two statements from here (`intake.py`): the
route and the intake's rules stay the CRM's (app/crm/intake.py), only the reading of the
connection and the keeping of a push run on these connections (through the engine when they
fail).

PostgreSQL only: SQLite serves one machine, where the routes are fast enough, and its rows
would need SQLAlchemy's type conversions.
"""
