"""import_events carry provenance: the source row and the new values of an update; rollbacks
leave events too

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:00:00

`contactflow history` (issue 15 item 1) reads a record's changes from its events: an update's
event holds the changed fields' old values (`before`, as rollback always needed), now also
their new values (`after`) and the 1-based source row. A rollback writes a `rolled_back`
event per record it restores or deletes. The index on (record_id) serves the per-record
lookup; creates still write no event (the record carries `created_by_import_id`/`_row`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_ACTIONS = "action IN ('created','updated','deleted')"
NEW_ACTIONS = "action IN ('created','updated','deleted','rolled_back')"


def upgrade() -> None:
    op.add_column("import_events", sa.Column("source_row", sa.BigInteger(), nullable=True))
    op.add_column("import_events", sa.Column("after", JSONB(), nullable=True))
    op.drop_constraint("ck_import_events_action", "import_events", type_="check")
    op.create_check_constraint("ck_import_events_action", "import_events", NEW_ACTIONS)
    op.create_index("ix_import_events_record", "import_events", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_events_record", table_name="import_events")
    op.execute("DELETE FROM import_events WHERE action = 'rolled_back'")
    op.drop_constraint("ck_import_events_action", "import_events", type_="check")
    op.create_check_constraint("ck_import_events_action", "import_events", OLD_ACTIONS)
    op.drop_column("import_events", "after")
    op.drop_column("import_events", "source_row")
