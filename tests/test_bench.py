"""Every benchmark script runs at its --quick size in CI, so none can rot: each must finish, print
its figures and (where it compares answers) agree with its baselines. No wall-clock assertion."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("*.py") if p.name != "common.py")


def test_every_script_is_listed():
    assert SCRIPTS == ["api_load.py", "browser.py", "cli.py", "export.py", "ingest.py", "montecarlo.py", "pages.py",
                       "postgres.py", "scorecard.py", "tail.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_quick(script: str, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("KPIS_DB", None)
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "machine:" in result.stdout
    assert "ratio" in result.stdout or "budget" in result.stdout, result.stdout
    assert "False" not in result.stdout, result.stdout  # every "agree" line holds
