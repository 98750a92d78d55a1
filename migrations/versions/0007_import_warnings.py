"""import_jobs.warning_rows and warnings: values dropped under invalid_values: drop_value

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 17:45:00

`warning_rows` counts the rows an import wrote without an invalid value it dropped; `warnings`
holds the first 100 as `{row, field, value, warning}` (and column-level warnings such as a date
column whose order its values do not settle, with `row` null).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "import_jobs",
        sa.Column("warning_rows", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "import_jobs",
        sa.Column("warnings", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )


def downgrade() -> None:
    op.drop_column("import_jobs", "warnings")
    op.drop_column("import_jobs", "warning_rows")
