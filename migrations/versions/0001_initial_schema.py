"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 07:42:47.588514
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("phones", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("linkedin_url", sa.Text(), nullable=True),
        sa.Column("source_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("import_job_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_companies_org_domain", "companies", ["org", "domain"], unique=False)
    op.create_index(
        "ix_companies_org_external_id",
        "companies",
        ["org", sa.literal_column("lower(external_id)")],
        unique=False,
    )
    op.create_index(
        "ix_companies_org_linkedin_url", "companies", ["org", "linkedin_url"], unique=False
    )
    op.create_index(
        "ix_companies_org_name",
        "companies",
        ["org", sa.literal_column("lower(name)")],
        unique=False,
    )
    op.create_index("ix_companies_org_updated_at", "companies", ["org", "updated_at"], unique=False)
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("module", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("file_location", sa.Text(), nullable=True),
        sa.Column("manifest_location", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','queued','processing','completed','failed','expired')",
            name="ck_export_jobs_status",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_jobs_expires", "export_jobs", ["status", "expires_at"], unique=False)
    op.create_index(
        "ix_export_jobs_org_requested", "export_jobs", ["org", "requested_at"], unique=False
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("import_job_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_groups_org_external_id",
        "groups",
        ["org", sa.literal_column("lower(external_id)")],
        unique=False,
    )
    op.create_index(
        "ix_groups_org_name", "groups", ["org", sa.literal_column("lower(name)")], unique=False
    )
    op.create_index("ix_groups_org_updated_at", "groups", ["org", "updated_at"], unique=False)
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("module", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), server_default="merge", nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("file_type", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("campaign_id", sa.Text(), nullable=True),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("total_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("processed_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unchanged_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("skipped_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("deleted_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("error_rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_references",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "reference_warnings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("validate_only", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column("partition_key", sa.Text(), nullable=True),
        sa.Column("upload_location", sa.Text(), nullable=True),
        sa.Column("errors_file", sa.Text(), nullable=True),
        sa.Column("plan_file", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','queued','processing','completed','failed','timed_out',"
            "'cancelled')",
            name="ck_import_jobs_status",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_import_jobs_org_module_created",
        "import_jobs",
        ["org", "module", "created_at"],
        unique=False,
    )
    op.create_index("ix_import_jobs_status", "import_jobs", ["status"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("additional_emails", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("phones", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("company_id", sa.BigInteger(), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("linkedin_url", sa.Text(), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("source_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("import_job_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contacts_org_email", "contacts", ["org", "email"], unique=False)
    op.create_index(
        "ix_contacts_org_external_id",
        "contacts",
        ["org", sa.literal_column("lower(external_id)")],
        unique=False,
    )
    op.create_index(
        "ix_contacts_org_linkedin_url", "contacts", ["org", "linkedin_url"], unique=False
    )
    op.create_index("ix_contacts_org_updated_at", "contacts", ["org", "updated_at"], unique=False)
    op.create_table(
        "import_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("import_job_id", sa.BigInteger(), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("module", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action IN ('created','updated','deleted')", name="ck_import_events_action"
        ),
        sa.ForeignKeyConstraint(["import_job_id"], ["import_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_events_created_at", "import_events", ["created_at"], unique=False)
    op.create_index("ix_import_events_job", "import_events", ["import_job_id"], unique=False)
    op.create_table(
        "contact_groups",
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "group_id"),
    )
    op.create_index("ix_contact_groups_group_id", "contact_groups", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contact_groups_group_id", table_name="contact_groups")
    op.drop_table("contact_groups")
    op.drop_index("ix_import_events_job", table_name="import_events")
    op.drop_index("ix_import_events_created_at", table_name="import_events")
    op.drop_table("import_events")
    op.drop_index("ix_contacts_org_updated_at", table_name="contacts")
    op.drop_index("ix_contacts_org_linkedin_url", table_name="contacts")
    op.drop_index("ix_contacts_org_external_id", table_name="contacts")
    op.drop_index("ix_contacts_org_email", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_import_jobs_status", table_name="import_jobs")
    op.drop_index("ix_import_jobs_org_module_created", table_name="import_jobs")
    op.drop_table("import_jobs")
    op.drop_index("ix_groups_org_updated_at", table_name="groups")
    op.drop_index("ix_groups_org_name", table_name="groups")
    op.drop_index("ix_groups_org_external_id", table_name="groups")
    op.drop_table("groups")
    op.drop_index("ix_export_jobs_org_requested", table_name="export_jobs")
    op.drop_index("ix_export_jobs_expires", table_name="export_jobs")
    op.drop_table("export_jobs")
    op.drop_index("ix_companies_org_updated_at", table_name="companies")
    op.drop_index("ix_companies_org_name", table_name="companies")
    op.drop_index("ix_companies_org_linkedin_url", table_name="companies")
    op.drop_index("ix_companies_org_external_id", table_name="companies")
    op.drop_index("ix_companies_org_domain", table_name="companies")
    op.drop_table("companies")
