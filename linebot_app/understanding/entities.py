"""Details a patient gives in passing: name, phone, service and preferred time.

「我是林小姐，電話 0912-345-678，想約週六下午」 → name 林小姐, phone +886912345678, when
2026-12-05 afternoon. The phone is read as the booking reads it (`consultation.patient_input`,
Google's phonenumbers rules: Taiwanese mobile and landline, E.164). A name is read only from an
introduction (我是 / 我叫 / 我姓 / 敝姓 / my name is / this is) or a surname with a title
(林小姐, 王先生), never guessed from a bare word; a 我是 without title needs a common surname
first, so 「我是想問…」 or 「我是學生」 give no name. One exception, the way contact details are
often typed: a 2–3 character word starting with a common surname right beside the phone number
(「林小美 0912-345-678」, 「0912345678 王大明」).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from linebot_app.features.consultation.patient_input import _find_phone
from linebot_app.understanding.normalise import fold, normalise
from linebot_app.understanding.when import When, read_when

# The commonest Taiwanese surnames (about 95% of the population), single characters.
SURNAMES = frozenset(
    "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙"
    "顏柯翁魏孫戴范方宋鄧杜傅侯曹薛丁卓阮馬董温唐藍石蔣古紀姚連馮歐程湯黄田康姜白汪鄒尤巫鐘"
    "黎涂龔嚴韓袁金童陸夏柳凃邵錢伍倪溫于譚駱熊任甘秦顧毛章史官萬俞雷粘饒張闕凌崔尹孔辛歐陽"
)
TITLES = ("小姐", "先生", "太太", "女士", "媽媽", "爸爸", "阿姨")
_TITLED = re.compile(r"([\u4e00-\u9fff])(" + "|".join(TITLES) + r")")
_INTRO = re.compile(r"(?:我是|我叫|我姓|敝姓|本人|姓名[:：]?|名字[:：]?)\s*([\u4e00-\u9fff]{1,4})")
_EN_INTRO = re.compile(
    r"\b(?i:my name is|my name's|this is|i am|i'm|im)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
# Characters that end a name read after 我是 / 我叫 (what comes next is not the name).
_NAME_STOP = re.compile(r"[想要的是在有會電手號打問來去約跟和也還就要請您你]")
_NOT_NAMES = frozenset({"病人", "患者", "學生", "客人", "新客", "舊客", "本人", "媽媽", "朋友"})


_SEPARATORS = re.compile(r"[\s,，、。.:：;；/|()（）\[\]「」-]+")
_PHONE_LABELS = frozenset(
    {"電話", "手機", "電話號碼", "手機號碼", "聯絡電話", "phone", "tel", "mobile"}
)
_NOT_A_PATIENT = ("醫師", "醫生", "護理師", "診所")


def read_name_beside_phone(text: str, phone_raw: str) -> str | None:
    """「林小美 0912-345-678」: the word just before (or after) the phone, if it is a name."""
    folded = fold(text).replace("－", "-")
    at = folded.find(phone_raw)
    if at == -1:
        return None
    before = [w for w in _SEPARATORS.split(folded[:at]) if w]
    after = [w for w in _SEPARATORS.split(folded[at + len(phone_raw) :]) if w]
    while before and before[-1].lower() in _PHONE_LABELS:
        before.pop()
    for candidate in (before[-1] if before else "", after[0] if after else ""):
        if (
            re.fullmatch(r"[\u4e00-\u9fff]{2,3}", candidate)
            and candidate[0] in SURNAMES
            and candidate not in _NOT_NAMES
            and not _NAME_STOP.search(candidate, 1)
            and not candidate.endswith(_NOT_A_PATIENT)
            and not re.match(r"周[一二三四五六日天末]", candidate)  # 周六 is a day, not Mr 周
        ):
            return candidate
    return None


@dataclass(frozen=True)
class Entities:
    """What the message gave; `when` is resolved in the clinic's time zone."""

    name: str | None = None
    phone: str | None = None  # E.164
    service: str | None = None  # a service key of config/consultation.yaml
    when: When = field(default_factory=When)

    def as_dict(self) -> dict[str, str]:
        out = {k: v for k in ("name", "phone", "service") if (v := getattr(self, k))}
        return out | self.when.as_dict()


def read_phone(text: str) -> tuple[str, str] | None:
    """(E.164, the characters it was read from), or None."""
    return _find_phone(fold(text).replace("－", "-"))


def read_name(text: str) -> str | None:
    """A name the patient introduced themselves with (see the module docstring), or None."""
    folded = fold(text)
    english = _EN_INTRO.search(text)
    if english:
        return english.group(1)
    for match in _INTRO.finditer(folded):
        raw = match.group(1)
        titled = _TITLED.match(raw)
        if titled and titled.group(1) in SURNAMES:
            return titled.group(0)
        cut = _NAME_STOP.search(raw, 1)
        candidate = raw[: cut.start()] if cut else raw
        if match.group(0).startswith(("我姓", "敝姓")):
            after = folded[match.end(0) - len(raw) + 1 :]
            title = next((t for t in TITLES if after.startswith(t)), "")
            if raw[0] in SURNAMES:
                return raw[0] + title if title else raw[0]
            continue
        if (
            2 <= len(candidate) <= 4
            and candidate[0] in SURNAMES
            and candidate not in _NOT_NAMES
            and not _NAME_STOP.search(candidate)
        ):
            return candidate
    for titled in _TITLED.finditer(folded):
        before = folded[titled.start() - 1] if titled.start() else ""
        if titled.group(1) in SURNAMES and not ("\u4e00" <= before <= "\u9fff"):
            return titled.group(0)
    return None


def read_service(normalised: str, service_words: dict[str, tuple[str, ...]]) -> str | None:
    """The first service whose words (normalised) occur in the text."""
    best: tuple[int, str] | None = None
    for key, words in service_words.items():
        for word in words:
            at = normalised.find(word)
            if at != -1 and (best is None or at < best[0]):
                best = (at, key)
    return best[1] if best else None


def read_entities(
    text: str,
    now: dt.datetime,
    tz: dt.tzinfo,
    service_words: dict[str, tuple[str, ...]],
    *,
    with_phone: bool = True,
) -> Entities:
    """`with_phone=False` skips the phone reading (callers that saw too few digits)."""
    phone = read_phone(text) if with_phone else None
    rest = text.replace(phone[1], " ") if phone else text
    name = read_name(rest) or (read_name_beside_phone(text, phone[1]) if phone else None)
    return Entities(
        name=name,
        phone=phone[0] if phone else None,
        service=read_service(normalise(rest), service_words),
        when=read_when(rest, now, tz),
    )
