"""The schema comes from Alembic migrations alone, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from linebot_app.storage.db import create_db_engine
from linebot_app.storage.migrate import current_heads
from linebot_app.storage.model_registry import metadata


def test_migrations_have_one_head():
    assert len(current_heads("sqlite://")) == 1


def test_migrated_schema_matches_the_models(database_url):
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
