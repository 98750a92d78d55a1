"""created_by_import_id and created_by_row on record tables; record ids cached per session

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 02:20:00

Rollback finds the records an import created by this column instead of one `import_events`
row per created record. No index: rollback is rare and scans one org's rows, while every
create would pay for the index. Each session takes record ids 1,000 at a time (the
sequence's cache): numbering a million new records one `nextval` at a time cost seconds.
Ids stay unique and increase within an import; across sessions they may leave gaps.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("contacts", "companies", "groups")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("created_by_import_id", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("created_by_row", sa.BigInteger(), nullable=True))
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET CACHE 1000")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET CACHE 1")
        op.drop_column(table, "created_by_row")
        op.drop_column(table, "created_by_import_id")
