"""Reply cards: the shipped content, the renderer, and check-content on broken content."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml

from linebot_app.content import (
    check_content,
    load_checked_replies,
    load_replies,
    render_fallback,
    render_greeting,
    render_media_reply,
    render_topic,
    render_topics,
)
from linebot_app.content.clinic import load_clinic
from linebot_app.content.yaml_config import ConfigError
from linebot_app.fakeline.openapi import load_schemas
from linebot_app.line.limits import message_problems, schema_problems

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MEDICAL = [
    "what",
    "benefits",
    "side_effects",
    "safety",
    "mechanism",
    "applications",
    "future",
    "references",
]
DISCLAIMER = "衛教資訊,不構成醫療建議;療效與風險因人而異,請由醫師評估"


@pytest.fixture(scope="module")
def clinic():
    return load_clinic(PROJECT_ROOT / "config" / "clinic.yaml")


@pytest.fixture(scope="module")
def library():
    return load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


@pytest.fixture
def content(tmp_path) -> tuple[Path, Path]:
    """A private copy of replies/ and config/ to break."""
    replies, config = tmp_path / "replies", tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "replies", replies)
    shutil.copytree(PROJECT_ROOT / "config", config)
    return replies, config


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def all_texts(node) -> str:
    """Every `text` and `label` in a rendered reply, joined: what the patient reads."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "label", "altText", "displayText") and isinstance(value, str):
                found.append(nfkc(value))
            else:
                found.append(all_texts(value))
    elif isinstance(node, list):
        found.extend(all_texts(v) for v in node)
    return "\n".join(f for f in found if f)


def nfkc(text: str) -> str:
    """Cards use fullwidth punctuation (，？：); compare in halfwidth."""
    return unicodedata.normalize("NFKC", text)


def data_of(action: dict) -> dict:
    return dict(parse_qsl(action["data"]))


# --- the shipped content --------------------------------------------------------------------
def test_shipped_content_passes_check_content_with_only_review_warnings(clinic):
    errors, warnings = check_content(PROJECT_ROOT / "replies", PROJECT_ROOT / "config", clinic)
    assert errors == []
    assert warnings and all("not yet reviewed" in w for w in warnings)


def test_app_loads_checked_content(clinic):
    library, warnings = load_checked_replies(
        PROJECT_ROOT / "replies", PROJECT_ROOT / "config", clinic
    )
    assert set(MEDICAL) <= set(library.topics)
    assert len(warnings) == len(library.topics)  # all drafts awaiting the physician


def test_every_medical_card_cites_the_article_and_carries_the_disclaimer(library, clinic):
    for name in MEDICAL:
        card = library.topics[name]
        assert card.source_section, name
        text = all_texts(render_topic(name, library, clinic))
        assert "衛教資訊" in text and "請由醫師評估" in text, name
        assert "資料來源:本院衛教文章" in text, name


def test_standard_disclaimer_is_the_issue_wording_in_fullwidth_punctuation(library):
    assert nfkc(library.shared.standard_disclaimer) == DISCLAIMER


@pytest.mark.parametrize("name", ["side_effects", "safety"])
def test_side_effect_and_safety_cards_inform_without_claiming_safety(library, clinic, name):
    text = all_texts(render_topic(name, library, clinic))
    for claim in [
        "很安全",
        "是安全的。",
        "安全無虞",
        "無副作用",
        "沒有副作用",
        "零風險",
        "更安全",
        "保證",
        "消除副作用",
        "良好的安全性",
    ]:
        assert claim not in text
    assert "臨床試驗" in text  # more trials needed
    assert "醫師當面評估" in text  # risks are assessed in person
    assert library.topics[name].requires_risk_statement


def test_contact_card_takes_clinic_details_from_config(library, clinic):
    replies_text = "\n".join(
        p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "replies").glob("*.yaml")
    )
    assert clinic.phone not in replies_text and clinic.line_id not in replies_text
    messages = render_topic("contact", library, clinic)
    text = all_texts(messages)
    assert clinic.phone in text and clinic.line_id in text and clinic.address in text
    for line in clinic.hours_lines():
        assert line in text
    buttons = messages[0]["contents"]["footer"]["contents"]
    assert buttons[0]["action"] == {"type": "uri", "label": "撥打電話", "uri": "tel:062527333"}
    assert buttons[1]["action"]["uri"].startswith("https://www.google.com/maps/search/?api=1")
    assert len(messages) == 1  # no coordinates configured, so no location message


def test_contact_card_sends_a_location_when_coordinates_are_set(library, clinic):
    located = clinic.model_copy(update={"latitude": 22.99, "longitude": 120.23})
    messages = render_topic("contact", library, located)
    assert [m["type"] for m in messages] == ["flex", "location"]
    assert messages[1]["latitude"] == 22.99 and messages[1]["title"] == clinic.name
    assert "quickReply" in messages[1] and "quickReply" not in messages[0]


# --- rendering ------------------------------------------------------------------------------
def test_topic_card_has_header_body_footer_and_related_quick_replies(library, clinic):
    [message] = render_topic("side_effects", library, clinic)
    assert message["type"] == "flex"
    assert "外泌體有副作用嗎" in message["altText"]
    bubble = message["contents"]
    assert bubble["type"] == "bubble" and bubble["size"] == library.style.sizes.bubble
    assert nfkc(bubble["header"]["contents"][0]["text"]) == "外泌體有副作用嗎?"
    assert bubble["header"]["backgroundColor"] == library.style.colours.header_background
    book, call, more = (b["action"] for b in bubble["footer"]["contents"])
    assert (book["type"], data_of(book), book["displayText"]) == (
        "postback",
        {"action": "book"},
        "預約諮詢",
    )
    assert call == {"type": "uri", "label": "撥打電話", "uri": "tel:062527333"}
    assert more["label"] == "看更多" and more["uri"].startswith("https://bostontw.com")
    items = [i["action"] for i in message["quickReply"]["items"]]
    assert data_of(items[0]) == {"action": "topic", "topic": "safety"}
    assert items[0]["displayText"] == items[0]["label"] == library.topics["safety"].label
    assert {"action": "book"} in [data_of(a) for a in items]
    assert {"action": "human"} in [data_of(a) for a in items]
    assert next(a for a in items if data_of(a) == {"action": "human"})["displayText"] == "真人客服"


def test_references_card_links_the_sites_the_article_names(library, clinic):
    [message] = render_topic("references", library, clinic)
    uris = [b["action"].get("uri") for b in message["contents"]["footer"]["contents"]]
    assert "https://www.mohw.gov.tw" in uris and "https://www.prweb.com" in uris
    text = all_texts(message)
    assert "Chen, 2019" in text and "Chen, 2020" in text


def test_several_topics_become_one_carousel_in_the_order_asked(library, clinic):
    messages = render_topics(["price", "safety", "side_effects"], library, clinic)
    [carousel] = messages
    bubbles = carousel["contents"]["contents"]
    titles = [nfkc(b["header"]["contents"][0]["text"]) for b in bubbles]
    assert titles == ["療程費用", "外泌體是安全的嗎?", "外泌體有副作用嗎?"]
    assert all(t in nfkc(carousel["altText"]) for t in titles)
    shown = {"price", "safety", "side_effects"}
    offered = {data_of(i["action"]).get("topic") for i in carousel["quickReply"]["items"]}
    assert not offered & shown


def test_carousel_never_exceeds_twelve_bubbles(library, clinic):
    messages = render_topics(list(library.topics), library, clinic)
    assert len(messages[0]["contents"]["contents"]) == 12
    assert message_problems(messages) == []


def test_greeting_uses_the_display_name_safely(library, clinic):
    [message] = render_greeting(library, clinic, "小美\u0007" + "美" * 40)
    body = message["contents"]["body"]["contents"]
    assert nfkc(body[0]["text"]) == "小美" + "美" * 18 + " 您好!"
    assert message["contents"]["header"]["contents"][0]["text"] == f"歡迎來到{clinic.name}"
    [anonymous] = render_greeting(library, clinic, None)
    assert "您好" not in anonymous["contents"]["body"]["contents"][0]["text"]


def test_fallback_offers_the_topic_menu_booking_and_staff(library, clinic):
    [message] = render_fallback(library, clinic)
    assert message["type"] == "text" and "不好意思" in message["text"]
    actions = [data_of(i["action"]) for i in message["quickReply"]["items"]]
    assert {"action": "book"} in actions and {"action": "human"} in actions
    assert {"action": "topic", "topic": "side_effects"} in actions
    assert len(actions) <= 13


def test_sticker_reply_is_short_with_the_menu(library, clinic):
    [message] = render_media_reply(library, clinic)
    assert len(message["text"]) < 80 and len(message["quickReply"]["items"]) >= 5


def test_every_rendered_reply_fits_line_limits_and_schema(library, clinic):
    if load_schemas() is None:
        pytest.skip("LINE OpenAPI spec not found (../shared/line-openapi)")
    replies = [render_topic(n, library, clinic) for n in library.topics]
    replies += [
        render_topics(list(library.topics), library, clinic),
        render_fallback(library, clinic),
        render_media_reply(library, clinic),
        render_greeting(library, clinic, "Amy"),
    ]
    for messages in replies:
        assert message_problems(messages) == []
        assert schema_problems(messages) == []


# --- LINE limits and schema on crafted messages ---------------------------------------------
def test_line_limits_are_reported_one_line_each():
    action = {"type": "postback", "label": "一" * 21, "data": "x" * 301, "displayText": "ok"}
    messages = [
        {
            "type": "text",
            "text": "hi",
            "quickReply": {"items": [{"type": "action", "action": action}] * 14},
        }
    ] * 6
    problems = message_problems(messages)
    assert any("6 messages" in p for p in problems)
    assert any("quickReply: 1-13 items" in p for p in problems)
    assert any("longer than 20" in p for p in problems)
    assert any("postback data is longer than 300" in p for p in problems)


def test_oversized_flex_is_reported():
    big_text = {"type": "text", "text": "字" * 12000}
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [big_text]},
    }
    carousel = {"type": "carousel", "contents": [bubble] * 13}
    problems = message_problems([{"type": "flex", "altText": "a" * 1501, "contents": carousel}])
    assert any("altText" in p for p in problems)
    assert any("1-12 bubbles" in p for p in problems)
    assert any("max 50 KB" in p for p in problems)
    assert any("max 30 KB" in p for p in problems)


def test_schema_check_catches_what_line_would_reject():
    if load_schemas() is None:
        pytest.skip("LINE OpenAPI spec not found")
    bad = [
        {
            "type": "flex",
            "altText": "x",
            "contents": {
                "type": "bubble",
                "body": {"type": "box", "layout": "diagonal", "contents": []},
            },
        }
    ]
    assert schema_problems(bad)


# --- check-content on broken content --------------------------------------------------------
def problems_for(content, clinic) -> tuple[list[str], list[str]]:
    replies, config = content
    return check_content(replies, config, clinic)


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "what.yaml",
            lambda d: d.update(titel="x"),
            "what.yaml: titel: Extra inputs are not permitted",
        ),
        ("what.yaml", lambda d: d.pop("title"), "what.yaml: title: Field required"),
        (
            "safety.yaml",
            lambda d: d.update(label="一個非常非常非常非常非常非常長的按鈕文字啊"),
            "safety.yaml: label: String should have at most 20 characters",
        ),
        (
            "price.yaml",
            lambda d: d.update(footer=["book", "fax"]),
            "price.yaml: footer: Value error",
        ),
        ("benefits.yaml", lambda d: d["points"][1].pop("text"), "benefits.yaml: points.1.text"),
        (
            "future.yaml",
            lambda d: d["review"].update(reviewed_on="yesterday"),
            "future.yaml: review.reviewed_on",
        ),
        (
            "future.yaml",
            lambda d: d.update(related=["applications", "prices"]),
            "future.yaml: related.1: no topic named 'prices'",
        ),
        (
            "references.yaml",
            lambda d: d["links"][0].update(url="http://www.mohw.gov.tw"),
            "references.yaml: links.0.url",
        ),
        ("what.yaml", lambda d: d.update(keywords=[]), "what.yaml: keywords"),
    ],
)
def test_broken_card_fails_with_file_and_field(content, clinic, file, change, expected):
    edit(content[0] / file, change)
    errors, _ = problems_for(content, clinic)
    assert any(expected in e for e in errors), errors


def test_invalid_yaml_and_missing_files_are_named(content, clinic):
    replies, config = content
    (replies / "mechanism.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    (replies / "human.yaml").unlink()
    edit(config / "style.yaml", lambda d: d["colours"].update(header_background="teal"))
    errors, _ = problems_for(content, clinic)
    assert any("mechanism.yaml: not valid YAML" in e for e in errors)
    assert any("replies/human.yaml: file missing" in e for e in errors)
    assert any("style.yaml: colours.header_background" in e for e in errors)
    assert not any("mechanism.yaml: file missing" in e for e in errors)  # broken, not missing


def test_load_replies_raises_with_every_problem(content):
    replies, config = content
    edit(replies / "what.yaml", lambda d: d.pop("summary"))
    edit(replies / "price.yaml", lambda d: d.pop("alt_text"))
    with pytest.raises(ConfigError) as raised:
        load_replies(replies, config)
    assert len(raised.value.problems) == 2


def test_keyword_claimed_by_two_topics_is_reported(content, clinic):
    edit(content[0] / "safety.yaml", lambda d: d["keywords"].append("副作用"))
    edit(
        content[0] / "price.yaml", lambda d: d["keywords"].append("预约")
    )  # = 預約 once normalised
    errors, _ = problems_for(content, clinic)
    assert any(
        e.startswith(
            "keyword '副作用' is claimed by both safety (replies/safety.yaml) "
            "and side_effects (replies/side_effects.yaml)"
        )
        for e in errors
    ), errors
    assert any(
        "keyword '预约' is claimed by both booking" in e
        and "price (replies/price.yaml)" in e
        and "both read as '預約'" in e
        for e in errors
    ), errors


def test_banned_wording_fails_with_file_field_and_phrase(content, clinic):
    edit(
        content[0] / "benefits.yaml", lambda d: d["points"][0].update(text="保證有效,100%無副作用")
    )
    edit(content[0] / "_shared.yaml", lambda d: d.update(fallback_text="我們是台南最好的診所"))
    errors, _ = problems_for(content, clinic)
    for phrase in ["保證", "100%", "無副作用"]:
        assert any(
            f"benefits.yaml: points.0.text: banned wording '{phrase}'" in e for e in errors
        ), errors
    assert any("_shared.yaml: fallback_text: banned wording '最'" in e for e in errors)


def test_clinic_can_extend_the_banned_list_and_english_needs_whole_words(content, clinic):
    edit(
        content[1] / "banned_words.yaml",
        lambda d: d["banned"].append({"phrase": "細胞溝通", "reason": "test"}),
    )
    errors, _ = problems_for(content, clinic)
    assert any("what.yaml: points.1.text: banned wording '細胞溝通'" in e for e in errors)
    edit(content[0] / "price.yaml", lambda d: d.update(summary="Secure booking 安全 procurement"))
    errors, _ = problems_for(content, clinic)
    assert not any("'cure'" in e for e in errors)


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("mechanism.yaml", lambda d: d.update(source_section=""), "source_section: missing"),
        ("future.yaml", lambda d: d.update(disclaimer=""), "disclaimer: missing"),
        ("what.yaml", lambda d: d.update(disclaimer="僅供參考"), "disclaimer: differs"),
        (
            "side_effects.yaml",
            lambda d: d.update(requires_risk_statement=False),
            "requires_risk_statement: must be true",
        ),
        ("safety.yaml", lambda d: d.update(risk_statement=""), "risk_statement: missing"),
        ("benefits.yaml", lambda d: d.update(risk_statement=""), "risk_statement: missing"),
        ("what.yaml", lambda d: d.update(links=[]), "footer: 'more' needs at least one entry"),
    ],
)
def test_medical_card_without_source_disclaimer_or_risk_statement_fails(
    content, clinic, file, change, expected
):
    edit(content[0] / file, change)
    errors, _ = problems_for(content, clinic)
    assert any(f"{file}: {expected}" in e for e in errors), errors


def test_card_too_big_for_line_fails_the_check(content, clinic):
    edit(
        content[0] / "benefits.yaml",
        lambda d: d["points"].extend([{"heading": "重複", "text": "研究觀察" * 400}] * 8),
    )
    errors, _ = problems_for(content, clinic)
    assert any(
        "replies/benefits.yaml: messages[0]: bubble 0" in e and "30 KB" in e for e in errors
    ), errors


def test_reviewed_cards_are_no_longer_warned_about(content, clinic):
    edit(
        content[0] / "safety.yaml",
        lambda d: d.update(review={"reviewed_by": "王醫師", "reviewed_on": "2026-02-01"}),
    )
    errors, warnings = problems_for(content, clinic)
    assert errors == []
    assert not any("safety.yaml" in w for w in warnings)
    assert any("side_effects.yaml: review: not yet reviewed" in w for w in warnings)


def test_rendered_json_is_plain_data(library, clinic):
    for name in library.topics:
        json.dumps(render_topic(name, library, clinic), ensure_ascii=False)
