"""export_schedules: recurring exports added at run time (contactflow schedules add)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 14:10:00

One row per saved export: its unique name, cron and IANA time zone, org, module, format and
export options (JSON, the same model as `contactflow export`), active or paused, and the last
cron tick the `export_schedules_sensor` fired, so a tick fires once.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_schedules",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("cron", sa.Text(), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False, server_default="UTC"),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("module", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("options", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_tick_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('active','paused')", name="ck_export_schedules_status"),
        sa.UniqueConstraint("name", name="uq_export_schedules_name"),
    )


def downgrade() -> None:
    op.drop_table("export_schedules")
