"""Shards: the validation fans out as one Dagster step per shard. The same file imported in
one shard in-process and in several shards on the Celery executor (a real Redis broker and
Celery workers on loopback) gives the same counts, records and rejects file; shard boundaries
never cut a quoted multi-line field; a failing shard fails the run with nothing written; a
retried shard never stages a row twice."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.cluster import start_redis, start_worker, stop
from bench.generate import generate
from tests.integration.processes import spawn_import
from tests.integration.test_import_parallel import records, rejects

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    stop(server)


def _cli(path: Path, org: str, env: dict[str, str], *flags: str) -> dict[str, Any]:
    process = spawn_import(path, *flags, org=org, env=env)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return dict(json.loads(out))


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    stop(*started)


@pytest.fixture
def celery_env(env_db: str, redis_url: str) -> dict[str, str]:
    """The environment that sends an import's steps to Celery workers on the test's database
    and folders, in chunks of 700 rows."""
    return {
        **os.environ,
        "CONTACTFLOW_EXECUTOR": "celery",
        "CONTACTFLOW_CELERY_BROKER": redis_url,
        "CONTACTFLOW_WORKERS": "1",
        "CONTACTFLOW_CHUNK_ROWS": "700",
    }


def test_celery_shards_give_what_one_in_process_shard_gives(
    celery_env: dict[str, str], workers: list[Any], engine: sa.Engine, tmp_path: Path
) -> None:
    """Two Celery worker processes sharing this machine's folders."""
    workers.append(start_worker(celery_env, 2))
    path = generate(3_500, tmp_path / "messy.csv", seed=11)
    local_env = {**celery_env, "CONTACTFLOW_EXECUTOR": "in_process"}
    local_env.pop("CONTACTFLOW_CHUNK_ROWS")
    one = _cli(path, "local", local_env, "--create-missing-references")
    sharded = _cli(
        path, "celery", celery_env, "--create-missing-references", "--option", "shards=3"
    )
    counts = [k for k in one if k.endswith("_rows")]
    assert {k: one[k] for k in counts} == {k: sharded[k] for k in counts}
    assert one["error_rows"] > 0 and one["created_rows"] > 3_000
    assert records(engine, "local") == records(engine, "celery")
    assert rejects(one) == rejects(sharded)
    with engine.connect() as conn:
        run_id = conn.execute(
            sa.text("SELECT run_id FROM import_jobs WHERE org = 'celery'")
        ).scalar_one()
    from pipelines.instance import get_instance

    steps = {s.step_key for s in get_instance().get_run_step_stats(run_id)}
    assert {"validate_rows[shard_1]", "validate_rows[shard_2]", "validate_rows[shard_3]"} <= steps


def test_shard_boundaries_keep_quoted_multiline_fields(
    env_db: str, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["Email,First Name,Notes"]
    for i in range(40):
        lines.append(f'p{i}@example.com,P{i},"line one of {i}\nline two, with a comma\n"')
    path = tmp_path / "multi.csv"
    path.write_text("\n".join(lines) + "\n")
    env = {**os.environ}
    single = _cli(path, "one", env)
    env.update(CONTACTFLOW_CHUNK_ROWS="3")
    sharded = _cli(path, "many", env, "--option", "shards=7")
    assert single["created_rows"] == sharded["created_rows"] == 40
    assert records(engine, "one") == records(engine, "many")
    with engine.connect() as conn:
        notes = conn.execute(
            sa.text("SELECT notes FROM contacts WHERE org = 'many' ORDER BY id LIMIT 1")
        ).scalar_one()
    assert notes == "line one of 0\nline two, with a comma"


def test_a_failing_shard_fails_the_run_and_writes_nothing(
    cli: Any, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.imports import steps

    real = steps.validate_shard

    def second_fails(run: Any, shard: Any, *args: Any, **kwargs: Any) -> Any:
        if shard.number == 2:
            raise ValueError("shard two cannot be read")
        return real(run, shard, *args, **kwargs)

    monkeypatch.setattr(steps, "validate_shard", second_fails)
    monkeypatch.setenv("CONTACTFLOW_CHUNK_ROWS", "10")
    path = tmp_path / "people.csv"
    path.write_text("Email\n" + "".join(f"x{i}@example.com\n" for i in range(50)))
    code, out, err = cli(
        "import", str(path), "--org", "acme", "--module", "contacts", "--option", "shards=3"
    )
    assert code == 2 and out is None
    assert "shard two cannot be read" in err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar_one() == 0
        status, reason = conn.execute(sa.text("SELECT status, reason FROM import_jobs")).one()
    assert status == "failed" and "shard two cannot be read" in reason


def test_a_retried_shard_never_stages_a_row_twice(
    env_db: str, engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.imports import steps

    monkeypatch.setenv("CONTACTFLOW_CHUNK_ROWS", "10")
    path = tmp_path / "people.csv"
    path.write_text("Email\n" + "".join(f"x{i}@example.com\n" for i in range(45)) + "bad\n")
    options = {"shards": 3}
    run = steps.ImportRun(7, "acme", "contacts", options, str(path), "p.csv", str(tmp_path / "w"))
    run = steps.map_step(steps.parse_step(run))
    steps.begin_validation(run, engine)
    shards = steps.plan_shards(run)
    assert [(s.first_chunk, s.last_chunk) for s in shards] == [(1, 2), (3, 3), (4, 5)]
    results = [steps.validate_shard(run, s, engine) for s in shards]
    again = steps.validate_shard(run, shards[2], engine)  # committed, then retried
    assert (again.staged_rows, again.error_rows) == (results[2].staged_rows, 1)
    collected = steps.collect_shards(run, [*results[:2], again], engine)
    assert (collected.staged_rows, collected.error_rows) == (45, 1)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM staging.import_7")).scalar_one() == 45


def test_the_parse_gathers_date_evidence_so_the_mapping_reads_one_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day-first proof is in the last chunk only: the parse gathers it from every chunk,
    and `map_step` needs no chunk but the first (on another machine it fetches only that)."""
    from pipelines.imports import steps

    monkeypatch.setenv("CONTACTFLOW_CHUNK_ROWS", "4")
    path = tmp_path / "people.csv"
    rows = [f"p{i}@example.com,03/04/20{10 + i}\n" for i in range(10)] + [
        "z@example.com,25/12/1990\n"
    ]
    path.write_text("Email,Created\n" + "".join(rows))
    run = steps.ImportRun(8, "acme", "contacts", {}, str(path), "p.csv", str(tmp_path / "w"))
    run = steps.parse_step(run)
    assert run.chunks == 3 and steps.map_reads(run) == [1]
    for number in (2, 3):
        run.chunk_path("raw", number).unlink()
    assert steps.map_step(run).date_orders == {"Created": "day_first"}
    # A run parsed without the evidence (an earlier version) reads every chunk for it.
    run = steps.parse_step(run.copy())
    run.date_evidence = None
    assert steps.map_reads(run) == [1, 2, 3]
    assert steps.map_step(run).date_orders == {"Created": "day_first"}


def test_shards_on_two_machines_move_through_s3(
    celery_env: dict[str, str],
    workers: list[Any],
    s3_bucket: str,
    engine: sa.Engine,
    tmp_path: Path,
) -> None:
    """Two workers that share no folder (each its own CONTACTFLOW_HOME, as on two machines):
    every step fetches the chunks and rejects parts it lacks from the uploads bucket, and the
    result is the in-process one; the bucket's work prefix is gone afterwards."""
    import boto3

    s3 = {
        **celery_env,
        **{k: os.environ[k] for k in os.environ if k.startswith("AWS_")},
        "UPLOADS_URL": f"s3://{s3_bucket}/uploads",
        "EXPORTS_URL": f"s3://{s3_bucket}/exports",
    }
    homes = [tmp_path / "machine-a", tmp_path / "machine-b"]
    for home in homes:
        workers.append(start_worker({**s3, "CONTACTFLOW_HOME": str(home)}, 1))
    path = generate(3_500, tmp_path / "messy.csv", seed=12)
    local_env = {**os.environ, "CONTACTFLOW_EXECUTOR": "in_process"}
    one = _cli(path, "local", local_env)
    sharded = _cli(path, "s3", s3, "--option", "shards=4")
    counts = [k for k in one if k.endswith("_rows")]
    assert {k: one[k] for k in counts} == {k: sharded[k] for k in counts}
    assert records(engine, "local") == records(engine, "s3")
    body = (
        boto3.client("s3")
        .get_object(Bucket=s3_bucket, Key=sharded["errors_file"].split(f"{s3_bucket}/", 1)[1])[
            "Body"
        ]
        .read()
        .decode()
    )
    assert list(csv.reader(io.StringIO(body, newline=""))) == rejects(one)
    # Each machine ran steps in its own work folder (the one that wrote removed its own).
    assert all((home / "staging").is_dir() for home in homes)
    listed = boto3.client("s3").list_objects_v2(Bucket=s3_bucket, Prefix="uploads/_work/")
    assert listed.get("KeyCount", 0) == 0
