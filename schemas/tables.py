"""SQLAlchemy Core tables: record tables derived from the module definitions, plus job tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from schemas.modules import MODULES, DataType, FieldDef, ModuleDef

metadata = sa.MetaData()

_TEXT_TYPES = {DataType.TEXT, DataType.EMAIL, DataType.URL, DataType.LINKEDIN_URL, DataType.DOMAIN}


def _column_for(f: FieldDef) -> sa.Column:
    if f.data_type is DataType.REFERENCE:
        return sa.Column(
            f.column, sa.BigInteger, sa.ForeignKey(f"{f.reference}.id", ondelete="SET NULL")
        )
    if f.data_type is DataType.PHONE or f.data_type is DataType.ADDRESS:
        return sa.Column(f.column, JSONB)
    if f.data_type is DataType.DATETIME:
        return sa.Column(f.column, sa.DateTime(timezone=True))
    if f.data_type in _TEXT_TYPES:
        return sa.Column(f.column, ARRAY(sa.Text) if f.multi else sa.Text)
    raise ValueError(f"no column type for {f.slug} ({f.data_type})")


def _match_index_expr(f: FieldDef) -> sa.TextClause | str:
    """Index expression for a match key: case-insensitive for free text, plain otherwise."""
    if f.data_type is DataType.TEXT:
        return sa.text(f"lower({f.column})")
    return f.column


def record_table(module: ModuleDef) -> sa.Table:
    """The table of one module: system columns, one column per stored field, attributes."""
    columns: list[sa.Column] = [
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("org", sa.Text, nullable=False),
    ]
    columns += [_column_for(f) for f in module.fields if f.stored_in_table]
    columns += [
        sa.Column("attributes", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("import_job_id", sa.BigInteger),
        # The import and 1-based source row that created the record: rollback deletes by it
        # (no event row per created record), and it is the record's first provenance entry.
        sa.Column("created_by_import_id", sa.BigInteger),
        sa.Column("created_by_row", sa.BigInteger),
    ]
    table = sa.Table(module.table, metadata, *columns)
    for f in module.fields:
        if f.match_key:  # partial: a record without the key never matches on it
            sa.Index(
                f"ix_{module.table}_org_{f.slug}",
                table.c.org,
                _match_index_expr(f),
                postgresql_where=table.c[f.column].isnot(None),
            )
    sa.Index(f"ix_{module.table}_org_updated_at", table.c.org, table.c.updated_at)
    return table


def link_table(module: ModuleDef, f: FieldDef) -> sa.Table:
    """The link table of a multi reference (contacts.groups: `contact_groups`)."""
    link = module.link(f)
    return sa.Table(
        link.table,
        metadata,
        sa.Column(
            link.owner_column,
            sa.BigInteger,
            sa.ForeignKey(f"{module.table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            link.target_column,
            sa.BigInteger,
            sa.ForeignKey(f"{f.reference}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("org", sa.Text, nullable=False),
        sa.Index(f"ix_{link.table}_{link.target_column}", link.target_column),
    )


RECORD_TABLES: dict[str, sa.Table] = {slug: record_table(m) for slug, m in MODULES.items()}
LINK_TABLES: dict[str, sa.Table] = {
    m.link(f).table: link_table(m, f) for m in MODULES.values() for f in m.multi_references()
}

COUNT_COLUMNS: tuple[str, ...] = (
    "total_rows",
    "processed_rows",
    "created_rows",
    "updated_rows",
    "unchanged_rows",
    "skipped_rows",
    "deleted_rows",
    "error_rows",
)

import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False, server_default="merge"),
    sa.Column("file_name", sa.Text),
    sa.Column("file_type", sa.Text),
    sa.Column("source", sa.Text),
    sa.Column("campaign_id", sa.Text),
    sa.Column("options", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("reason", sa.Text),
    *[sa.Column(c, sa.BigInteger, nullable=False, server_default="0") for c in COUNT_COLUMNS],
    sa.Column("created_references", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("reference_warnings", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("warning_rows", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("warnings", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("validate_only", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("run_id", sa.Text),
    sa.Column("partition_key", sa.Text),
    sa.Column("upload_location", sa.Text),
    sa.Column("errors_file", sa.Text),
    sa.Column("plan_file", sa.Text),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    # One entry per erasure that removed this import's history or rewrote its files (counts
    # and a time, no personal data; migration 0005).
    sa.Column("erasures", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.CheckConstraint(
        "status IN ('pending','queued','processing','completed','failed','timed_out','cancelled')",
        name="ck_import_jobs_status",
    ),
    sa.Index("ix_import_jobs_org_module_created", "org", "module", "created_at"),
    sa.Index("ix_import_jobs_status", "status"),
)

import_events = sa.Table(
    "import_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "import_job_id",
        sa.BigInteger,
        sa.ForeignKey("import_jobs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("record_id", sa.BigInteger, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("before", JSONB),
    # Provenance (contactflow history): the source row of a change; a rollback's restored values.
    sa.Column("after", JSONB),
    sa.Column("source_row", sa.BigInteger),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "action IN ('created','updated','deleted','rolled_back')", name="ck_import_events_action"
    ),
    sa.Index("ix_import_events_job", "import_job_id"),
    sa.Index("ix_import_events_created_at", "created_at"),
    sa.Index("ix_import_events_record", "record_id"),
)

export_jobs = sa.Table(
    "export_jobs",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("options", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("reason", sa.Text),
    sa.Column("row_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("file_location", sa.Text),
    sa.Column("manifest_location", sa.Text),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("content_type", sa.Text),
    sa.Column("run_id", sa.Text),
    sa.Column(
        "requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint(
        "status IN ('pending','queued','processing','completed','failed','expired','erased')",
        name="ck_export_jobs_status",
    ),
    sa.Index("ix_export_jobs_org_requested", "org", "requested_at"),
    sa.Index("ix_export_jobs_expires", "status", "expires_at"),
)

export_schedules = sa.Table(
    "export_schedules",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("cron", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("options", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("status", sa.Text, nullable=False, server_default="active"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # The newest cron tick the sensor fired (a run per tick, never two).
    sa.Column("last_tick_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('active','paused')", name="ck_export_schedules_status"),
    sa.UniqueConstraint("name", name="uq_export_schedules_name"),
)
