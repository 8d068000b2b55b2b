"""One way to fill the clinic's details into a sentence, for cards, consultation and system
messages alike: `{clinic_name}`, `{clinic_phone}` and `{clinic_address}` always, plus the
sentence's own values (`{id}`, `{when}`, ...). Values are inserted as they are, never re-read
as templates, so a patient's name with braces in it is harmless."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linebot_app.content.clinic import ClinicConfig

CLINIC_PLACEHOLDERS = ("clinic_name", "clinic_phone", "clinic_address")


def say(template: str, clinic: ClinicConfig, **values: object) -> str:
    return template.format(
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        clinic_address=clinic.address,
        **values,
    )


def placeholders(template: str) -> set[str]:
    """The `{names}` a template uses (raises ValueError on a malformed one)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
