"""import_events carry provenance: the source row of each change; rollbacks leave events too

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:00:00

`contactflow history` (issue 15 item 1) reads a record's changes from its events: an update's
event holds the changed fields' old values (`before`, as rollback always needed) and now the
1-based source row. Its new values are not stored (they are the record's values until the
next event), so an update pays one bigint. A rollback writes a `rolled_back` event per record
it restores, with the values it replaced (`before`) and restored (`after`). The index on
(record_id) serves the per-record lookup; creates still write no event (the record carries
`created_by_import_id` and `created_by_row`).
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
