"""The cleanup job against aged rows and files on a real PostgreSQL: expired exports, stuck
imports, staging leftovers, old rollback history; a second run finds nothing to do."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from tests.integration.export_data import export, local_path


def _insert_import(conn: sa.Connection, status: str, started: str, run_id: str | None) -> int:
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO import_jobs (org, module, status, started_at, run_id) VALUES "
                f"('acme', 'contacts', :status, now() - interval '{started}', :run_id) "
                "RETURNING id"
            ),
            {"status": status, "run_id": run_id},
        ).scalar_one()
    )


def test_cleanup_expires_times_out_removes_and_purges_idempotently(
    cli: Any, imp: Any, engine: sa.Engine, tmp_path: Path
) -> None:
    from pipelines.definitions import defs

    imp("Email,First Name\nann@example.com,Ann\n")
    # An update leaves a before-image event (creates need none), which the purge removes.
    first = imp("Email,First Name\nann@example.com,Annie\n", "--duplicates", "update")
    first = first["import_job_id"]
    imp("Email,First Name\nbob@example.com,Bob\n")
    expired = export(cli, "--format", "csv")
    fresh = export(cli, "--format", "xlsx")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE export_jobs SET expires_at = now() - interval '1 hour' WHERE id = :id"),
            {"id": expired["export_job_id"]},
        )
        stuck = _insert_import(conn, "processing", "3 hours", "run-that-died")
        recent = _insert_import(conn, "processing", "10 minutes", None)
        failed = _insert_import(conn, "failed", "1 day", None)
        conn.execute(
            sa.text(
                "UPDATE import_events SET created_at = now() - interval '31 days' "
                "WHERE import_job_id = :id"
            ),
            {"id": first},
        )
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS staging"))
        for job_id in (failed, recent, 987654):
            conn.execute(sa.text(f"CREATE TABLE staging.import_{job_id} (x int)"))
    staging = tmp_path / "home" / "staging"
    folders = {
        name: staging / name
        for name in (
            f"import-{first}",
            f"import-{stuck}",
            f"import-{recent}",
            f"export-{expired['export_job_id']}",
            "import-999999",
            "import-999998",
        )
    }
    for folder in folders.values():
        (folder / "raw").mkdir(parents=True)
        (folder / "raw" / "chunk-00001.parquet").write_bytes(b"x")
    old = time.time() - 3 * 3600
    os.utime(folders["import-999999"], (old, old))
    (staging / "README.txt").write_text("not a work folder")

    job = defs.get_job_def("cleanup")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance)
    assert result.success
    report = result.output_for_node("clean_up")
    assert report["expired_exports"] == [expired["export_job_id"]]
    assert report["deleted_files"] == [expired["file"], expired["manifest_file"]]
    assert report["timed_out_imports"] == [stuck]
    assert report["timed_out_runs"] == ["run-that-died"]
    assert report["dropped_staging_tables"] == [
        f"staging.import_{failed}",
        "staging.import_987654",
    ]
    assert sorted(Path(p).name for p in report["removed_staging_folders"]) == sorted(
        [
            f"import-{first}",
            f"import-{stuck}",
            f"export-{expired['export_job_id']}",
            "import-999999",
        ]
    )
    assert report["purged_import_events"] == 1
    assert not local_path(expired["file"]).exists()
    assert not local_path(expired["manifest_file"]).exists()
    assert local_path(fresh["file"]).exists()
    assert folders[f"import-{recent}"].is_dir() and folders["import-999998"].is_dir()
    assert (staging / "README.txt").exists()
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT id, status FROM export_jobs")).all())
        imports = dict(conn.execute(sa.text("SELECT id, status FROM import_jobs")).all())
        tables = (
            conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'staging'"
                )
            )
            .scalars()
            .all()
        )
        reason = conn.execute(
            sa.text("SELECT reason FROM import_jobs WHERE id = :id"), {"id": stuck}
        ).scalar_one()
    assert statuses == {expired["export_job_id"]: "expired", fresh["export_job_id"]: "completed"}
    assert imports[stuck] == "timed_out" and imports[recent] == "processing"
    assert "import_timeout_minutes" in reason
    assert tables == [f"import_{recent}"]
    metadata = {}
    for event in result.all_events:
        if event.is_successful_output:
            metadata = event.step_output_data.metadata
    assert metadata["expired_exports"].value == 1
    assert metadata["purged_import_events"].value == 1

    again = job.execute_in_process(instance=instance).output_for_node("clean_up")
    assert all(value in ([], 0) for value in again.values()), again

    code, _, err = cli("rollback", str(first))
    assert code == 2 and "no longer possible" in err


def test_cleanup_marks_a_stuck_dagster_run_failed(env_db: str, engine: sa.Engine) -> None:
    from pipelines.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    run = instance.create_run_for_job(job_def=defs.get_job_def("cleanup"))
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(event_type_value="PIPELINE_START", job_name=run.job_name),
    )
    with engine.begin() as conn:
        _insert_import(conn, "processing", "5 hours", run.run_id)
    result = defs.get_job_def("cleanup").execute_in_process(
        instance=instance,
        run_config={"ops": {"clean_up": {"config": {"import_timeout_minutes": 60}}}},
    )
    assert result.output_for_node("clean_up")["timed_out_runs"] == [run.run_id]
    stored = instance.get_run_by_id(run.run_id)
    assert stored is not None and stored.status == dg.DagsterRunStatus.FAILURE


def test_cleanup_deletes_the_partitions_of_expired_and_deleted_imports(
    imp: Any, engine: sa.Engine
) -> None:
    from pipelines.definitions import defs
    from pipelines.instance import get_instance

    jobs = [imp(f"Email\n{name}@example.com\n")["import_job_id"] for name in ("ann", "bob", "cy")]
    expired, deleted, live = jobs
    with engine.begin() as conn:
        keys = dict(conn.execute(sa.text("SELECT id, partition_key FROM import_jobs")).all())
        conn.execute(
            sa.text("UPDATE import_jobs SET expires_at = now() - interval '1 day' WHERE id = :id"),
            {"id": expired},
        )
        conn.execute(sa.text("DELETE FROM import_jobs WHERE id = :id"), {"id": deleted})
    instance = get_instance()
    assert sorted(instance.get_dynamic_partitions("import_files")) == sorted(keys.values())

    cleanup = defs.get_job_def("cleanup")
    report = cleanup.execute_in_process(instance=instance).output_for_node("clean_up")
    assert report["deleted_partitions"] == sorted([keys[expired], keys[deleted]])
    assert instance.get_dynamic_partitions("import_files") == [keys[live]]
    assert instance.get_runs(dg.RunsFilter(tags={"dagster/partition": keys[expired]}))
    again = cleanup.execute_in_process(instance=instance).output_for_node("clean_up")
    assert again["deleted_partitions"] == []
