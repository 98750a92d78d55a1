"""What an import keeps for its rollback: nothing per created record (the record says which
import and source row created it), and for an update only the fields it changed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def test_creates_keep_no_events_and_name_their_import_and_row(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    result = imp(
        "Email,First Name,Company\nann@example.com,Ann,Initech\nbob@example.com,Bob,Initech\n",
        "--create-missing-references",
    )
    job = result["import_job_id"]
    with engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM import_events")).scalar_one()
        made = conn.execute(
            sa.text("SELECT email, created_by_import_id, created_by_row FROM contacts ORDER BY id")
        ).all()
        company = conn.execute(sa.text("SELECT created_by_import_id FROM companies")).scalar_one()
    assert events == 0
    assert [tuple(r) for r in made] == [("ann@example.com", job, 1), ("bob@example.com", job, 2)]
    assert company == job
    code, undone, err = cli("rollback", str(job))
    assert code == 0, err
    assert undone["deleted_rows"] == 2
    with engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM companies)")
        ).scalar_one()
    assert left == 0


def test_an_update_keeps_only_the_fields_it_changed(imp: Any, cli: Any, engine: sa.Engine) -> None:
    imp("Email,First Name,Last Name,Job Title\nann@example.com,Ann,Lee,Chef\n")
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT * FROM contacts")).mappings().one()
    update = imp(
        "Email,First Name,Last Name,Job Title\nann@example.com,Ann,Lee,Head Chef\n",
        "--duplicates",
        "update",
    )
    with engine.connect() as conn:
        image = conn.execute(sa.text("SELECT before FROM import_events")).scalar_one()
    assert set(image) == {"id", "updated_at", "import_job_id", "job_title"}
    assert image["job_title"] == "Chef"
    code, _, err = cli("rollback", str(update["import_job_id"]))
    assert code == 0, err
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT * FROM contacts")).mappings().one()
    assert dict(after) == dict(before)


def test_job_and_rollback_scoped_to_an_org_do_not_see_another(
    imp: Any, cli: Any, engine: sa.Engine
) -> None:
    job = imp("Email\nann@example.com\n", org="victim")["import_job_id"]
    for command in ("job", "rollback"):
        code, out, err = cli(command, str(job), "--org", "acme")
        assert (code, out) == (2, None)
        assert f"No import job {job} in org acme" in err
    code, found, err = cli("job", str(job), "--org", "victim")
    assert code == 0 and found["org"] == "victim"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 1
