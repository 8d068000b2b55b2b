"""Reply-card content: typed models of `replies/*.yaml`, `config/style.yaml` and
`config/banned_words.yaml`, loaded together into one `ReplyLibrary`.

A topic is named after its file (`replies/side_effects.yaml` → `side_effects`); files whose name
starts with `_` hold texts shared by all cards (`replies/_shared.yaml`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linebot_app.content.yaml_config import ConfigError, describe_validation_error, read_yaml
from linebot_app.understanding.keywords import KeywordRouter, KeywordRule, Tier
from linebot_app.understanding.normalise import normalise

SHARED_FILE = "_shared.yaml"
TAUGHT_FILE = "_taught.yaml"  # phrasings taught in the console, exported (review/teaching.py)
STYLE_FILE = "style.yaml"
BANNED_FILE = "banned_words.yaml"
# Topics the code relies on (follow → greeting, hand-over, booking entry, the topic menu).
REQUIRED_TOPICS = (
    "what",
    "benefits",
    "side_effects",
    "safety",
    "mechanism",
    "applications",
    "future",
    "references",
    "contact",
    "booking",
    "price",
    "human",
    "greeting",
)
# Cards that speak about risk: a risk statement is mandatory whatever their YAML says.
RISK_STATEMENT_TOPICS = frozenset({"side_effects", "safety"})
_TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FOOTER_ITEM = r"^(book|call|more|links|human|map|topic:[a-z][a-z0-9_]*)$"
_HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"
FlexSize = Literal["xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl"]
Spacing = Literal["none", "xs", "sm", "md", "lg", "xl", "xxl"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Point(_Strict):
    heading: str = ""
    text: str = Field(min_length=1)


class Link(_Strict):
    label: str = Field(min_length=1, max_length=40)
    url: str = Field(pattern=r"^https://[^\s]+$", max_length=1000)


class Review(_Strict):
    """Who (the clinic physician) approved the wording, and when; empty while a draft."""

    reviewed_by: str = ""
    reviewed_on: dt.date | None = None

    @field_validator("reviewed_on", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def is_reviewed(self) -> bool:
        return bool(self.reviewed_by) and self.reviewed_on is not None


class TopicCard(_Strict):
    """One answer card. `kind: medical` cards must cite the article and carry the disclaimer."""

    kind: Literal["medical", "service", "contact"]
    label: str = Field(min_length=1, max_length=20, description="quick reply / button label")
    keywords: list[str] = Field(min_length=1)
    weak_keywords: list[str] = Field(
        default=[], description="count only when no ordinary keyword of any topic matched"
    )
    last_resort_keywords: list[str] = Field(
        default=[], description="count only when no ordinary or weak keyword matched"
    )
    only_when_alone: bool = Field(
        default=False, description="answer only when no other topic matched (greetings)"
    )
    examples: list[str] = Field(
        default=[], description="realistic patient questions the classifier learns from"
    )
    title: str = Field(min_length=1)
    alt_text: str = Field(min_length=1, max_length=1500)
    summary: str = Field(min_length=1)
    points: list[Point] = []
    requires_risk_statement: bool = False
    risk_statement: str = ""
    disclaimer: str = ""
    source_section: str = ""
    # "article": from the clinic's article (the source line names it); "clinic": written by the
    # clinic in the console (FAQ cards), so the source line must not claim the article.
    source: Literal["article", "clinic"] = "article"
    related: list[str] = Field(default=[], max_length=13)
    links: list[Link] = []
    footer: list[str] = Field(default=["book", "call", "more"], max_length=6)
    review: Review = Review()

    @field_validator("footer")
    @classmethod
    def _known_footer_items(cls, items: list[str]) -> list[str]:
        for item in items:
            if not re.match(_FOOTER_ITEM, item):
                raise ValueError(
                    f"'{item}' is not a footer item; use book, call, more, links, human, map "
                    "or topic:<name>"
                )
        return items


class TaughtTopic(_Strict):
    """One topic's entry in replies/_taught.yaml."""

    keywords: list[str] = []
    examples: list[str] = []


def _add_taught(path: Path, topics: dict[str, TopicCard], problems: list[str]) -> None:
    """Add replies/_taught.yaml's keywords and examples to their topics (if the file exists)."""
    if not path.exists():
        return
    try:
        data = read_yaml(path)
    except ConfigError as error:
        problems.extend(error.problems)
        return
    if data is None:
        return
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a mapping of topic → keywords and examples")
        return
    for topic, entry in data.items():
        try:
            taught = TaughtTopic.model_validate(entry or {})
        except ValidationError as error:
            problems.extend(describe_validation_error(f"{path}: {topic}", error))
            continue
        card = topics.get(topic)
        if card is None:
            problems.append(f"{path}: {topic}: no such topic")
            continue
        known = {normalise(k) for k in card.keywords}
        keywords = [k for k in taught.keywords if normalise(k) not in known]
        examples = [e for e in taught.examples if e not in card.examples]
        topics[topic] = card.model_copy(
            update={
                "keywords": [*card.keywords, *keywords],
                "examples": [*card.examples, *examples],
            }
        )


class ButtonLabels(_Strict):
    book: str = Field(min_length=1, max_length=20)
    call: str = Field(min_length=1, max_length=20)
    more: str = Field(min_length=1, max_length=20)
    human: str = Field(min_length=1, max_length=20)
    map: str = Field(min_length=1, max_length=20)


class ContactLabels(_Strict):
    phone: str
    line_id: str
    address: str
    hours: str


class RoutingTexts(_Strict):
    ignore_phrases: list[str] = Field(
        default=[], description="phrases that contain a keyword but are not about it (安全帽)"
    )
    offtopic_examples: list[str] = Field(
        default=[], description="chat about no topic: the classifier learns to leave it alone"
    )


class SharedTexts(_Strict):
    """Wording used by every card and by the replies that are not topic cards."""

    standard_disclaimer: str = Field(min_length=1)
    source_template: str = Field(min_length=1, description="'{section}' is replaced")
    clinic_source_template: str = Field(
        default="資料來源：{section}（本院撰寫）",
        min_length=1,
        description="cards with source: clinic",
    )
    buttons: ButtonLabels
    contact_labels: ContactLabels
    menu: list[str] = Field(min_length=1, max_length=13)
    fallback_text: str = Field(min_length=1, max_length=5000)
    media_reply_text: str = Field(min_length=1, max_length=5000)
    greeting_name_line: str = Field(min_length=1, description="'{name}' is replaced")
    carousel_alt_text: str = Field(min_length=1, description="'{clinic}', '{titles}' replaced")
    routing: RoutingTexts = RoutingTexts()


class Colours(_Strict):
    header_background: str = Field(pattern=_HEX_COLOUR)
    header_text: str = Field(pattern=_HEX_COLOUR)
    body_background: str = Field(pattern=_HEX_COLOUR)
    heading_text: str = Field(pattern=_HEX_COLOUR)
    body_text: str = Field(pattern=_HEX_COLOUR)
    muted_text: str = Field(pattern=_HEX_COLOUR)
    risk_text: str = Field(pattern=_HEX_COLOUR)
    separator: str = Field(pattern=_HEX_COLOUR)
    primary_button: str = Field(pattern=_HEX_COLOUR)
    secondary_button: str = Field(pattern=_HEX_COLOUR)
    link_button: str = Field(pattern=_HEX_COLOUR)


class Sizes(_Strict):
    bubble: Literal["micro", "deca", "hecto", "kilo", "mega", "giga"]
    title: FlexSize
    heading: FlexSize
    body: FlexSize
    small: FlexSize
    spacing: Spacing


class CardStyle(_Strict):
    """The look of every card, set once (config/style.yaml)."""

    colours: Colours
    sizes: Sizes


class BannedPhrase(_Strict):
    phrase: str = Field(min_length=1)
    reason: str = ""


class BannedWords(_Strict):
    """Wording a medical advertisement must not use (醫療法 §85–87); the clinic may extend it."""

    banned: list[BannedPhrase] = Field(min_length=1)


@dataclass(frozen=True)
class ReplyLibrary:
    """Every card, the shared texts, the style and the router built from the keywords."""

    topics: dict[str, TopicCard]
    shared: SharedTexts
    style: CardStyle
    banned: BannedWords
    router: KeywordRouter
    files: dict[str, Path] = field(default_factory=dict)

    def topic(self, name: str) -> TopicCard | None:
        return self.topics.get(name)

    def route_topics(self, text: str) -> list[str]:
        return self.router.route_topics(text)


def _load_model(path: Path, model: type[_Strict], problems: list[str]):
    try:
        data = read_yaml(path)
    except ConfigError as error:
        problems.extend(error.problems)
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a mapping at the top level")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(describe_validation_error(path, error))
        return None


def keyword_rules(
    topics: dict[str, TopicCard], shared: SharedTexts
) -> tuple[list[KeywordRule], list[str]]:
    """Router rules from the cards' keywords, and problems (empty or doubly claimed keywords)."""
    rules: list[KeywordRule] = []
    problems: list[str] = []
    owners: dict[str, str] = {}

    def add(keyword: str, topic: str | None, tier: Tier, where: str) -> None:
        key = normalise(keyword)
        if not key:
            problems.append(f"{where}: keyword '{keyword}' is empty once normalised")
            return
        owner = owners.get(key)
        if owner is not None:
            if owner != where:
                problems.append(
                    f"keyword '{keyword}' is claimed by both {owner} and {where} "
                    f"(both read as '{key}'); keep it in one place"
                )
            return
        owners[key] = where
        rules.append(KeywordRule(key, topic, tier))

    for name, card in topics.items():
        where = f"{name} (replies/{name}.yaml)"
        for keyword in card.keywords:
            add(keyword, name, Tier.ALONE if card.only_when_alone else Tier.STRONG, where)
        for keyword in card.weak_keywords:
            add(keyword, name, Tier.ALONE if card.only_when_alone else Tier.WEAK, where)
        for keyword in card.last_resort_keywords:
            add(keyword, name, Tier.ALONE if card.only_when_alone else Tier.LAST_RESORT, where)
    for phrase in shared.routing.ignore_phrases:
        add(phrase, None, Tier.STRONG, f"routing.ignore_phrases (replies/{SHARED_FILE})")
    return rules, problems


def _reference_problems(
    topics: dict[str, TopicCard], shared: SharedTexts, invalid: set[str]
) -> list[str]:
    """Missing required cards and references to unknown topics (invalid files count as present)."""
    known = set(topics) | invalid
    problems = [
        f"replies/{name}.yaml: file missing (the bot needs a '{name}' card)"
        for name in REQUIRED_TOPICS
        if name not in known
    ]
    for name, card in topics.items():
        for index, other in enumerate(card.related):
            if other not in known:
                problems.append(f"replies/{name}.yaml: related.{index}: no topic named '{other}'")
        for index, item in enumerate(card.footer):
            if item.startswith("topic:") and item[6:] not in known:
                problems.append(f"replies/{name}.yaml: footer.{index}: no topic named '{item[6:]}'")
    for index, other in enumerate(shared.menu):
        if other not in known:
            problems.append(f"replies/{SHARED_FILE}: menu.{index}: no topic named '{other}'")
    return problems


def load_replies(replies_dir: Path, config_dir: Path) -> ReplyLibrary:
    """Load and cross-check every content file; ConfigError lists all problems at once."""
    problems: list[str] = []
    topics: dict[str, TopicCard] = {}
    files: dict[str, Path] = {}
    invalid: set[str] = set()
    if not replies_dir.is_dir():
        raise ConfigError([f"{replies_dir}: replies directory not found"])
    for path in sorted(replies_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        if not _TOPIC_NAME.match(path.stem):
            problems.append(f"{path}: file name must be a topic name like side_effects.yaml")
            continue
        card = _load_model(path, TopicCard, problems)
        if card is None:
            invalid.add(path.stem)
        else:
            topics[path.stem] = card
            files[path.stem] = path
    _add_taught(replies_dir / TAUGHT_FILE, topics, problems)
    shared = _load_model(replies_dir / SHARED_FILE, SharedTexts, problems)
    style = _load_model(config_dir / STYLE_FILE, CardStyle, problems)
    banned = _load_model(config_dir / BANNED_FILE, BannedWords, problems)
    if shared is not None:  # cross-file checks need the shared texts, nothing else
        problems.extend(_reference_problems(topics, shared, invalid))
        rules, rule_problems = keyword_rules(topics, shared)
        problems.extend(rule_problems)
    if problems or shared is None or style is None or banned is None:
        raise ConfigError(problems)
    return ReplyLibrary(
        topics=topics,
        shared=shared,
        style=style,
        banned=banned,
        router=KeywordRouter(rules),
        files=files,
    )
