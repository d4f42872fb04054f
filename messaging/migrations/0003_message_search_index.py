"""
The full-text index of message bodies (messaging/search.py), filled from the
messages already stored: FTS5 on SQLite, Mroonga on MariaDB, InnoDB FULLTEXT
WITH PARSER ngram on MySQL 8. Raw SQL: no model stands for these tables.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from messaging.search import search_index

    index = search_index(schema_editor.connection.alias)
    with schema_editor.connection.cursor() as cursor:
        index.create(cursor)
        index.rebuild(cursor)


def drop_index(apps, schema_editor):
    from messaging.search import search_index

    with schema_editor.connection.cursor() as cursor:
        search_index(schema_editor.connection.alias).drop(cursor)


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0002_version_2_messages"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
