"""The fake LINE platform behaves like LINE where the bot can tell the difference."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from PIL import Image
from werkzeug.serving import make_server

from linebot_app.fakeline import (
    FakeLinePlatform,
    FakeLineServer,
    LineSchemas,
    WebhookSender,
    create_fake_line_blueprint,
    find_line_openapi_dir,
    load_schemas,
    sign,
)
from linebot_app.fakeline.openapi import WEBHOOK

TIMEOUT = 5
AUTH = {"Authorization": "Bearer test-token"}
NO_SPEC = (
    "LINE OpenAPI files not found beside the project (../shared/line-openapi); "
    "set LINE_OPENAPI_DIR to run the schema tests"
)


# --- fixtures and factories -------------------------------------------------------------------
@pytest.fixture
def schemas() -> LineSchemas:
    found = load_schemas()
    if found is None:
        pytest.skip(NO_SPEC)
    return found


@pytest.fixture
def platform() -> FakeLinePlatform:
    return FakeLinePlatform()


@pytest.fixture
def server(platform: FakeLinePlatform) -> Iterator[FakeLineServer]:
    with FakeLineServer(platform) as running:
        yield running


@pytest.fixture
def api_client(server: FakeLineServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=server.url, access_token="x")) as client:
        yield client


@pytest.fixture
def line_api(api_client: ApiClient) -> MessagingApi:
    return MessagingApi(api_client)


def post(server: FakeLineServer, path: str, body: dict, **headers: str) -> requests.Response:
    return requests.post(server.url + path, json=body, headers={**AUTH, **headers}, timeout=TIMEOUT)


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def postback_button(label: str, data: str) -> dict:
    return {
        "type": "button",
        "style": "primary",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }


def flex(contents: dict) -> dict:
    return {"type": "flex", "altText": "療程介紹", "contents": contents}


def bubble(*components: dict) -> dict:
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": list(components)},
    }


def treatment_carousel() -> dict:
    """A realistic card carousel: hero image, spans, a datetime picker, URI and postback."""
    first = {
        "type": "bubble",
        "size": "mega",
        "hero": {
            "type": "image",
            "url": "https://example.com/exosome.jpg",
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "cover",
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                {
                    "type": "text",
                    "text": "外泌體療程",
                    "weight": "bold",
                    "size": "xl",
                    "wrap": True,
                },
                {
                    "type": "text",
                    "contents": [
                        {"type": "span", "text": "諮詢 ", "color": "#8C6A43"},
                        {"type": "span", "text": "免費", "weight": "bold"},
                    ],
                },
                {"type": "separator", "margin": "md"},
                {
                    "type": "box",
                    "layout": "baseline",
                    "contents": [
                        {"type": "icon", "url": "https://example.com/star.png"},
                        {"type": "text", "text": "台南", "flex": 0},
                    ],
                },
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                postback_button("預約諮詢", "action=book&service=exosome"),
                {
                    "type": "button",
                    "action": {
                        "type": "datetimepicker",
                        "label": "選擇時間",
                        "data": "action=pick",
                        "mode": "datetime",
                        "min": "2026-01-01T09:00",
                    },
                },
                {
                    "type": "button",
                    "style": "link",
                    "action": {"type": "uri", "label": "地圖", "uri": "https://maps.example.com"},
                },
            ],
        },
    }
    second = bubble(text("副作用與安全"), {"type": "filler"})
    return {"type": "carousel", "contents": [first, second]}


def quick_reply(count: int, label: str = "是") -> dict:
    item = {"type": "action", "action": {"type": "message", "label": label, "text": label}}
    return {"items": [item] * count}


def rich_menu_png(width: int = 2500, height: int = 1686) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#F4EDE4").save(buffer, "PNG")
    return buffer.getvalue()


def rich_menu_body() -> dict:
    return {
        "size": {"width": 2500, "height": 1686},
        "selected": True,
        "name": "clinic-menu",
        "chatBarText": "選單",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 1686},
                "action": {"type": "postback", "data": "action=topic&topic=what"},
            }
        ],
    }


# --- schema validation: LINE's OpenAPI file with discriminators resolved -------------------------
def test_valid_flex_carousel_with_quick_reply_passes(schemas: LineSchemas) -> None:
    message = {
        **flex(treatment_carousel()),
        "quickReply": quick_reply(13),
        "sender": {"name": "波士頓小幫手"},
    }
    assert schemas.errors("ReplyMessageRequest", {"replyToken": "t", "messages": [message]}) == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "txt", "text": "hi"}, "messages[0].type: 'txt' is not one of"),
        ({"type": "text"}, "messages[0]: 'text' is a required property"),
        ({"type": "text", "text": ""}, "messages[0].text: Length must be at least 1"),
        (
            flex(bubble({"type": "text", "wrap": True})),
            "messages[0].contents.body.contents[0]: 'text' is a required property",
        ),
        (
            flex(bubble({"type": "txet", "text": "x"})),
            "messages[0].contents.body.contents[0].type: 'txet' is not one of",
        ),
        (
            flex(bubble(postback_button("預約", "d" * 301))),
            "messages[0].contents.body.contents[0].action.data: Length must be at most 300",
        ),
        (
            flex(bubble(postback_button("預" * 41, "d"))),
            "messages[0].contents.body.contents[0].action.label: Length must be at most 40",
        ),
        (
            flex(bubble({"type": "button", "action": {"type": "postbak", "data": "d"}})),
            "messages[0].contents.body.contents[0].action.type: 'postbak' is not one of",
        ),
        (
            flex(bubble({"type": "button", "action": {"label": "x", "data": "d"}})),
            "messages[0].contents.body.contents[0].action: 'type' is a required property",
        ),
        (
            flex({"type": "carousel", "contents": [{"type": "carousel", "contents": []}]}),
            "messages[0].contents.contents[0].type: 'carousel' is not one of ['bubble']",
        ),
        (
            flex({"type": "carousel", "contents": [bubble(text("x"))] * 13}),
            "messages[0].contents.contents: Size must be at most 12",
        ),
        (
            {**text("要預約嗎"), "quickReply": quick_reply(14)},
            "messages[0].quickReply.items: Size must be at most 13",
        ),
        (
            {
                **text("要預約嗎"),
                "quickReply": quick_reply(1, label="我想預約下週六下午外泌體療程的免費諮詢時段"),
            },  # noqa: E501
            "messages[0].quickReply.items[0].action.label: Length must be at most 20",
        ),
        (
            {**flex(bubble(text("x"))), "altText": "a" * 1501},
            "messages[0].altText: Length must be at most 1500",
        ),
    ],
)
def test_invalid_message_is_refused_with_its_property_path(
    schemas: LineSchemas, message: dict, expected: str
) -> None:
    errors = schemas.errors("ReplyMessageRequest", {"replyToken": "t", "messages": [message]})
    assert any(e.startswith(expected) for e in errors), errors


def test_more_than_five_messages_are_refused(schemas: LineSchemas) -> None:
    body = {"to": "U" + "0" * 32, "messages": [text("hi")] * 6}
    assert schemas.errors("PushMessageRequest", body) == [
        "messages: Size must be at most 5 (got 6)"
    ]


def test_flex_text_made_of_spans_needs_no_text(schemas: LineSchemas) -> None:
    spans = {"type": "text", "contents": [{"type": "span", "text": "免費"}]}
    assert schemas.errors("FlexMessage", flex(bubble(spans))) == []


def test_spec_alone_misses_documented_limits_so_they_are_added() -> None:
    directory = find_line_openapi_dir() or pytest.skip(NO_SPEC)
    spec_only = LineSchemas(directory / "messaging-api.yml", documented_limits=False)
    assert spec_only.errors("FlexMessage", flex(bubble({"type": "text"}))) == []
    assert spec_only.errors("QuickReply", quick_reply(1, label="x" * 21)) == []


def test_request_schema_is_found_from_the_spec_paths(schemas: LineSchemas) -> None:
    assert schemas.request_schema("POST", "/v2/bot/message/reply") == "ReplyMessageRequest"
    assert (
        schemas.request_schema("post", "/v2/bot/chat/loading/start")
        == "ShowLoadingAnimationRequest"
    )
    assert schemas.request_schema("GET", "/v2/bot/profile/{userId}") is None


def test_converter_handles_nullable_and_self_referencing_discriminators(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yml"
    spec.write_text("""
openapi: 3.0.0
components:
  schemas:
    Node:
      type: object
      required: [kind]
      properties: {kind: {type: string}}
      discriminator:
        propertyName: kind
        mapping: {leaf: '#/components/schemas/Leaf', branch: '#/components/schemas/Branch'}
    Leaf:
      allOf:
        - $ref: '#/components/schemas/Node'
        - {type: object, required: [size], properties: {size: {type: integer, nullable: true}}}
    Branch:
      allOf:
        - $ref: '#/components/schemas/Node'
        - type: object
          properties: {children: {type: array, items: {$ref: '#/components/schemas/Node'}}}
""")
    tiny = LineSchemas(spec)
    tree = {
        "kind": "branch",
        "children": [{"kind": "leaf", "size": None}, {"kind": "branch", "children": []}],
    }
    assert tiny.errors("Node", tree) == []
    assert tiny.errors("Node", {"kind": "branch", "children": [{"kind": "leaf"}]}) == [
        "children[0]: 'size' is a required property"
    ]
    assert tiny.errors("Node", {"kind": "twig"}) == [
        "kind: 'twig' is not one of ['branch', 'leaf']"
    ]


def test_openapi_dir_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LINE_OPENAPI_DIR", str(tmp_path))
    assert find_line_openapi_dir() is None
    assert FakeLinePlatform().schema_checked is False
    (tmp_path / "messaging-api.yml").write_text("openapi: 3.0.0\n")
    assert find_line_openapi_dir() == tmp_path


def test_without_the_spec_bodies_are_not_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LINE_OPENAPI_DIR", str(tmp_path / "missing"))
    platform = FakeLinePlatform()
    token = platform.issue_reply_token("U" + "1" * 32)
    answer = platform.handle(
        "POST",
        "/v2/bot/message/reply",
        headers=AUTH,
        body=json.dumps({"replyToken": token, "messages": [{"type": "nope"}]}).encode(),
    )
    assert (platform.schema_checked, answer.status, platform.schema_errors) == (False, 200, [])


# --- webhook events -------------------------------------------------------------------------
def test_built_events_match_webhook_spec_and_the_sdk_parser(platform: FakeLinePlatform) -> None:
    webhook = load_schemas(WEBHOOK) or pytest.skip(NO_SPEC)
    patient, group = platform.new_user_id(), platform.new_group_id()
    built = [
        platform.text_event(patient, "外泌體多少錢"),
        platform.text_event(patient, "在嗎", group_id=group),
        platform.postback_event(patient, "action=book", {"datetime": "2026-03-01T10:00"}),
        platform.follow_event(patient),
        platform.unfollow_event(patient),
        platform.join_event(group),
        platform.sticker_event(patient),
        platform.image_event(patient),
    ]
    body = platform.callback_body(built)
    assert webhook.errors("CallbackRequest", json.loads(body)) == []
    parsed = WebhookParser("secret").parse(body.decode(), sign(body, "secret"))
    assert [type(e).__name__ for e in parsed] == [
        "MessageEvent",
        "MessageEvent",
        "PostbackEvent",
        "FollowEvent",
        "UnfollowEvent",
        "JoinEvent",
        "MessageEvent",
        "MessageEvent",
    ]
    assert len({e["webhookEventId"] for e in built}) == len(built)
    assert all(len(e["webhookEventId"]) == 26 for e in built)
    assert "replyToken" not in built[4]


def test_event_has_injected_time_and_group_reply_token() -> None:
    platform = FakeLinePlatform(now_ms=lambda: 1_767_225_600_000)
    patient, group = platform.new_user_id(), platform.new_group_id()
    event = platform.text_event(patient, "hi", group_id=group, redelivery=True)
    assert event["timestamp"] == 1_767_225_600_000
    assert event["deliveryContext"] == {"isRedelivery": True}
    assert event["source"] == {"type": "group", "groupId": group, "userId": patient}
    assert event["mode"] == "active"
    answer = platform.handle(
        "POST",
        "/v2/bot/message/reply",
        headers=AUTH,
        body=json.dumps({"replyToken": event["replyToken"], "messages": [text("收到")]}).encode(),
    )
    assert answer.status == 200
    assert platform.delivered()[0].chat_id == group


def test_redelivered_event_keeps_id_and_token(platform: FakeLinePlatform) -> None:
    first = platform.text_event(platform.new_user_id(), "hi")
    again = platform.redelivered(first)
    assert again["webhookEventId"] == first["webhookEventId"]
    assert again["replyToken"] == first["replyToken"]
    assert again["deliveryContext"]["isRedelivery"] is True


def test_webhook_sender_signs_like_line(platform: FakeLinePlatform) -> None:
    received: list[int] = []
    bot = Flask("bot")

    @bot.post("/callback")
    def callback() -> tuple[str, int]:
        try:
            received.append(
                len(
                    WebhookParser("s3cret").parse(
                        request.get_data(as_text=True), request.headers["X-Line-Signature"]
                    )
                )
            )
        except InvalidSignatureError:
            return "bad signature", 400
        return "OK", 200

    http = make_server("127.0.0.1", 0, bot, threaded=True)
    threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True).start()
    try:
        sender = WebhookSender(f"http://127.0.0.1:{http.server_port}/callback", "s3cret")
        event = platform.text_event(platform.new_user_id(), "你好")
        assert sender.send([event]) == (200, "OK")
        assert sender.send(platform.callback_body([event, event])) == (200, "OK")
        assert sender.send([event], signature="forged").status == 400
        assert received == [1, 2]
    finally:
        http.shutdown()
        http.server_close()


# --- sending over HTTP, through line-bot-sdk v3 -------------------------------------------------
def test_reply_is_delivered_and_token_is_single_use(
    platform: FakeLinePlatform, line_api: MessagingApi
) -> None:
    patient = platform.new_user_id()
    event = platform.text_event(patient, "營業時間")
    request_body = ReplyMessageRequest(
        reply_token=event["replyToken"], messages=[TextMessage(text="週一至週六 10:00–19:00")]
    )
    sent = line_api.reply_message(request_body, _request_timeout=TIMEOUT)
    assert sent.sent_messages[0].quote_token
    with pytest.raises(ApiException) as refused:
        line_api.reply_message(request_body, _request_timeout=TIMEOUT)
    assert refused.value.status == 400
    assert json.loads(refused.value.body) == {"message": "Invalid reply token"}
    [delivery] = platform.delivered(patient)
    assert (delivery.via, delivery.messages) == ("reply", [text("週一至週六 10:00–19:00")])
    assert [r.status for r in platform.requests("/v2/bot/message/reply")] == [200, 400]


def test_unknown_and_expired_reply_tokens_are_refused(server: FakeLineServer) -> None:
    now = [1_000_000]
    platform = server.platform
    platform.now_ms = lambda: now[0]
    patient = platform.new_user_id()
    stale, expired = platform.issue_reply_token(patient), platform.issue_reply_token(patient)
    platform.expire_reply_token(expired)
    now[0] += 61_000
    for token in (stale, expired, "never-issued"):
        answer = post(
            server, "/v2/bot/message/reply", {"replyToken": token, "messages": [text("hi")]}
        )
        assert (answer.status_code, answer.json()) == (400, {"message": "Invalid reply token"})
    assert platform.delivered() == []


def test_push_with_same_retry_key_is_delivered_once(
    platform: FakeLinePlatform, line_api: MessagingApi
) -> None:
    patient, key = platform.new_user_id(), str(uuid.uuid4())
    push = PushMessageRequest(to=patient, messages=[TextMessage(text="明天見")])
    first = line_api.push_message_with_http_info(
        push, x_line_retry_key=key, _request_timeout=TIMEOUT
    )
    assert first.data.sent_messages[0].id
    with pytest.raises(ApiException) as conflict:
        line_api.push_message(push, x_line_retry_key=key, _request_timeout=TIMEOUT)
    assert conflict.value.status == 409
    assert (
        conflict.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    )
    assert json.loads(conflict.value.body)["message"] == "The retry key is already accepted"
    assert len(platform.delivered(patient)) == 1


def test_lost_push_response_is_retried_safely_with_the_retry_key(server: FakeLineServer) -> None:
    platform, patient, key = server.platform, server.platform.new_user_id(), str(uuid.uuid4())
    platform.drop_response_next("/v2/bot/message/push")
    body = {"to": patient, "messages": [text("提醒：明天 14:00 諮詢")]}
    assert (
        post(server, "/v2/bot/message/push", body, **{"X-Line-Retry-Key": key}).status_code == 500
    )
    retry = post(server, "/v2/bot/message/push", body, **{"X-Line-Retry-Key": key})
    assert retry.status_code == 409
    assert retry.headers["x-line-accepted-request-id"] == platform.requests()[0].request_id
    assert len(platform.delivered(patient)) == 1


def test_injected_500_and_429_then_success(server: FakeLineServer) -> None:
    platform, patient = server.platform, server.platform.new_user_id()
    platform.fail_next("/v2/bot/message/push", 500)
    platform.fail_next("/v2/bot/message/push", 429, headers={"Retry-After": "2"})
    body = {"to": patient, "messages": [text("hi")]}
    statuses = [post(server, "/v2/bot/message/push", body) for _ in range(3)]
    assert [s.status_code for s in statuses] == [500, 429, 200]
    assert statuses[1].headers["Retry-After"] == "2"
    assert len(platform.delivered(patient)) == 1


def test_fail_next_repeats_and_accepts_a_custom_body(server: FakeLineServer) -> None:
    server.platform.fail_next("/v2/bot/profile", 503, times=2, body={"message": "maintenance"})
    server.platform.set_profile("U" + "b" * 32, "林小姐")
    url = f"{server.url}/v2/bot/profile/U{'b' * 32}"
    answers = [requests.get(url, headers=AUTH, timeout=TIMEOUT) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {"message": "maintenance"}


def test_invalid_flex_is_refused_with_400_and_recorded(server: FakeLineServer) -> None:
    if not server.platform.schema_checked:
        pytest.skip(NO_SPEC)
    token = server.platform.issue_reply_token(server.platform.new_user_id())
    body = {"replyToken": token, "messages": [flex(bubble({"type": "text", "size": "sm"}))]}
    answer = post(server, "/v2/bot/message/reply", body)
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "The request body has 1 error(s)",
        "details": [
            {
                "message": "'text' is a required property",
                "property": "messages[0].contents.body.contents[0]",
            }
        ],
    }
    [violation] = server.platform.schema_errors
    assert violation.schema == "ReplyMessageRequest"
    assert server.platform.delivered() == []
    # a refused body does not use up the reply token
    body["messages"] = [flex(bubble(text("ok")))]
    assert post(server, "/v2/bot/message/reply", body).status_code == 200


def test_valid_flex_carousel_is_delivered_through_the_sdk(
    platform: FakeLinePlatform, line_api: MessagingApi
) -> None:
    patient = platform.new_user_id()
    message = {**flex(treatment_carousel()), "quickReply": quick_reply(3)}
    body = ReplyMessageRequest.from_dict(
        {"replyToken": platform.issue_reply_token(patient), "messages": [message]}
    )
    line_api.reply_message(body, _request_timeout=TIMEOUT)
    assert platform.schema_errors == []
    [delivery] = platform.wait_for_deliveries(1, chat_id=patient)
    assert (
        delivery.messages[0]["contents"]["contents"][0]["footer"]["contents"][1]["action"]["mode"]
        == "datetime"
    )


def test_loading_animation_and_profile_through_the_sdk(
    platform: FakeLinePlatform, line_api: MessagingApi
) -> None:
    patient = platform.new_user_id()
    platform.set_profile(patient, "陳小姐", "https://example.com/p.jpg", language="zh-TW")
    line_api.show_loading_animation(
        ShowLoadingAnimationRequest(chat_id=patient, loading_seconds=10), _request_timeout=TIMEOUT
    )
    assert platform.requests("/v2/bot/chat/loading/start")[0].status == 202
    assert [(a.chat_id, a.seconds) for a in platform.loading_animations()] == [(patient, 10)]
    profile = line_api.get_profile(patient, _request_timeout=TIMEOUT)
    assert (profile.display_name, profile.language) == ("陳小姐", "zh-TW")
    with pytest.raises(ApiException) as missing:
        line_api.get_profile("U" + "9" * 32, _request_timeout=TIMEOUT)
    assert missing.value.status == 404


def test_loading_animation_only_for_one_to_one_chats(server: FakeLineServer) -> None:
    group = server.platform.new_group_id()
    answer = post(server, "/v2/bot/chat/loading/start", {"chatId": group, "loadingSeconds": 5})
    assert answer.status_code == 400
    if server.platform.schema_checked:
        uneven = {"chatId": server.platform.new_user_id(), "loadingSeconds": 7}
        assert post(server, "/v2/bot/chat/loading/start", uneven).status_code == 400


def test_requests_without_bearer_token_are_refused(server: FakeLineServer) -> None:
    body = {"to": server.platform.new_user_id(), "messages": [text("hi")]}
    answer = requests.post(server.url + "/v2/bot/message/push", json=body, timeout=TIMEOUT)
    assert answer.status_code == 401
    assert server.platform.delivered() == []
    recorded = server.platform.requests()[0]
    assert (recorded.status, recorded.json, recorded.headers["content-type"]) == (
        401,
        body,
        "application/json",
    )


def test_unknown_endpoint_is_404_and_recorded(server: FakeLineServer) -> None:
    answer = requests.get(server.url + "/v2/bot/no/such", headers=AUTH, timeout=TIMEOUT)
    assert answer.status_code == 404
    assert server.platform.requests("/v2/bot/no")[0].status == 404


def test_push_to_a_malformed_chat_id_is_refused(server: FakeLineServer) -> None:
    answer = post(server, "/v2/bot/message/push", {"to": "patient-1", "messages": [text("x")]})
    assert answer.status_code == 400


# --- rich menus (api.line.me and api-data.line.me paths) -------------------------------------
def test_rich_menu_lifecycle_through_the_sdk(
    platform: FakeLinePlatform, line_api: MessagingApi, api_client: ApiClient
) -> None:
    blob = MessagingApiBlob(api_client)
    menu = RichMenuRequest.from_dict(rich_menu_body())
    line_api.validate_rich_menu_object(menu, _request_timeout=TIMEOUT)
    menu_id = line_api.create_rich_menu(menu, _request_timeout=TIMEOUT).rich_menu_id
    assert menu_id.startswith("richmenu-")

    with pytest.raises(ApiException) as no_image:
        line_api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert no_image.value.status == 400

    png = rich_menu_png()
    blob.set_rich_menu_image(
        menu_id, png, _headers={"Content-Type": "image/png"}, _request_timeout=TIMEOUT
    )
    assert platform.rich_menus.images[menu_id].content == png
    with pytest.raises(ApiException) as second_upload:
        blob.set_rich_menu_image(
            menu_id, png, _headers={"Content-Type": "image/png"}, _request_timeout=TIMEOUT
        )
    assert second_upload.value.status == 400

    line_api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert line_api.get_default_rich_menu_id(_request_timeout=TIMEOUT).rich_menu_id == menu_id
    fetched = line_api.get_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert (fetched.chat_bar_text, fetched.areas[0].action.data) == (
        "選單",
        "action=topic&topic=what",
    )
    listed = line_api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus
    assert [m.rich_menu_id for m in listed] == [menu_id]

    line_api.cancel_default_rich_menu(_request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as no_default:
        line_api.get_default_rich_menu_id(_request_timeout=TIMEOUT)
    assert no_default.value.status == 404
    line_api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert line_api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus == []


def test_rich_menu_image_must_be_png_or_jpeg_of_a_valid_size(server: FakeLineServer) -> None:
    menu_id = post(server, "/v2/bot/richmenu", rich_menu_body()).json()["richMenuId"]
    url = f"{server.url}/v2/bot/richmenu/{menu_id}/content"

    def upload(content: bytes, content_type: str) -> int:
        headers = {**AUTH, "Content-Type": content_type}
        return requests.post(url, data=content, headers=headers, timeout=TIMEOUT).status_code

    assert upload(rich_menu_png(), "image/gif") == 400
    assert upload(rich_menu_png(2500, 2500), "image/png") == 400
    assert upload(b"not an image", "image/png") == 400
    assert upload(rich_menu_png(), "image/png") == 200
    downloaded = requests.get(url, headers=AUTH, timeout=TIMEOUT)
    assert downloaded.headers["Content-Type"] == "image/png"


def test_rich_menu_request_is_validated(server: FakeLineServer) -> None:
    if not server.platform.schema_checked:
        pytest.skip(NO_SPEC)
    too_long = {**rich_menu_body(), "chatBarText": "請點這裡打開診所的服務選單喔！"}
    assert post(server, "/v2/bot/richmenu/validate", too_long).status_code == 400
    assert post(server, "/v2/bot/richmenu", {"name": "no size"}).status_code == 400


# --- waiting, latency, timeline, mounting ---------------------------------------------------
def test_wait_for_deliveries_wakes_when_another_thread_delivers(
    platform: FakeLinePlatform,
) -> None:
    patient = platform.new_user_id()
    body = json.dumps({"to": patient, "messages": [text("稍後回覆您")]}).encode()
    worker = threading.Timer(
        0.05, platform.handle, ("POST", "/v2/bot/message/push"), {"headers": AUTH, "body": body}
    )
    worker.start()
    [delivery] = platform.wait_for_deliveries(1, chat_id=patient, timeout=TIMEOUT)
    assert delivery.via == "push"
    with pytest.raises(TimeoutError):
        platform.wait_for_deliveries(2, timeout=0.05)


def test_latency_slows_every_call(server: FakeLineServer) -> None:
    server.platform.add_latency(0.2)
    started = time.monotonic()
    requests.get(server.url + "/v2/bot/richmenu/list", headers=AUTH, timeout=TIMEOUT)
    assert time.monotonic() - started >= 0.2


def test_timeline_shows_the_conversation_in_order(platform: FakeLinePlatform) -> None:
    patient = platform.new_user_id()
    event = platform.text_event(patient, "想預約")
    platform.postback_event(patient, "action=book", display_text="預約諮詢")
    platform.handle(
        "POST",
        "/v2/bot/message/reply",
        headers=AUTH,
        body=json.dumps({"replyToken": event["replyToken"], "messages": [text("好的")]}).encode(),
    )
    lines = platform.timeline(patient)
    assert [(e.sender, e.kind) for e in lines] == [
        ("user", "message"),
        ("user", "postback"),
        ("bot", "message"),
    ]
    assert lines[1].message["displayText"] == "預約諮詢"
    assert platform.timeline(patient, after_seq=lines[1].seq) == lines[2:]


def test_image_sent_by_a_patient_can_be_downloaded(server: FakeLineServer) -> None:
    photo = rich_menu_png(10, 10)
    event = server.platform.image_event(server.platform.new_user_id(), content=photo)
    url = f"{server.url}/v2/bot/message/{event['message']['id']}/content"
    assert requests.get(url, headers=AUTH, timeout=TIMEOUT).content == photo


def test_blueprint_works_under_the_sandbox_prefix(platform: FakeLinePlatform) -> None:
    app = Flask("sandbox")
    app.register_blueprint(create_fake_line_blueprint(platform), url_prefix="/sandbox/line")
    patient = platform.new_user_id()
    answer = app.test_client().post(
        "/sandbox/line/v2/bot/message/push",
        headers=AUTH,
        json={"to": patient, "messages": [text("hi")]},
    )
    assert answer.status_code == 200
    assert answer.headers["x-line-request-id"]
    assert platform.requests()[0].path == "/v2/bot/message/push"
    assert len(platform.delivered(patient)) == 1
