"""Helpers for the few hot paths that run hand-written SQL (games.upserts, courses.selectors' lesson
state, cms.auth): table names quoted, values sent as the ORM would send them and read back as the
ORM would give them, on PostgreSQL and SQLite alike. Everything else uses the ORM."""

from django.db import connection


def alias() -> str:
    """The database these helpers run on (the default one), for Model.from_db."""
    return connection.alias


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def prep(model, name: str, value):
    """A value as the ORM would send it for this field (a UUID as text on SQLite, say)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def converters(field) -> tuple[object, list]:
    """The field's column and the functions that turn what the database gives into what the ORM gives
    (apply each as `converter(value, column, connection)`); none for most fields on PostgreSQL."""
    col = field.get_col(field.model._meta.db_table)
    return col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)


def value(model, name: str, value):
    """A value read back by raw SQL, turned into what the ORM would give (dates on SQLite are text)."""
    col, found = converters(model._meta.get_field(name))
    for converter in found:
        value = converter(value, col, connection)
    return value


def fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
