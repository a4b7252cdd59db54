"""Finer statistics for the audit log's words, so the planner knows a rare word is rare.

With the default target (100) ANALYZE keeps a histogram of 100 buckets over every company's words,
and a word seen six times in 150,000 was estimated at about 300 rows: enough, now and then, for
the planner to hash-join a whole company's entries instead of probing six of them by index. A
target of 1,000 samples up to 300,000 words into a histogram ten times finer (the estimate for
that word became 6). ANALYZE reads more rows for this one column; nothing else changes."""

from typing import Any

from django.db import migrations

TARGET = "ALTER TABLE audit_searchword ALTER COLUMN word SET STATISTICS {}"


def _alter(target: int) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(TARGET.format(target))

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_search_words")]

    operations = [migrations.RunPython(_alter(1000), _alter(-1), elidable=False)]
