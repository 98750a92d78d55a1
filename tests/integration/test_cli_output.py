"""What `contactflow` prints for a person: snapshot-style human output of each command (plain
text when stdout is not a terminal), the progress bar on a pseudo-terminal, `--org` on
job/rollback, and the `--output` checks of export."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PEOPLE = (
    "Email,First Name,Last Name,Company\n"
    "ann@example.com,Ann,Müller,Initech\n"
    "bad-email,Bob,Smith,\n"
    "zoe@example.com,Zoë,Ünal,[VIP] Acme\n"
)


@pytest.fixture
def human(env_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `contactflow ...` without --json; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "100")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        assert not ANSI.search(out + err), "ANSI codes on a stream that is not a terminal"
        assert not re.search(r"\bNone\b|\bFalse\b|\bTrue\b|\\u[0-9a-f]{4}", out)
        return code, out, err

    return run


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def _masked(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?( UTC)?", "<time>", text)
    text = re.sub(r"/\S+/(?=[^/\s]+\b)", "<dir>/", text)
    text = re.sub(r"^─+$", "───", text, flags=re.MULTILINE)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<run>", text)


def test_preview_prints_layout_mapping_and_sample(human: Any, people: Path) -> None:
    code, out, _ = human("preview", str(people))
    assert code == 0
    assert _masked(out).splitlines() == [
        "people.csv",
        "CSV · utf-8 · delimiter ',' · header row 1 · 3 rows",
        "Suggested mapping",
        "column      field       confidence",
        "───",
        "Email       email              96%",
        "First Name  first_name         95%",
        "Last Name   last_name          95%",
        "Company     company            95%",
        "First 3 rows",
        "Email            First Name  Last Name  Company",
        "───",
        "ann@example.com  Ann         Müller     Initech",
        "bad-email        Bob         Smith      -",
        "zoe@example.com  Zoë         Ünal       [VIP] Acme",
    ]


def test_import_job_jobs_and_rollback_print_summaries(human: Any, people: Path) -> None:
    code, out, _ = human("import", str(people), "--org", "acme", "--module", "contacts")
    assert code == 0
    assert _masked(out).splitlines() == [
        "Import job 1 · completed",
        "3 rows: 2 created · 1 with errors",
        "action                 merge",
        "unresolved references  company: Initech, [VIP] Acme",
        "mapping                Email → email, First Name → first_name, Last Name → last_name, "
        "Company → company",
        "row  field  value      error",
        "───",
        "  2  email  bad-email  invalid email address",
        "Rejected rows: <dir>/import-1-rejects.csv",
    ]

    code, out, _ = human("jobs", "--org", "acme")
    assert _masked(out).splitlines() == [
        "id  status     file        rows  created  updated  errors  at",
        "───",
        " 1  completed  people.csv     3        2        0       1  <time>",
        "1 import jobs of acme/contacts, newest first",
    ]

    code, out, _ = human("job", "1", "--org", "acme")
    lines = _masked(out).splitlines()
    assert lines[:4] == [
        "Import job 1 · completed",
        "3 rows: 2 created · 1 with errors",
        "org / module    acme / contacts",
        "file            people.csv (csv)",
    ]
    assert "Rejected rows: <dir>/import-1-rejects.csv" in lines

    code, out, _ = human("rollback", "1", "--org", "acme")
    assert code == 0
    assert out.splitlines() == [
        "Rolled back import job 1",
        "2 records deleted · 0 restored · 0 conflicts",
    ]


def test_import_errors_end_with_and_n_more(human: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    rows = [f"bad-{n},Name{n}" for n in range(25)]
    path.write_text("Email,First Name\nok@example.com,Ok\n" + "\n".join(rows) + "\n", "utf-8")
    code, out, _ = human("import", str(path), "--org", "acme", "--module", "contacts")
    assert code == 0
    assert "… and 15 more rows with errors" in out.splitlines()


def test_export_and_db_status_print_for_a_person(human: Any, people: Path) -> None:
    human("import", str(people), "--org", "acme", "--module", "contacts")
    code, out, _ = human("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    assert code == 0
    lines = _masked(out).splitlines()
    assert lines[:3] == ["Export job 1 · completed", "2 rows", f"file      <dir>/{lines[2][16:]}"]
    assert lines[4].startswith("size      ") and lines[4].endswith("bytes")
    code, out, _ = human("db", "status")
    assert "up to date  yes" in out.splitlines()


def test_exports_table_and_export_job_print_for_a_person(human: Any, people: Path) -> None:
    human("import", str(people), "--org", "acme", "--module", "contacts")
    human("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    code, out, _ = human("exports", "--org", "acme")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "id",
        "status",
        "module",
        "format",
        "rows",
        "size",
        "requested",
        "expires",
    ]
    assert lines[2].split()[:5] == ["1", "completed", "contacts", "csv", "2"]
    assert lines[-1] == "1 export jobs of acme, newest first"
    code, out, _ = human("export-job", "1", "--org", "acme")
    lines = _masked(out).splitlines()
    assert lines[:3] == ["Export job 1 · completed", "2 rows", "org / module  acme / contacts"]
    assert any(x.startswith("download      file://") for x in out.splitlines())
    code, out, _ = human("exports", "--org", "nobody")
    assert out == "No export jobs match.\n"


def test_demo_prints_the_import_and_export_summaries(human: Any) -> None:
    """`./dev demo` without --json reads like `import` and `export`: counts, an errors table,
    the first lines of the rejects and export files; no `key: value, ...` lines."""
    code, out, _ = human("demo")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Imported ") and lines[0].endswith("sample_contacts.csv")
    start = lines.index("Import job 1 · completed")
    # Alan Turing's 020 7946 0999 is read in his row's country, United Kingdom (issue 15).
    assert lines[start + 1] == "11 rows: 7 created · 1 skipped · 3 with errors"
    assert any(re.fullmatch(r"\s*6\s+email\s+edsger@tue\s+invalid email address", x) for x in lines)
    rejects = lines.index("The rejects file starts:")
    assert lines[rejects + 1].startswith("First Name,Last Name,")
    assert "Export job 1 · completed" in lines and "7 rows" in lines
    export = lines.index("The export starts:")
    assert lines[export + 1] == "Display name,Email,Phones,Company,Job title"
    assert lines[-1].startswith("Next: Open the Dagster UI")
    assert not any(re.match(r"^(summary|row errors)\s", x) for x in lines)


def test_job_and_rollback_stay_within_an_org(cli: Any, imp: Any) -> None:
    imp("Email\nann@example.com\n", org="acme")
    code, out, _ = cli("job", "1")
    assert (code, out["org"]) == (0, "acme")  # --org is optional (SPEC §8)
    imp("Email\nbob@example.com\n", org="beta")
    code, _, err = cli("job", "1", "--org", "beta")
    assert (code, err.strip()) == (2, "contactflow: No import job 1 in org beta.")
    code, _, err = cli("rollback", "1", "--org", "beta")
    assert (code, err.strip()) == (2, "contactflow: No import job 1 in org beta.")
    code, out, _ = cli("job", "1", "--org", "acme")
    assert (code, out["status"]) == (0, "completed")  # not rolled back
    code, out, _ = cli("rollback", "1", "--org", "acme")
    assert (code, out["deleted_rows"]) == (0, 1)


def test_export_output_is_checked_before_the_export_runs(
    cli: Any, imp: Any, tmp_path: Path, engine: Any
) -> None:
    import sqlalchemy as sa

    imp("Email\nann@example.com\n")
    export = ("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    existing = tmp_path / "existing.csv"
    existing.write_text("keep me", encoding="utf-8")
    refused = {
        f"{tmp_path}/missing/": "does not exist",
        str(existing): "exists: pass --force to replace it.",
        "/dev/full": "is not a place for files",
        "/proc/self/status": "is not a place for files",
    }
    for target, message in refused.items():
        code, _, err = cli(*export, "--output", target)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, target
    assert existing.read_text("utf-8") == "keep me"
    assert not (tmp_path / "missing").exists()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM export_jobs")).scalar() == 0

    code, _, err = cli(*export, "--output", "/proc/self/status", "--force")
    assert code == 2 and "is not a place for files" in err
    code, out, _ = cli(*export, "--output", str(existing), "--force")
    assert code == 0 and out["file"] == str(existing.resolve())
    assert existing.read_text("utf-8").startswith("Display name,Email")
    (tmp_path / "folder").mkdir()
    code, out, _ = cli(*export, "--output", f"{tmp_path}/folder/")
    assert code == 0 and Path(out["file"]).parent == tmp_path / "folder"


def _run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal; returns its output."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=REPO_ROOT,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(timeout=300), b"".join(chunks).decode("utf-8")


def _big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    rows = (f"p{n}@example.com,Anna{n},Müller" for n in range(50_000))
    path.write_text("Email,First Name,Last Name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_on_a_terminal_shows_a_progress_bar_then_the_summary(
    env_db: str, tmp_path: Path
) -> None:
    env = {**os.environ, "COLUMNS": "100", "CONTACTFLOW_WORKERS": "1"}
    code, output = _run_on_terminal(
        ["import", str(_big_file(tmp_path)), "--org", "acme", "--module", "contacts"], env
    )
    assert code == 0, output
    assert ANSI.search(output)  # a terminal gets colours and cursor control
    screens = [ANSI.sub("", s).strip() for s in re.split(r"[\r\n]+", output)]
    bars = [s for s in screens if re.match(r"(starting|parsing|validating|writing|completed)", s)]
    assert {b.split()[0] for b in bars} >= {"starting", "completed"}
    assert {b.split()[0] for b in bars} & {"parsing", "validating", "writing"}
    assert re.search(r"completed .* 50,000 / 50,000 rows [\d,]+ rows/s \d:\d\d:\d\d$", bars[-1])
    lines = [s for s in screens if s]
    summary = lines[lines.index("Import job 1 · completed") :]
    assert summary[1] == "50,000 rows: 50,000 created"
    assert not [line for line in summary if line.startswith(("parsing", "validating"))]


def test_quiet_and_pipes_get_no_progress_bar(env_db: str, tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "100", "CONTACTFLOW_WORKERS": "1"}
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    args = ["import", str(path), "--org", "acme", "--module", "contacts"]
    code, output = _run_on_terminal([*args, "--quiet"], env)
    assert code == 0 and not re.search(r"starting|rows/s", output)
    assert ANSI.sub("", output).splitlines()[0] == "Import job 1 · completed"
    piped = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert piped.returncode == 0 and piped.stderr == ""
    assert not ANSI.search(piped.stdout) and piped.stdout.startswith("Import job 2 · completed\n")
    as_json = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--json", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert json.loads(as_json.stdout)["import_job_id"] == 3


def test_job_set_delete_and_fetch_print_for_a_person(
    human: Any, people: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    human("import", str(people), "--org", "acme", "--module", "contacts")
    code, out, _ = human("job", "1", "--set", "campaign_id=spring", "--set", "source=fair")
    lines = _masked(out).splitlines()
    assert code == 0 and lines[:2] == [
        "Import job 1 · completed",
        "3 rows: 2 created · 1 with errors",
    ]
    assert "source          fair" in lines and "campaign        spring" in lines
    monkeypatch.chdir(tmp_path)
    code, out, _ = human("fetch", "rejects", "1")
    assert code == 0 and _masked(out).splitlines() == [
        "Fetched the rejected rows of import job 1",
        "file  <dir>/import-1-rejects.csv",
        "size  107 bytes",
        "from  <dir>/import-1-rejects.csv",
    ]
    code, out, _ = human("fetch", "upload", "1", "--org", "acme", "--output", "copy.csv")
    assert code == 0 and _masked(out).splitlines() == [
        "Fetched the upload of import job 1",
        "file  <dir>/copy.csv",
        f"size  {len(PEOPLE.encode()):,} bytes",
        "from  <dir>/people.csv",
    ]
    human("export", "--org", "acme", "--module", "contacts", "--format", "csv")
    code, out, _ = human("fetch", "export", "1")
    lines = _masked(out).splitlines()
    assert code == 0 and lines[0] == "Fetched the export of export job 1"
    assert re.fullmatch(r"file      <dir>/contacts-\d{8}-\d{6}-1\.csv", lines[1])
    assert re.fullmatch(r"manifest  <dir>/contacts-\d{8}-\d{6}-1\.csv\.manifest\.json", lines[2])
    assert re.fullmatch(r"size      \d+ bytes", lines[3]) and lines[4].startswith(
        "from      <dir>/"
    )
    code, out, _ = human("job", "1", "--delete")
    assert code == 0 and _masked(out).splitlines() == [
        "Deleted import job 1",
        "Its records stay, no longer linked to it; it can no longer be rolled back.",
        "records unlinked  2 records (contacts: 2)",
        "history removed   0 change events",
        "files deleted     3",
        "  <dir>/import-1-rejects.csv",
        "  <dir>/import-1-rejects.json",
        "  <dir>/people.csv",
    ]
    code, out, err = human("fetch", "upload", "1")
    assert (code, out, err) == (2, "", "contactflow: No import job 1.\n")


def test_export_launch_prints_how_to_follow_and_fetch(human: Any) -> None:
    code, out, err = human("export", "--org", "acme", "--module", "contacts", "--format", "csv",
                         "--launch")  # fmt: skip
    assert code == 0, err
    assert _masked(out).splitlines() == [
        "Export job 1 queued",
        "run  <run>",
        "Follow it with: contactflow export-job 1",
        "Then download it: contactflow fetch export 1",
    ]
