"""References the import creates: the first spelling in the file wins, and an import that
creates companies never races an import of companies into duplicates."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.integration.processes import spawn_import

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_reference_takes_its_first_spelling(imp: Any, engine: sa.Engine) -> None:
    imp(
        "Email,Company,Groups\n"
        "a@example.com,Initech,VIP;beta\n"
        "b@example.com,INITECH,vip\n"
        "c@example.com,initech,Beta\n",
        "--create-missing-references",
    )
    with engine.connect() as conn:
        companies = conn.execute(sa.text("SELECT name FROM companies")).scalars().all()
        groups = conn.execute(sa.text("SELECT name FROM groups ORDER BY name")).scalars().all()
    assert companies == ["Initech"]
    assert groups == ["VIP", "beta"]


def _spawn(path: Path, module: str, *flags: str) -> subprocess.Popen[str]:
    return spawn_import(path, *flags, module=module)


def _waiting(engine: sa.Engine) -> int:
    with engine.connect() as probe:
        return int(
            probe.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
        )


def _wait_for(engine: sa.Engine, sessions: int, processes: list[Any]) -> None:
    deadline = time.monotonic() + 120
    while _waiting(engine) < sessions:
        assert time.monotonic() < deadline, [p.communicate() for p in processes]
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)


def test_creating_companies_never_races_a_companies_import(
    env_db: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """The interleaving that duplicated every company: the companies import matched its
    names (none found) and is about to insert them when a contacts import creates the same
    names. A table lock held by the test stops both inserts at that point, then lets go."""
    names = [f"Company {i:03d}" for i in range(560)]
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "Email,Company\n" + "".join(f"p{i}@example.com,{n}\n" for i, n in enumerate(names))
    )
    companies = tmp_path / "companies.csv"
    companies.write_text("Name\n" + "".join(f"{n}\n" for n in names))
    holder = engine.connect()
    holder.execute(sa.text("LOCK TABLE companies IN SHARE MODE"))
    processes = [_spawn(companies, "companies", "--match", "name")]
    _wait_for(engine, 1, processes)  # the companies import waits to insert
    processes.append(_spawn(contacts, "contacts", "--create-missing-references"))
    _wait_for(engine, 2, processes)  # and the contacts import waits too
    holder.rollback()
    holder.close()
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        json.loads(out)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT lower(name)) FROM companies")
        ).one()
        linked = conn.execute(
            sa.text("SELECT count(*) FROM contacts WHERE company_id IS NOT NULL")
        ).scalar_one()
    assert tuple(found) == (560, 560)
    assert linked == 560
