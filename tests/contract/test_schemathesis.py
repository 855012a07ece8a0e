"""Schemathesis against a live `handover serve` on the suite's database (SQLite, or PostgreSQL
with HANDOVER_TEST_DATABASE_URL): every operation, positive and negative data, the stateful
phase along the document's links; no server error, and every status code, content type and
body as the document declares. Settings: `schemathesis.toml` beside this file."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url
from tests.contract.generated import DOCUMENT
from tests.serving import HANDOVER, serving

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("st")
BUDGET_SECONDS = 300  # past this the run fails: CI affords about three minutes per database


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    for url in fresh_database_url(tmp_path):
        env = {
            **os.environ,
            "HANDOVER_DATABASE_URL": url,
            "PYTHONUNBUFFERED": "1",
            # it is the contract under test, not the quotas: they have their own tests
            "HANDOVER_RATE_LIMIT": "1000000/minute",
            "HANDOVER_CRM_RATE_LIMIT": "1000000/minute",
            "HANDOVER_ORGANIZATION_RATE_LIMIT": "1000000/minute",
            "HANDOVER_FAILED_AUTH_RATE_LIMIT": "1000000/minute",
            "HANDOVER_CRM_UNVERIFIED_RATE_LIMIT": "1000000/minute",
            # generated webhook URLs are never called: no deliveries, no public addresses
            "HANDOVER_DISPATCHER_ENABLED": "false",
            "HANDOVER_WEBHOOK_ALLOW_PUBLIC": "false",
            "HANDOVER_LOG_LEVEL": "WARNING",
        }
        env.pop("HANDOVER_BOOTSTRAP", None)
        if make_url(url).get_backend_name() != "sqlite":
            subprocess.run([*HANDOVER, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
        with serving(env, tmp_path) as (base, log_path):
            key = re.search(r"hk_live_[A-Za-z0-9_-]{43}", log_path.read_text())
            assert key, log_path.read_text()
            started = time.monotonic()
            run = subprocess.run(
                [
                    str(SCHEMATHESIS),
                    "--config-file",
                    str(CONFIG),
                    "run",
                    str(DOCUMENT),
                    "--url",
                    base,
                    "--header",
                    f"Authorization: Bearer {key.group()}",
                ],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=BUDGET_SECONDS,
                check=False,
            )
            took = time.monotonic() - started
            served = log_path.read_text()
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-20000:] + "\n--- server ---\n" + served[-5000:]
    assert re.search(r"Stateful .*\n(.*\n)*?\s+✅ \d+ passed", said), said
    assert "unhandled error" not in served, served[-5000:]
    print(f"schemathesis took {took:.0f} s:\n{said}")
