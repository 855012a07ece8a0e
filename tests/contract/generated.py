"""The clients integrators generate from `openapi/openapi.json`, generated the way
docs/contract.md tells them: with the configuration shipped beside it, the generator installed
with its dependencies (`ruff`, which its post-generation hooks run) on the PATH."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = ROOT / "openapi" / "openapi-python-client.yaml"


def python_client_generator() -> str:
    """`openapi-python-client`, from `HANDOVER_OPENAPI_PYTHON_CLIENT` or the PATH. It lives in a
    virtual environment of its own (`.ci/run` makes one): it pins a `typer` older than ours."""
    found = os.environ.get("HANDOVER_OPENAPI_PYTHON_CLIENT") or shutil.which(
        "openapi-python-client"
    )
    if not found:
        pytest.skip(
            "openapi-python-client is not installed: `.ci/run` installs it; by hand, "
            "`python3 -m venv /tmp/opc && /tmp/opc/bin/pip install openapi-python-client` and "
            "set HANDOVER_OPENAPI_PYTHON_CLIENT=/tmp/opc/bin/openapi-python-client"
        )
    return found


def generate_python_client(into: Path) -> str:
    """Generates the package `handover_client` under `into`; returns what the generator said."""
    generator = python_client_generator()
    # its post-generation hooks run `ruff`: its own, installed with it (as `pipx install
    # --include-deps` or an activated virtual environment put it on a user's PATH)
    path = f"{Path(generator).parent}:{os.environ['PATH']}"
    done = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(DOCUMENT),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(into / "handover_client"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        cwd=into,
        timeout=180,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output
