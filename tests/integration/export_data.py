"""Shared data for the export tests: contacts loaded through the real import path."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

CONTACTS_CSV = (
    "External ID,First Name,Last Name,Email,Mobile,Work,Company,Job Title,Street,City,State,"
    "Zip,Country,Tags,Groups,Source Date\n"
    "C1,Ann,Lee,ann@example.com,+1 415 555 0100,+1 415 555 0199,Acme Inc,CEO,1 Main St,"
    "Springfield,IL,62701,US,vip;board,VIP;Customers,2023-03-15T10:30:00Z\n"
    'C2,Bob,Stone,bob@example.com,,+44 20 7946 0018,Globex,"=HYPERLINK(""http://x.example"",'
    '""click"")",,London,,,UK,,Customers,\n'
    "C3,Cleo,Park,cleo@example.org,,,,-5,,,,,,new,,\n"
    "C4,Dan,Ng,dan@example.net,+1 212 555 0142,,Acme Inc,3.14,,Berlin,,,DE,vip,VIP,\n"
    "C5,=1+2,@SUM(A1),eve@example.com,,,,+cmd|' /C calc'!A0,,,,,,,,\n"
)
MAPPING: dict[str, Any] = {
    "create_missing_references": True,
    "column_mapping": [
        {"source_column": "External ID", "target_field": "external_id"},
        {"source_column": "First Name", "target_field": "first_name"},
        {"source_column": "Last Name", "target_field": "last_name"},
        {"source_column": "Email", "target_field": "email"},
        {"source_column": "Mobile", "target_field": "phones", "value_type": "Mobile"},
        {"source_column": "Work", "target_field": "phones", "value_type": "Work"},
        {"source_column": "Company", "target_field": "company"},
        {"source_column": "Job Title", "target_field": "job_title"},
        {"source_column": "Street", "target_field": "address", "address_part": "street"},
        {"source_column": "City", "target_field": "address", "address_part": "city"},
        {"source_column": "State", "target_field": "address", "address_part": "state"},
        {"source_column": "Zip", "target_field": "address", "address_part": "zip"},
        {"source_column": "Country", "target_field": "address", "address_part": "country"},
        {"source_column": "Tags", "target_field": "tags"},
        {"source_column": "Groups", "target_field": "groups"},
        {"source_column": "Source Date", "target_field": "source_created_at"},
    ],
}
OTHER_ORG_CSV = "Email,First Name,Groups\nzed@other.example,Zed,VIP\n"


@pytest.fixture
def loaded(imp: Any, tmp_path: Path) -> dict[str, Any]:
    """Five contacts in org `acme` (companies and groups created), one in org `other` that
    shares the group name VIP; returns the acme import result."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    result = imp(CONTACTS_CSV, "--mapping", str(mapping))
    assert result["created_rows"] == 5, result
    imp(OTHER_ORG_CSV, "--create-missing-references", org="other")
    return dict(result)


def export(cli: Any, *args: str, org: str = "acme", module: str = "contacts") -> dict[str, Any]:
    """Run `contactflow export` and return its JSON result (exit code must be 0)."""
    code, out, err = cli("export", "--org", org, "--module", module, *args)
    assert code == 0, err
    return dict(out)


def export_error(cli: Any, *args: str, org: str = "acme", module: str = "contacts") -> str:
    """Run `contactflow export` expecting exit 2; returns the message on stderr."""
    code, out, err = cli("export", "--org", org, "--module", module, *args)
    assert code == 2, (out, err)
    assert out is None
    return str(err)


def local_path(location: str) -> Path:
    assert location.startswith("file://"), location
    from urllib.parse import unquote

    return Path(unquote(location.removeprefix("file://")))


def read_csv(location: str, delimiter: str = ",") -> list[list[str]]:
    with open(local_path(location), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def read_manifest(result: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(local_path(result["manifest_file"]).read_text("utf-8")))


def ids_by_external_id(engine: Any, org: str = "acme") -> dict[str, int]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT external_id, id FROM contacts WHERE org = :org"), {"org": org}
        )
        return {str(k): int(v) for k, v in rows}


def column(rows: list[list[str]], label: str) -> list[str]:
    """The values under `label` in a CSV read with its header row."""
    index = rows[0].index(label)
    return [row[index] for row in rows[1:]]
