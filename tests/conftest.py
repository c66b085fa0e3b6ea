"""Shared fixtures: the demo company and SMSTurbo database as real SQLite files."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from smsync_xl.apply import make_plan
from smsync_xl.compare import Plan
from smsync_xl.connect import open_source, open_store
from smsync_xl.demo import create_demo
from smsync_xl.fields import ENTITIES
from smsync_xl.sage50 import Sage50Source
from smsync_xl.settings import Settings, load_settings
from smsync_xl.smsturbo import CHANGES, RUNS, SMSTurboStore


@dataclass
class Demo:
    folder: Path
    settings_path: Path
    settings: Settings
    source: Sage50Source
    store: SMSTurboStore

    def plan(self, entity: str = "customers") -> Plan:
        return make_plan(ENTITIES[entity], self.source, self.store, self.settings)

    def reload(self) -> Demo:
        return demo_at(self.folder, self.settings_path)


def demo_at(folder: Path, settings_path: Path) -> Demo:
    settings = load_settings(settings_path)
    return Demo(folder, settings_path, settings, open_source(settings), open_store(settings))


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    return demo_at(tmp_path, create_demo(tmp_path))


def dump(path: Path, *, audit: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), to compare a database before and after."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
            if audit or table not in (RUNS, CHANGES)
        }
    finally:
        connection.close()


def audit_rows(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        return tuple(
            connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in (RUNS, CHANGES)
        )
    finally:
        connection.close()
