"""Imports every module that defines tables, so `metadata` knows them all (for Alembic checks)."""

from linebot_app.console import models as console_models  # noqa: F401
from linebot_app.features.consultation import models as consultation_models  # noqa: F401
from linebot_app.review import models as review_models  # noqa: F401
from linebot_app.review import teaching  # noqa: F401
from linebot_app.storage import models
from linebot_app.understanding import (
    clarifications,  # noqa: F401
    unmatched,  # noqa: F401
)

metadata = models.Base.metadata
