"""Match-key indexes hold only records that have the key

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 11:10:00

A match never uses an empty key (stage.key_condition), so an index entry for a record without
one is only work: a file without external ids or LinkedIn URLs paid for two index insertions
per created record (about 1 s per million contacts each, bench/README.md). The indexes are
rebuilt as partial indexes `WHERE <column> IS NOT NULL`.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, key name, index expression after `org`, column)
MATCH_INDEXES = (
    ("companies", "domain", "domain", "domain"),
    ("companies", "external_id", "lower(external_id)", "external_id"),
    ("companies", "linkedin_url", "linkedin_url", "linkedin_url"),
    ("companies", "name", "lower(name)", "name"),
    ("contacts", "email", "email", "email"),
    ("contacts", "external_id", "lower(external_id)", "external_id"),
    ("contacts", "linkedin_url", "linkedin_url", "linkedin_url"),
    ("groups", "external_id", "lower(external_id)", "external_id"),
    ("groups", "name", "lower(name)", "name"),
)


def _rebuild(partial: bool) -> None:
    for table, key, expr, column in MATCH_INDEXES:
        name = f"ix_{table}_org_{key}"
        where = f" WHERE {column} IS NOT NULL" if partial else ""
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON {table} (org, {expr}){where}")


def upgrade() -> None:
    _rebuild(partial=True)


def downgrade() -> None:
    _rebuild(partial=False)
