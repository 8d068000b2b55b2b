"""What a patient types at the name and phone steps, checked and normalised (pure functions).

Phones are parsed with `phonenumbers` (Google's libphonenumber data): Taiwanese mobile and
landline numbers only, stored as E.164 (+886912345678), shown in national format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

REGION = "TW"
ACCEPTED_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_EDGE_PUNCTUATION = " \t,，、:：;；.。-—~～/|()（）[]【】「」\"'"
_NOT_A_NAME = re.compile(r"\d|https?://|www\.|@|[<>{}=#$%^*_\\]")


@dataclass(frozen=True)
class NameReading:
    name: str | None
    phone: str | None = None  # E.164, when the patient typed their phone with the name
    problem: str | None = None  # "too_long" | "not_a_name"


def normalise_phone(text: str) -> str | None:
    """The first Taiwanese mobile/landline number in `text` as E.164, or None."""
    found = _find_phone(text)
    return found[0] if found else None


def find_phones(text: str) -> list[tuple[str, str]]:
    """Every phone number in `text` (any country, as LINE patients type them): (E.164, the
    characters it was read from). The one phone reader: booking uses it, masking too."""
    return [
        (phonenumbers.format_number(match.number, PhoneNumberFormat.E164), match.raw_string)
        for match in phonenumbers.PhoneNumberMatcher(text, REGION)
    ]


def _find_phone(text: str) -> tuple[str, str] | None:
    """(E.164, the characters it was read from) for the first acceptable number in `text`:
    Taiwanese mobile and landline numbers."""
    for e164, raw in find_phones(text):
        number = phonenumbers.parse(e164)
        if (
            phonenumbers.region_code_for_number(number) == REGION
            and phonenumbers.number_type(number) in ACCEPTED_TYPES
        ):
            return e164, raw
    return None


def display_phone(e164: str | None) -> str:
    """'+886912345678' → '0912 345 678' (how staff dial it)."""
    if not e164:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(e164, REGION), PhoneNumberFormat.NATIONAL)


def tel_uri(e164: str) -> str:
    return "tel:" + e164


def clean_text(text: str) -> str:
    """NFKC (fullwidth → halfwidth), one space between words, no punctuation at the edges."""
    folded = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))
    folded = "".join(ch for ch in folded if unicodedata.category(ch)[0] != "C")
    return folded.strip(_EDGE_PUNCTUATION)


def read_name(text: str, max_length: int) -> NameReading:
    """A name (and a phone typed with it, e.g. '王小明 0912345678'), or why it is not one."""
    phone = None
    found = _find_phone(text)
    if found:
        phone, raw = found
        text = text.replace(raw, " ", 1)
    name = clean_text(text)
    if not name or _NOT_A_NAME.search(name):
        return NameReading(None, phone, "not_a_name")
    if len(name) > max_length:
        return NameReading(None, phone, "too_long")
    return NameReading(name, phone)
