"""erasure: export jobs can be `erased`; import jobs record the erasures that touched them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 17:50:00

`contactflow erase` deletes an export file it cannot rewrite without the erased rows and marks
its job `erased`; an import job keeps a list of the erasures that removed its history or
rewrote or deleted its files (`erasures`: counts and a time, no personal data), so a rollback
knows that missing before-images were erased, not purged.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD = "status IN ('pending','queued','processing','completed','failed','expired')"
NEW = "status IN ('pending','queued','processing','completed','failed','expired','erased')"


def upgrade() -> None:
    op.drop_constraint("ck_export_jobs_status", "export_jobs", type_="check")
    op.create_check_constraint("ck_export_jobs_status", "export_jobs", NEW)
    op.add_column(
        "import_jobs",
        sa.Column("erasures", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )


def downgrade() -> None:
    op.drop_column("import_jobs", "erasures")
    op.execute("UPDATE export_jobs SET status = 'expired' WHERE status = 'erased'")
    op.drop_constraint("ck_export_jobs_status", "export_jobs", type_="check")
    op.create_check_constraint("ck_export_jobs_status", "export_jobs", OLD)
