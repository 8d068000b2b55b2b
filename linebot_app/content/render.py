"""Cards as LINE message objects (JSON dicts): one small renderer for every topic.

Every wording comes from the library (replies/*.yaml), every colour and size from
config/style.yaml, clinic facts from config/clinic.yaml. Postback data follows the conventions
shared with the other features: `action=topic&topic=<name>`, `action=book`, `action=human`.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from linebot_app.content.cards import ReplyLibrary, TopicCard
from linebot_app.content.clinic import ClinicConfig
from linebot_app.content.wording import say
from linebot_app.line import render as line
from linebot_app.line.limits import MAX_ALT_TEXT, MAX_BUBBLES

Message = dict[str, Any]
MAX_DISPLAY_NAME = 20
# Topics whose buttons start another feature rather than show a card.
ACTION_FOR_TOPIC = {"booking": "book", "human": "human"}


# --- actions ----------------------------------------------------------------------------------
def postback(label: str, data: dict[str, str]) -> dict:
    """A card's button: the label shows in the chat as if typed (LINE's displayText)."""
    return line.postback(label, line.data(**data), label)


def book_action(library: ReplyLibrary) -> dict:
    return postback(library.shared.buttons.book, {"action": "book"})


def human_action(library: ReplyLibrary) -> dict:
    return postback(library.shared.buttons.human, {"action": "human"})


def call_action(library: ReplyLibrary, clinic: ClinicConfig) -> dict:
    return {"type": "uri", "label": library.shared.buttons.call, "uri": clinic.phone_uri}


def map_url(clinic: ClinicConfig) -> str:
    if clinic.latitude is not None and clinic.longitude is not None:
        query = f"{clinic.latitude},{clinic.longitude}"
    else:
        query = f"{clinic.name} {clinic.address}"
    return "https://www.google.com/maps/search/?api=1&query=" + quote(query)


def topic_action(name: str, library: ReplyLibrary) -> dict:
    """The button for a topic: booking and human start their features, others show the card."""
    special = ACTION_FOR_TOPIC.get(name)
    if special == "book":
        return book_action(library)
    if special == "human":
        return human_action(library)
    card = library.topics[name]
    return postback(card.label, {"action": "topic", "topic": name})


def quick_reply(names: list[str], library: ReplyLibrary) -> dict:
    return line.quick_reply([topic_action(n, library) for n in names])


# --- flex building blocks ------------------------------------------------------------------------
def _text(text: str, **style: Any) -> dict:
    return {"type": "text", "text": text, "wrap": True, **style}


def _fill(template: str, clinic: ClinicConfig, **values: object) -> str:
    return say(template, clinic, **values)


def safe_display_name(name: str | None) -> str | None:
    """A LINE display name fit to print: control characters dropped, at most 20 characters."""
    if not name:
        return None
    cleaned = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return cleaned[:MAX_DISPLAY_NAME] or None


def _points(card: TopicCard, library: ReplyLibrary) -> list[dict]:
    colours, sizes = library.style.colours, library.style.sizes
    blocks = []
    for point in card.points:
        contents = []
        if point.heading:
            contents.append(
                _text(point.heading, size=sizes.heading, weight="bold", color=colours.heading_text)
            )
        contents.append(_text(point.text, size=sizes.body, color=colours.body_text))
        blocks.append({"type": "box", "layout": "vertical", "spacing": "xs", "contents": contents})
    return blocks


def _contact_rows(library: ReplyLibrary, clinic: ClinicConfig) -> list[dict]:
    colours, sizes = library.style.colours, library.style.sizes
    labels = library.shared.contact_labels
    rows = [
        (labels.phone, clinic.phone),
        (labels.line_id, clinic.line_id),
        (labels.address, clinic.address),
        (labels.hours, "\n".join(clinic.hours_lines())),
    ]
    return [
        {
            "type": "box",
            "layout": "baseline",
            "spacing": "sm",
            "contents": [
                _text(label, size=sizes.body, color=colours.muted_text, flex=2),
                _text(value, size=sizes.body, color=colours.body_text, flex=6),
            ],
        }
        for label, value in rows
    ]


def _fine_print(card: TopicCard, library: ReplyLibrary, clinic: ClinicConfig) -> list[dict]:
    colours, sizes = library.style.colours, library.style.sizes
    blocks: list[dict] = []
    if card.risk_statement:
        blocks.append(_text(card.risk_statement, size="xs", color=colours.risk_text))
    if card.disclaimer:
        blocks.append(_text(card.disclaimer, size=sizes.small, color=colours.muted_text))
    if card.source_section:
        shared = library.shared
        template = (
            shared.clinic_source_template if card.source == "clinic" else shared.source_template
        )
        source = _fill(template, clinic, section=card.source_section)
        blocks.append(_text(source, size=sizes.small, color=colours.muted_text))
    if blocks:
        blocks.insert(0, {"type": "separator", "color": colours.separator, "margin": "lg"})
    return blocks


def _button(action: dict, style: str, colour: str) -> dict:
    return {"type": "button", "action": action, "style": style, "color": colour, "height": "sm"}


def _footer_buttons(card: TopicCard, library: ReplyLibrary, clinic: ClinicConfig) -> list[dict]:
    colours = library.style.colours
    buttons = []
    for item in card.footer:
        if item == "book":
            buttons.append(_button(book_action(library), "primary", colours.primary_button))
        elif item == "call":
            buttons.append(
                _button(call_action(library, clinic), "secondary", colours.secondary_button)
            )
        elif item == "human":
            buttons.append(_button(human_action(library), "secondary", colours.secondary_button))
        elif item == "map":
            action = {"type": "uri", "label": library.shared.buttons.map, "uri": map_url(clinic)}
            buttons.append(_button(action, "secondary", colours.secondary_button))
        elif item == "more" and card.links:
            action = {"type": "uri", "label": library.shared.buttons.more, "uri": card.links[0].url}
            buttons.append(_button(action, "link", colours.link_button))
        elif item == "links":
            for link in card.links:
                action = {"type": "uri", "label": link.label, "uri": link.url}
                buttons.append(_button(action, "link", colours.link_button))
        elif item.startswith("topic:"):
            action = topic_action(item.removeprefix("topic:"), library)
            buttons.append(_button(action, "secondary", colours.secondary_button))
    return buttons


def topic_bubble(
    name: str, library: ReplyLibrary, clinic: ClinicConfig, display_name: str | None = None
) -> dict:
    """One card as a Flex bubble: header (title), body (summary, points, fine print), footer."""
    card = library.topics[name]
    colours, sizes = library.style.colours, library.style.sizes
    body: list[dict] = []
    name_line = safe_display_name(display_name)
    if name_line:
        greeting = _fill(library.shared.greeting_name_line, clinic, name=name_line)
        body.append(_text(greeting, size=sizes.body, weight="bold", color=colours.heading_text))
    body.append(_text(_fill(card.summary, clinic), size=sizes.body, color=colours.body_text))
    body.extend(_points(card, library))
    if card.kind == "contact":
        body.extend(_contact_rows(library, clinic))
    body.extend(_fine_print(card, library, clinic))
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": sizes.bubble,
        "header": {
            "type": "box",
            "layout": "vertical",
            "backgroundColor": colours.header_background,
            "contents": [
                _text(
                    _fill(card.title, clinic),
                    size=sizes.title,
                    weight="bold",
                    color=colours.header_text,
                )
            ],
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": sizes.spacing,
            "backgroundColor": colours.body_background,
            "contents": body,
        },
    }
    buttons = _footer_buttons(card, library, clinic)
    if buttons:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": buttons,
        }
        bubble["styles"] = {"footer": {"separator": True, "separatorColor": colours.separator}}
    return bubble


def _location(clinic: ClinicConfig) -> Message | None:
    if clinic.latitude is None or clinic.longitude is None:
        return None
    return {
        "type": "location",
        "title": clinic.name,
        "address": clinic.address,
        "latitude": clinic.latitude,
        "longitude": clinic.longitude,
    }


def _with_quick_reply(messages: list[Message], names: list[str], library: ReplyLibrary):
    """LINE shows only the last message's quick replies, so they go there."""
    if messages and names:
        messages[-1]["quickReply"] = quick_reply(names, library)
    return messages


# --- whole replies -----------------------------------------------------------------------------
def render_topic(
    topic: str, library: ReplyLibrary, clinic: ClinicConfig, display_name: str | None = None
) -> list[Message]:
    """One topic's answer: its Flex card (plus a location for contact), related quick replies."""
    card = library.topics[topic]
    messages: list[Message] = [
        {
            "type": "flex",
            "altText": _fill(card.alt_text, clinic)[:MAX_ALT_TEXT],
            "contents": topic_bubble(topic, library, clinic, display_name),
        }
    ]
    if card.kind == "contact" and (location := _location(clinic)):
        messages.append(location)
    return _with_quick_reply(messages, [n for n in card.related if n != topic], library)


def render_topics(topics: list[str], library: ReplyLibrary, clinic: ClinicConfig) -> list[Message]:
    """Several topics as one carousel in the order asked (at most 12), quick replies merged."""
    topics = list(dict.fromkeys(t for t in topics if t in library.topics))[:MAX_BUBBLES]
    if not topics:
        return render_fallback(library, clinic)
    if len(topics) == 1:
        return render_topic(topics[0], library, clinic)
    titles = "、".join(_fill(library.topics[t].title, clinic) for t in topics)
    alt = _fill(library.shared.carousel_alt_text, clinic, titles=titles)
    messages: list[Message] = [
        {
            "type": "flex",
            "altText": alt[:MAX_ALT_TEXT],
            "contents": {
                "type": "carousel",
                "contents": [topic_bubble(t, library, clinic) for t in topics],
            },
        }
    ]
    if any(library.topics[t].kind == "contact" for t in topics) and (loc := _location(clinic)):
        messages.append(loc)
    related = [r for t in topics for r in library.topics[t].related if r not in topics]
    return _with_quick_reply(messages, list(dict.fromkeys(related)), library)


def render_greeting(
    library: ReplyLibrary, clinic: ClinicConfig, display_name: str | None = None
) -> list[Message]:
    return render_topic("greeting", library, clinic, display_name=display_name)


def render_fallback(
    library: ReplyLibrary, clinic: ClinicConfig, text: str | None = None
) -> list[Message]:
    """No topic recognised: a kind sentence (`text`, else the shared fallback text) and the
    topic menu (with booking and staff)."""
    text = _fill(text or library.shared.fallback_text, clinic)
    return _with_quick_reply([{"type": "text", "text": text}], library.shared.menu, library)


def render_media_reply(library: ReplyLibrary, clinic: ClinicConfig) -> list[Message]:
    """Stickers and images: a short friendly reply with the topic menu."""
    text = _fill(library.shared.media_reply_text, clinic)
    return _with_quick_reply([{"type": "text", "text": text}], library.shared.menu, library)
