"""FAQ cards the clinic writes in the console: stored in the database with the fields of a
replies/*.yaml topic, linted by the same checks (schema and limits, banned wording, LINE's
message limits, keywords no other topic claims), exported to replies/ as YAML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from linebot_app.content.cards import ReplyLibrary, TopicCard, keyword_rules
from linebot_app.content.check import check_library, find_banned
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.render import render_topic
from linebot_app.content.yaml_config import describe_validation_error
from linebot_app.line.limits import message_problems
from linebot_app.review.fingerprint import readable_text
from linebot_app.review.models import FaqCard
from linebot_app.understanding.keywords import KeywordRouter

FAQ_PREFIX = "faq_"
_NAME = re.compile(r"^faq_[a-z0-9_]{1,36}$")
_SPLIT = re.compile(r"[\n,，、;；]+")


class FaqProblems(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


def form_to_data(form, library: ReplyLibrary) -> tuple[dict, list[str]]:
    """The console form as a topic's YAML fields (and the examples, kept beside them)."""
    kind = form.get("kind", "medical")
    title = (form.get("title") or "").strip()
    points = []
    for line in (form.get("points") or "").splitlines():
        heading, sep, text = line.partition("｜") if "｜" in line else line.partition("|")
        if not sep:
            heading, text = "", line
        if text.strip():
            points.append({"heading": heading.strip(), "text": text.strip()})
    data = {
        "kind": kind,
        "label": (form.get("label") or title)[:20].strip(),
        "keywords": split_list(form.get("keywords", "")),
        "title": title,
        "alt_text": (form.get("alt_text") or title).strip(),
        "summary": (form.get("summary") or "").strip(),
        "points": points,
        "related": ["booking", "human"],
        "footer": ["book", "call"],
    }
    if kind == "medical":
        data["requires_risk_statement"] = True
        data["risk_statement"] = (form.get("risk_statement") or "").strip()
        data["disclaimer"] = library.shared.standard_disclaimer
        data["source_section"] = (form.get("source_section") or "").strip()
        data["source"] = "clinic"  # the clinic wrote it: the source line must not cite the article
    return data, split_list(form.get("examples", ""))


def topic_card(data: dict) -> TopicCard:
    return TopicCard.model_validate(data)


def library_with(base: ReplyLibrary, extra: dict[str, TopicCard]) -> tuple[ReplyLibrary, list]:
    """The YAML library plus console cards, with a router over all their keywords. A console
    card whose exported YAML file has been deployed is left out: the file is the card now."""
    topics = {**base.topics, **{n: c for n, c in extra.items() if n not in base.topics}}
    rules, problems = keyword_rules(topics, base.shared)
    return replace(base, topics=topics, router=KeywordRouter(rules)), problems


def lint_faq(
    name: str,
    data: dict,
    base: ReplyLibrary,
    clinic: ClinicConfig,
    others: dict[str, TopicCard],
) -> list[str]:
    """Everything check-content would say about this card, as 'field: problem' lines."""
    where = f"FAQ {name}"
    if not _NAME.match(name):
        return [f"{where}: name: use faq_ and lower-case letters, digits or _ (faq_downtime)"]
    if name in base.topics:
        return [f"{where}: name: replies/{name}.yaml already uses this name"]
    try:
        card = topic_card(data)
    except ValidationError as error:
        return describe_validation_error(where, error)
    library, problems = library_with(base, {**others, name: card})
    problems = [p.replace(f"replies/{name}.yaml", where) for p in problems if name in p]
    if card.kind == "medical" and not card.risk_statement:
        problems.append(f"{where}: risk_statement: a medical card must state the risks")
    errors, _ = check_library(library, clinic, with_schema=False)
    problems += [e.replace(f"replies/{name}.yaml", where) for e in errors if name in e]
    messages = render_topic(name, library, clinic)
    phrases = [b.phrase for b in base.banned.banned]
    for phrase in find_banned(readable_text(messages), phrases):
        problems.append(f"{where}: banned wording '{phrase}'")
    problems += message_problems(messages, where)
    return list(dict.fromkeys(problems))


def faq_rows(session: Session) -> list[FaqCard]:
    return list(session.scalars(select(FaqCard).order_by(FaqCard.topic)))


def valid_faq_cards(rows: list[FaqCard]) -> dict[str, TopicCard]:
    found = {}
    for row in rows:
        try:
            found[row.topic] = topic_card(row.data)
        except ValidationError:
            continue  # saved before a schema change: shown in the console, never sent
    return found


def save_faq(
    session: Session,
    now: dt.datetime,
    *,
    name: str,
    data: dict,
    examples: list[str],
    base: ReplyLibrary,
    clinic: ClinicConfig,
    author: str,
) -> FaqCard:
    """Create or update a console card after linting it; FaqProblems lists what to fix."""
    rows = faq_rows(session)
    others = {n: c for n, c in valid_faq_cards(rows).items() if n != name}
    problems = lint_faq(name, data, base, clinic, others)
    if problems:
        raise FaqProblems(problems)
    row = next((r for r in rows if r.topic == name), None)
    if row is None:
        row = FaqCard(topic=name, created_at=now)
        session.add(row)
    row.data, row.examples, row.updated_at, row.updated_by = data, examples, now, author
    session.flush()
    return row


def export_yaml(row: FaqCard, signed_by: str = "", signed_on: dt.date | None = None) -> str:
    """The card as a replies/<topic>.yaml file (load_replies reads it back unchanged)."""
    data = dict(row.data)
    data["review"] = {
        "reviewed_by": signed_by,
        "reviewed_on": signed_on.isoformat() if signed_on else "",
    }
    header = [f"# {row.topic}: written in the staff console, exported by `content export`."]
    if row.examples and "examples" in TopicCard.model_fields:
        data["examples"] = list(row.examples)
    elif row.examples:
        header += ["# Questions patients ask (examples):"] + [f"#   {e}" for e in row.examples]
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + body


def export_all(session: Session, directory: Path, signoffs: dict) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for row in faq_rows(session):
        signed = signoffs.get(row.topic)
        path = directory / f"{row.topic}.yaml"
        text = export_yaml(row, signed[0] if signed else "", signed[1] if signed else None)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
