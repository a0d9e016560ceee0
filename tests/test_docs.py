"""The README documents every setting and every CLI command (a setting nobody can find is a bug)."""

from __future__ import annotations

import re

from kpis.cli.parser import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_environment_setting_is_documented():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    settings = set(re.findall(r"\b(KPIS_[A-Z_]+|BROWSER_PATH|CHROMIUM_PATH)\b", sources))
    assert settings, "the scan found no settings"
    assert sorted(s for s in settings if s not in README) == []


def test_every_cli_command_is_documented():
    commands = build_parser()._subparsers._group_actions[0].choices
    assert sorted(name for name in commands if f"`{name}" not in README) == []


def test_two_commands_and_ci_use_the_same_test_command():
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
