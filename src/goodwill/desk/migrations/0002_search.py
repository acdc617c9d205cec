"""Full-text search over ticket subjects and message bodies (desk.search reads these).

SQLite: two FTS5 tables with external content (they index desk_ticket.subject and
desk_message.body without storing a second copy of the text), kept in step by triggers.
PostgreSQL: GIN indexes on the tsvector expressions desk.search queries with.
Each half runs only on its own database; the other is a no-op.
"""

from django.db import migrations

# Must match desk.search: the text search configuration and the indexed expressions.
PG_CONFIG = "simple"
# A tsvector holds at most 1 MB; an enormous pasted log must not make a message unsaveable.
PG_BODY_LIMIT = 100_000


class VendorRunSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor ("sqlite", "postgresql")."""

    def __init__(self, vendor: str, *args, **kwargs):
        self.vendor = vendor
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, *args], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fts5_table(table: str, column: str) -> tuple[list[str], list[str]]:
    """An external-content FTS5 index of table.column, its triggers, and how to drop them."""
    fts = f"{table}_fts"
    forwards = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5("
        f"{column}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "  # names are constants  # nosec B608
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "  # names are constants  # nosec B608
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        # Only when the text itself changes: SLA refreshes update tickets all the time.
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} "  # names are constants  # nosec B608
        f"WHEN old.{column} IS NOT new.{column} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
        # Index what is already there.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # names are constants  # nosec B608
    ]
    backwards = [
        f"DROP TRIGGER IF EXISTS {fts}_au",
        f"DROP TRIGGER IF EXISTS {fts}_ad",
        f"DROP TRIGGER IF EXISTS {fts}_ai",
        f"DROP TABLE IF EXISTS {fts}",
    ]
    return forwards, backwards


TICKET_FTS, TICKET_FTS_DROP = fts5_table("desk_ticket", "subject")
MESSAGE_FTS, MESSAGE_FTS_DROP = fts5_table("desk_message", "body")


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
    ]

    operations = [
        VendorRunSQL("sqlite", TICKET_FTS, TICKET_FTS_DROP),
        VendorRunSQL("sqlite", MESSAGE_FTS, MESSAGE_FTS_DROP),
        VendorRunSQL(
            "postgresql",
            f"CREATE INDEX desk_ticket_subject_fts ON desk_ticket "
            f"USING gin (to_tsvector('{PG_CONFIG}', subject))",
            "DROP INDEX IF EXISTS desk_ticket_subject_fts",
        ),
        VendorRunSQL(
            "postgresql",
            f"CREATE INDEX desk_message_body_fts ON desk_message "
            f"USING gin (to_tsvector('{PG_CONFIG}', left(body, {PG_BODY_LIMIT})))",
            "DROP INDEX IF EXISTS desk_message_body_fts",
        ),
    ]
