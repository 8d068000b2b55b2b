"""Imports every module that defines tables, so `metadata` knows them all (for Alembic checks)."""

from linebot_app import models

metadata = models.Base.metadata
