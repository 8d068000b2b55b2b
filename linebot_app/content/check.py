"""`check-content`: everything that must hold before the cards may reach a patient.

Errors fail the check (and stop the app from starting): schema errors naming file and field,
keywords claimed twice, banned wording, medical cards without source, disclaimer or risk
statement, LINE limits and LINE's OpenAPI schema on every rendered reply. Unreviewed cards and
an unavailable OpenAPI spec are warnings.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from linebot_app.content.cards import (
    RISK_STATEMENT_TOPICS,
    SHARED_FILE,
    ReplyLibrary,
    TopicCard,
    load_replies,
)
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.render import (
    render_fallback,
    render_greeting,
    render_media_reply,
    render_topic,
    render_topics,
)
from linebot_app.content.yaml_config import ConfigError
from linebot_app.line.limits import MAX_BUBBLES, message_problems, schema_problems
from linebot_app.understanding.normalise import is_ascii_word_char, normalise

# The longest display name LINE allows, to render the greeting at its largest.
_LONG_NAME = "名" * 20
EXAMPLE_LENGTH = (1, 120)  # characters of a classifier example
FEW_EXAMPLES = 10
MANY_TIMES_THE_MEDIAN = 2  # a topic with more examples than this × the median is over-weighted


def _comparable(text: str) -> str:
    """Fullwidth → halfwidth, lower case, no whitespace or zero-width characters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


@functools.lru_cache(maxsize=1024)
def _comparable_phrase(phrase: str) -> str:
    """A banned phrase, made comparable once (every example is checked against every phrase)."""
    return _comparable(phrase)


def find_banned(text: str, phrases: list[str]) -> list[str]:
    """Banned phrases in `text`; English phrases only as whole words ('cure' not in 'secure')."""
    haystack = _comparable(text)
    found = []
    for phrase in phrases:
        needle = _comparable_phrase(phrase)
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            before_ok = not (
                is_ascii_word_char(needle[0])
                and start > 0
                and is_ascii_word_char(haystack[start - 1])
            )
            after_ok = not (
                is_ascii_word_char(needle[-1])
                and end < len(haystack)
                and is_ascii_word_char(haystack[end])
            )
            if before_ok and after_ok:
                found.append(phrase)
                break
            start = haystack.find(needle, start + 1)
    return found


def _displayed_texts(card: TopicCard) -> list[tuple[str, str]]:
    """(field, text) for everything a patient reads on the card."""
    texts = [
        ("label", card.label),
        ("title", card.title),
        ("alt_text", card.alt_text),
        ("summary", card.summary),
        ("risk_statement", card.risk_statement),
        ("disclaimer", card.disclaimer),
        ("source_section", card.source_section),
    ]
    for i, point in enumerate(card.points):
        texts += [(f"points.{i}.heading", point.heading), (f"points.{i}.text", point.text)]
    texts += [(f"links.{i}.label", link.label) for i, link in enumerate(card.links)]
    return [(f, t) for f, t in texts if t]


def _shared_texts(library: ReplyLibrary) -> list[tuple[str, str]]:
    shared = library.shared
    texts = [
        ("standard_disclaimer", shared.standard_disclaimer),
        ("source_template", shared.source_template),
        ("clinic_source_template", shared.clinic_source_template),
        ("fallback_text", shared.fallback_text),
        ("media_reply_text", shared.media_reply_text),
        ("greeting_name_line", shared.greeting_name_line),
        ("carousel_alt_text", shared.carousel_alt_text),
    ]
    texts += [(f"buttons.{k}", v) for k, v in shared.buttons.model_dump().items()]
    texts += [(f"contact_labels.{k}", v) for k, v in shared.contact_labels.model_dump().items()]
    return texts


def _card_problems(name: str, card: TopicCard, library: ReplyLibrary) -> list[str]:
    where = f"replies/{name}.yaml"
    problems = []
    if card.kind == "medical":
        if not card.source_section:
            problems.append(f"{where}: source_section: missing (which part of the article?)")
        if not card.disclaimer:
            problems.append(f"{where}: disclaimer: missing on a medical card")
        elif _comparable(card.disclaimer) != _comparable(library.shared.standard_disclaimer):
            problems.append(
                f"{where}: disclaimer: differs from standard_disclaimer in replies/{SHARED_FILE}"
            )
    if name in RISK_STATEMENT_TOPICS and not card.requires_risk_statement:
        problems.append(f"{where}: requires_risk_statement: must be true for the {name} card")
    if (card.requires_risk_statement or name in RISK_STATEMENT_TOPICS) and not card.risk_statement:
        problems.append(f"{where}: risk_statement: missing (this card must state the risks)")
    if "more" in card.footer and not card.links:
        problems.append(f"{where}: footer: 'more' needs at least one entry in links")
    return problems


def _banned_problems(library: ReplyLibrary) -> list[str]:
    phrases = [b.phrase for b in library.banned.banned]
    problems = []
    sources = [(f"replies/{n}.yaml", _displayed_texts(c)) for n, c in library.topics.items()]
    sources.append((f"replies/{SHARED_FILE}", _shared_texts(library)))
    for where, texts in sources:
        for field, text in texts:
            for phrase in find_banned(text, phrases):
                problems.append(f"{where}: {field}: banned wording '{phrase}' in '{text}'")
    return problems


def example_problems(library: ReplyLibrary) -> tuple[list[str], list[str]]:
    """Classifier examples: (errors, warnings). Errors: too short or long, banned wording, the
    same example (once normalised) under two topics. Warnings: fewer than FEW_EXAMPLES."""
    phrases = [b.phrase for b in library.banned.banned]
    errors: list[str] = []
    warnings: list[str] = []
    owners: dict[str, str] = {}
    sources = [(f"replies/{n}.yaml", "examples", c.examples) for n, c in library.topics.items()]
    sources.append(
        (
            f"replies/{SHARED_FILE}",
            "routing.offtopic_examples",
            library.shared.routing.offtopic_examples,
        )
    )
    low, high = EXAMPLE_LENGTH
    for where, field, examples in sources:
        for index, example in enumerate(examples):
            at = f"{where}: {field}.{index}"
            if not low <= len(example.strip()) <= high:
                errors.append(f"{at}: '{example}' should have {low} to {high} characters")
            for phrase in find_banned(example, phrases):
                errors.append(f"{at}: banned wording '{phrase}' in '{example}'")
            key = normalise(example) or example
            owner = owners.setdefault(key, where)
            if owner != where:
                errors.append(f"{at}: '{example}' is claimed by both {owner} and {where}")
    many = MANY_TIMES_THE_MEDIAN * median_examples(library)
    for name, card in library.topics.items():
        if len(card.examples) < FEW_EXAMPLES:
            warnings.append(
                f"replies/{name}.yaml: examples: only {len(card.examples)} (the classifier "
                f"learns a topic's wording from them; {FEW_EXAMPLES} or more recommended)"
            )
        elif len(card.examples) > many:
            warnings.append(
                f"replies/{name}.yaml: examples: {len(card.examples)}, more than "
                f"{MANY_TIMES_THE_MEDIAN}× the median topic's {many // MANY_TIMES_THE_MEDIAN} "
                "(a topic with many more examples than the others is guessed too often)"
            )
    return errors, warnings


def median_examples(library: ReplyLibrary) -> int:
    """How many examples the median topic has."""
    counts = sorted(len(card.examples) for card in library.topics.values())
    return counts[len(counts) // 2] if counts else 0


def model_warnings(library: ReplyLibrary, replies_dir: Path | None) -> list[str]:
    """The committed classifier is missing, or was trained on other keywords or examples."""
    from linebot_app.understanding.classifier import (
        MODEL_FILE,
        TopicModel,
        samples_digest,
        training_samples,
        weights_path,
    )

    if replies_dir is None:
        return []
    path = replies_dir / MODEL_FILE
    retrain = "run `flask --app linebot_app understanding train` and commit the file"
    if not path.exists() or not weights_path(path).exists():
        return [f"{path}: missing, questions without a keyword get the fallback; {retrain}"]
    try:
        model = TopicModel.load(path)
    except ValueError as error:
        return [f"{error}: {retrain}"]
    if model.digest != samples_digest(training_samples(library)):
        return [f"{path}: trained on other keywords or examples than replies/ holds; {retrain}"]
    return []


def _rendered_replies(library: ReplyLibrary, clinic: ClinicConfig) -> list[tuple[str, list]]:
    replies = [(f"replies/{n}.yaml", render_topic(n, library, clinic)) for n in library.topics]
    replies.append(("greeting with a display name", render_greeting(library, clinic, _LONG_NAME)))
    replies.append(("fallback reply", render_fallback(library, clinic)))
    replies.append(("sticker/image reply", render_media_reply(library, clinic)))
    # The largest carousel a patient can get: the biggest cards, as many as LINE allows.
    biggest = sorted(library.topics, key=lambda n: -len(str(library.topics[n].model_dump())))
    replies.append(
        ("carousel of the largest cards", render_topics(biggest[:MAX_BUBBLES], library, clinic))
    )
    return replies


def check_library(
    library: ReplyLibrary, clinic: ClinicConfig, *, with_schema: bool = True
) -> tuple[list[str], list[str]]:
    """Content rules on an already loaded library: (errors, warnings).

    `with_schema=False` skips LINE's OpenAPI validation (check-content and the tests run it):
    the app's start-up does, so workers need not load jsonschema and the spec.
    """
    errors: list[str] = []
    warnings: list[str] = []
    for name, card in library.topics.items():
        errors.extend(_card_problems(name, card, library))
        if not card.review.is_reviewed:
            warnings.append(f"replies/{name}.yaml: review: not yet reviewed by the physician")
    errors.extend(_banned_problems(library))
    example_errors, example_warnings = example_problems(library)
    errors.extend(example_errors)
    warnings.extend(example_warnings)
    replies_dir = next(iter(library.files.values())).parent if library.files else None
    warnings.extend(model_warnings(library, replies_dir))
    schema_available = True
    for where, messages in _rendered_replies(library, clinic):
        errors.extend(message_problems(messages, where))
        if not with_schema:
            continue
        found = schema_problems(messages, where)
        if found is None:
            schema_available = False
        else:
            errors.extend(found)
    if with_schema and not schema_available:
        warnings.append(
            "LINE OpenAPI spec not found (../shared/line-openapi or $LINE_OPENAPI_DIR): "
            "rendered replies were checked against LINE's limits but not its schema"
        )
    return errors, warnings


def check_content(
    replies_dir: Path, config_dir: Path, clinic: ClinicConfig
) -> tuple[list[str], list[str]]:
    """Validate every content file: (errors, warnings), each one line naming file and field."""
    try:
        library = load_replies(replies_dir, config_dir)
    except ConfigError as error:
        return list(error.problems), []
    return check_library(library, clinic)


def load_checked_replies(
    replies_dir: Path, config_dir: Path, clinic: ClinicConfig
) -> tuple[ReplyLibrary, list[str]]:
    """The app's library and its warnings; raises ConfigError with check-content's errors
    (all but the OpenAPI schema check, which `check-content` and the tests run)."""
    library = load_replies(replies_dir, config_dir)
    errors, warnings = check_library(library, clinic, with_schema=False)
    if errors:
        raise ConfigError(errors)
    return library, warnings
