"""The Hypothesis profiles of tests/conftest.py: CI replays, `make test` draws fresh examples
and keeps failures in .hypothesis/ so the next run replays them first."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parents[2]


def test_ci_replays_the_same_examples_without_a_database():
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None


def test_a_local_run_draws_fresh_examples_and_keeps_failures():
    dev = settings.get_profile("dev")
    assert dev.derandomize is False
    assert isinstance(dev.database, DirectoryBasedExampleDatabase)
    assert Path(dev.database.path) == ROOT / ".hypothesis"
    assert ".hypothesis/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_profile_follows_ci_and_the_fuzz_settings_inherit_it():
    from tests.reliability.test_fuzz import FUZZ

    expected = settings.get_profile("ci" if os.environ.get("CI") else "dev")
    assert settings.default.derandomize == expected.derandomize
    assert FUZZ.derandomize == expected.derandomize  # not pinned by the module
    assert FUZZ.database == expected.database
