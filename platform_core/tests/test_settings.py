"""DEBUG is off unless asked for, and then a SECRET_KEY is required."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings(**env: str) -> subprocess.CompletedProcess:
    # Empty rather than absent, so a developer's .env (read for missing keys only) cannot fill them in.
    clean = {**os.environ, "DEBUG": "", "SECRET_KEY": ""}
    return subprocess.run(
        [sys.executable, "-c", "import platform_core.settings as s; print('DEBUG', s.DEBUG)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_is_off_by_default_and_then_a_secret_key_is_required():
    refused = _settings()
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr
    assert "DEBUG False" in _settings(SECRET_KEY="x" * 50).stdout


def test_debug_on_is_asked_for_and_then_a_local_key_is_allowed():
    assert "DEBUG True" in _settings(DEBUG="true").stdout
