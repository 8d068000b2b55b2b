"""One interpretation per message: intent, ranked topics, bands, negations, entities."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from linebot_app.understanding.interpretation import build_understanding
from linebot_app.understanding.normalise import normalise_with_breaks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture(scope="module")
def understanding():
    return build_understanding(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")


def read(understanding, text, state=None):
    return understanding.interpret(text, NOW, state)


def test_a_negated_booking_never_fires_and_the_rest_is_answered(understanding):
    seen = read(understanding, "我沒有要約診，只是想先了解副作用")
    assert seen.intent == "ask"
    assert seen.answered_topics == ("side_effects",)
    assert "book" in seen.negated


def test_a_negated_hand_over_never_fires(understanding):
    seen = read(understanding, "先不要幫我轉專人，我想問安全性")
    assert (seen.intent, seen.answered_topics) == ("ask", ("safety",))
    assert "handover" in seen.negated


def test_asked_and_negated_in_one_message_counts_as_asked(understanding):
    seen = read(understanding, "我要找專人，不要機器人")
    assert seen.intent == "handover"


def test_cancel_and_move_by_words(understanding):
    assert read(understanding, "取消預約").intent == "cancel_request"
    assert read(understanding, "那天不能去了").intent == "cancel_request"
    assert read(understanding, "可以改到別天嗎").intent == "move_request"
    moved = read(understanding, "預約可以改到下週三下午嗎")
    assert moved.intent == "move_request"
    assert moved.answered_topics == ()
    assert moved.entities.when.as_dict() == {"date": "2026-12-09", "period": "afternoon"}


def test_details_in_one_sentence_are_kept_and_the_phone_is_not_a_contact_question(
    understanding,
):
    seen = read(understanding, "我是林小姐，電話 0912-345-678，想約週六下午")
    assert seen.intent == "book"
    assert seen.answered_topics == ("booking",)
    assert seen.entities.name == "林小姐"
    assert seen.entities.phone == "+886912345678"
    assert seen.entities.when.picker_initial(ZoneInfo("Asia/Taipei")) == dt.datetime(
        2026, 12, 5, 13, 0, tzinfo=ZoneInfo("Asia/Taipei")
    )


@pytest.mark.parametrize(
    "text",
    ["打完之後呼吸困难", "我 呼吸 困難", "過敏 性休克", "ＥＭＥＲＧＥＮＣＹ", "I can't breathe"],
)
def test_urgent_words_in_any_script_width_or_spacing(understanding, text):
    seen = read(understanding, text)
    assert seen.intent == "urgent"
    assert seen.urgent_word
    assert seen.answered_topics == ()


def test_urgent_even_in_the_middle_of_a_booking(understanding):
    assert read(understanding, "救命 我呼吸困難", state="time").intent == "urgent"


def test_not_urgent_is_not_urgent(understanding):
    assert read(understanding, "不是很緊急，想問副作用").intent == "ask"
    assert read(understanding, "沒那麼緊急").intent != "urgent"
    assert read(understanding, "it's not very urgent").intent != "urgent"


def test_a_negation_elsewhere_in_the_clause_does_not_cancel_an_urgent_word(understanding):
    # 「睜不開而且喘不過氣」: the 不 of 睜不開 is not 「不喘不過氣」.
    assert read(understanding, "打完眼睛腫到睜不開而且喘不過氣").intent == "urgent"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("這個療程大概是怎樣的東西", "what"),  # (「在做什麼的」 is a keyword now)
        ("打了會不會紅紅的", "side_effects"),
        ("你們是在東區那邊嗎", "contact"),
    ],
)
def test_paraphrases_without_a_keyword_are_answered_by_the_classifier(understanding, text, topic):
    seen = read(understanding, text)
    assert seen.band == "answer"
    assert seen.topics[0].topic == topic
    assert seen.topics[0].source == "classifier"
    assert read(understanding, "這個療程大概是在做什麼的").answered_topics == ("what",)


def test_an_uncertain_guess_asks_back_with_the_best_topics(understanding):
    seen = read(understanding, "打了會怎樣")  # better or worse? benefits or side effects
    assert seen.band == "clarify"
    assert 2 <= len(seen.clarify_topics) <= 3
    assert seen.intent == "ask"


def test_keywords_answer_first_with_full_confidence(understanding):
    seen = read(understanding, "外泌體安全嗎？多少錢？")
    assert [(t.topic, t.confidence, t.source) for t in seen.topics] == [
        ("safety", 1.0, "keyword"),
        ("price", 1.0, "keyword"),
    ]


def test_a_scene_setting_clause_gives_no_card(understanding):
    seen = read(understanding, "我皮膚容易過敏，打了會不會有副作用")
    assert seen.answered_topics == ("side_effects",)


@pytest.mark.parametrize(
    "text", ["週六早上方便嗎", "後天下午可以過去嗎", "王先生 0933222111 下週一晚上"]
)
def test_a_day_offered_to_come_in_is_a_booking(understanding, text):
    assert read(understanding, text).intent == "book"


@pytest.mark.parametrize("text", ["明天可以去游泳嗎", "今天下午要去看電影", "明天不用過去了"])
def test_a_day_said_in_passing_is_not_a_booking(understanding, text):
    assert read(understanding, text).intent != "book"


def test_a_scene_setting_keyword_gives_way_to_the_question_asked(understanding):
    # 效果 is only in the clause that tells a story; the question is what it is.
    seen = read(understanding, "我媽打過說效果不錯，這個是什麼東西啊")
    assert seen.answered_topics == ("what",)


def test_one_short_keyword_the_message_does_not_bear_out_gives_way(understanding):
    # 皮膚 names the applications card; the message asks how it works.
    seen = read(understanding, "所以它是用什麼方式讓皮膚變好的")
    assert [(t.topic, t.source) for t in seen.topics] == [("mechanism", "classifier")]
    # A longer keyword, or a short one the classifier agrees with, stays.
    assert read(understanding, "外泌體可以改善皮膚嗎").answered_topics == ("applications",)
    assert read(understanding, "效果如何").answered_topics == ("benefits",)


@pytest.mark.parametrize("text", ["謝謝", "好的謝謝你", "thank you so much", "感恩～"])
def test_thanks(understanding, text):
    seen = read(understanding, text)
    assert (seen.intent, seen.band) == ("thanks", "fallback")


@pytest.mark.parametrize("text", ["今天天氣真好", "我家的狗很乖", "👍"])
def test_off_topic_chat_gets_no_card(understanding, text):
    seen = read(understanding, text)
    assert seen.answered_topics == ()
    assert seen.intent == "offtopic"


def test_commands_in_any_script(understanding):
    assert read(understanding, "我的预约").intent == "my_requests"
    assert read(understanding, "刪除我的資料").intent == "delete_data"
    assert read(understanding, "算了", state="name").intent == "cancel_request"
    assert read(understanding, "算了").intent != "cancel_request"


def test_an_a_not_a_question_is_not_the_word_it_holds(understanding):
    # 能不能去 holds 不能去 (a cancel word) but asks whether the patient may come.
    assert read(understanding, "明天能不能去").intent == "book"
    assert read(understanding, "我明天不能去了").intent == "cancel_request"


def test_links_and_e_mail_addresses_say_no_topic(understanding):
    assert read(understanding, "abc@example.com").answered_topics == ()
    assert read(understanding, "我的信箱 mei.lin@gmail.com 外泌體副作用").answered_topics == (
        "side_effects",
    )


def test_the_second_opinion_leaves_topics_the_model_never_saw(understanding):
    """A console FAQ card's keyword (恢復期) is not overridden by a model trained without it
    (end to end: tests/test_review_faq.py)."""
    assert "faq_recovery" not in understanding.model.classes
    clauses = normalise_with_breaks("請問恢復期要多久")
    assert understanding._second_opinion(["faq_recovery"], [], [], clauses, ()) is None


def test_a_long_story_is_answered_by_the_question_at_its_end(understanding):
    story = (
        "我姊姊上個月去別家做了雷射，回家以後整整一個禮拜都不敢出門，她到現在還很後悔，"
        "我自己其實也一直在考慮要不要試試看，想問一下打完會不會痛"
    )
    seen = read(understanding, story)
    assert seen.band == "answer"
    assert seen.answered_topics == ("side_effects",)


@pytest.mark.parametrize(
    "text",
    [
        "考慮一下再預約",
        "等我想清楚再預約",
        "還不到要預約的時候",
        "先不找客服",
        "book later",
        "過年後再預約",
    ],
)
def test_an_action_put_off_for_later_never_fires(understanding, text):
    seen = read(understanding, text)
    assert seen.intent not in ("book", "handover")
    assert seen.negated & {"book", "handover"}


@pytest.mark.parametrize("text", ["玻尿酸多少錢", "肉毒有副作用嗎", "你們有做電波嗎 一次多久"])
def test_a_question_about_another_treatment_gets_no_card(understanding, text):
    seen = read(understanding, text)
    assert seen.answered_topics == ()
    assert seen.band == "fallback"


@pytest.mark.parametrize("text", ["它跟玻尿酸差在哪", "跟PRP有什麼不同", "外泌體跟玻尿酸哪個好"])
def test_comparing_exosomes_with_another_treatment_is_the_what_card(understanding, text):
    assert read(understanding, text).answered_topics == ("what",)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("我之前打過玻尿酸，腫了一個禮拜。打完會不會腫", "side_effects"),  # only the scene
        ("做雷射的診所在哪", "contact"),  # about the clinic
        ("我想預約玻尿酸", "booking"),
    ],
)
def test_another_treatment_named_in_passing_or_about_the_clinic_keeps_the_card(
    understanding, text, topic
):
    assert read(understanding, text).answered_topics == (topic,)


def test_the_condition_card_comes_before_what_it_does_for_it(understanding):
    assert read(understanding, "does it work for knee arthritis").answered_topics == (
        "applications",
        "benefits",
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我明天的預約要取消 發燒了", "cancel_request"),  # a fever as the reason, not an emergency
        ("下禮拜的預約幫我拿掉", "cancel_request"),
        ("預約能不能晚半小時", "move_request"),
        ("剛剛填的預約表單有成功送出嗎", "my_requests"),
        ("叫你們經理出來", "handover"),
        ("請護理師打電話給我", "handover"),
    ],
)
def test_what_patients_want_done_in_their_own_words(understanding, text, intent):
    seen = read(understanding, text)
    assert seen.intent == intent
    assert "contact" not in seen.answered_topics


def test_a_request_clause_is_answered_beside_a_question(understanding):
    seen = read(understanding, "地址給我一下 然後想問有沒有論文佐證")
    assert seen.answered_topics == ("contact", "references")


def test_the_second_opinion_reads_only_the_short_keywords_own_clause(understanding):
    seen = read(understanding, "為什麼打了皮膚就會變好")  # one clause: how it works
    assert seen.answered_topics == ("mechanism",)
    seen = read(understanding, "會痛嗎 要做幾次才有效")  # 會痛嗎 is that clause's own question
    assert seen.answered_topics[0] == "side_effects"


def test_a_list_with_enumeration_commas_is_one_question(understanding):
    assert read(understanding, "請問價錢、地址跟電話").answered_topics == ("price", "contact")


def test_a_tag_question_asks_what_the_clause_before_it_said(understanding):
    seen = read(understanding, "走之前想把皮膚整理好。想約下週四早上去諮詢，可以嗎？")
    assert seen.intent == "book"
    assert seen.answered_topics == ("booking",)  # the skin was the scene


def test_a_visit_asked_for_beside_questions_adds_the_booking(understanding):
    seen = read(understanding, "效果可以維持多久？我想下週二下午過去諮詢")
    assert seen.intent == "book"
    assert seen.answered_topics == ("benefits", "booking")


@pytest.mark.parametrize("text", ["它為什麼能讓皮膚再生？", "為啥打這個皮膚就會變好"])
def test_why_it_does_what_it_does_is_how_it_works(understanding, text):
    assert read(understanding, text).answered_topics == ("mechanism",)


@pytest.mark.parametrize(
    "text", ["早安 今天好冷喔 被窩出不來啦", "Hey is this Kevin? This is Jake from the gym"]
)
def test_chat_that_opens_with_a_greeting_is_chat(understanding, text):
    assert read(understanding, text).answered_topics == ()


@pytest.mark.parametrize("text", ["哈囉～請問一下", "Hello! Is anyone there?"])
def test_a_greeting_is_still_a_greeting(understanding, text):
    assert read(understanding, text).answered_topics == ("greeting",)


@pytest.mark.parametrize(
    "text",
    [
        "我懷孕三個月了 還可以打外泌體嗎",
        "我有糖尿病 做這個療程安全嗎",
        "I'm breastfeeding, is it safe?",
        "蠶豆症可以打外泌體嗎 裡面的成分會不會有問題",  # the patient's, though unsaid
    ],
)
def test_the_patients_own_condition_is_the_physicians_call(understanding, text):
    seen = read(understanding, text)
    assert seen.answered_topics == ()
    assert seen.band == "fallback"


def test_a_condition_in_general_or_what_it_is_treated_with_is_still_answered(understanding):
    assert read(understanding, "is this treatment safe for pregnant women").answered_topics == (
        "safety",
    )
    said_not = "生完小孩之後頭髮掉很兇 現在已經沒有餵奶了 外泌體打頭皮對掉髮真的有用嗎"
    assert read(understanding, said_not).answered_topics == ("applications", "benefits")
    story = "我媽媽有糖尿病，腳上有一個傷口一直好不了。想問外泌體可以用在這種傷口嗎？"
    assert read(understanding, story).answered_topics == ("applications",)


@pytest.mark.parametrize("text", ["小編今天辛苦了啦 加油加油", "你們小編養的狗狗好可愛"])
def test_the_account_admin_mentioned_in_passing_is_no_hand_over(understanding, text):
    assert read(understanding, text).intent != "handover"


@pytest.mark.parametrize("text", ["聯絡我們", "怎麼聯繫我們"])
def test_contact_us_is_the_contact_card_and_contact_me_a_person(understanding, text):
    assert read(understanding, text).answered_topics == ("contact",)
    assert read(understanding, "請聯絡我").intent == "handover"


@pytest.mark.parametrize(
    "text",
    [
        "我媽膝蓋退化很多年了，聽說外泌體對關節有幫助，想問是真的有用嗎？",
        "齁我膝蓋一直痛 聽說這個對關節不錯是真的嗎",
    ],
)
def test_whether_it_helps_a_condition_is_where_it_is_used_and_what_it_does(understanding, text):
    assert read(understanding, text).answered_topics == ("applications", "benefits")


def test_used_in_a_field_is_not_whether_it_works(understanding):
    seen = read(understanding, "想請問外泌體真的有用在心血管疾病嗎？")
    assert seen.answered_topics == ("applications",)


@pytest.mark.parametrize(
    "text",
    [
        "她說櫃檯有配合刷卡分期 但她忘記是幾期了 我最近也想做 想問可以分幾期 有沒有手續費",
        "我自己是在猶豫要不要做，最怕做了沒效白花錢，所以想問一般大概做幾次會看到明顯差別？",
    ],
)
def test_an_action_told_in_the_story_does_not_act(understanding, text):
    assert read(understanding, text).intent == "ask"


@pytest.mark.parametrize("text", ["取消預約會收費嗎", "如果遲到的話預約會被取消嗎"])
def test_a_question_about_the_booking_rules_cancels_or_books_nothing(understanding, text):
    seen = read(understanding, text)
    assert seen.intent in ("ask", "offtopic")
    assert "booking" not in seen.answered_topics


def test_how_a_request_stands_is_my_requests_beside_a_cancel_word(understanding):
    assert read(understanding, "我的預約取消成功了嗎").intent == "my_requests"


def test_deleting_my_data_shows_no_card(understanding):
    seen = read(understanding, "請刪除我的個人資料")
    assert seen.intent == "delete_data"
    assert seen.answered_topics == ()


def test_a_comparison_asked_after_a_story_answers_the_comparison_only(understanding):
    text = "之前做過PRP，覺得效果還好，朋友推薦我試外泌體。外泌體跟PRP到底差在哪？"
    assert read(understanding, text).answered_topics == ("what",)


@pytest.mark.parametrize(
    "text, answered",
    [
        ("我不預約也不用轉人 只想問外泌體跟幹細胞一樣嗎", ("what",)),  # 不 right before the action
        ("免轉人工 這個有通過衛福部嗎", ("safety",)),
        ("等我發薪水再來預約 現在先問一次多少", ("price",)),  # put off until something happens
        ("我沒說要預約 只是問安全嗎", ("safety",)),
        ("還在考慮 不會現在預約 想問有什麼副作用", ("side_effects",)),
        ("no human pls, just tell me the price", ("price",)),
        ("我不需要轉真人，你們的客服都很忙吧。想問外泌體是怎麼來的？", None),  # 客服 remarked on
    ],
)
def test_one_character_cues_and_actions_put_off_never_fire(understanding, text, answered):
    seen = read(understanding, text)
    assert seen.intent == "ask"
    assert not {"book", "handover"} & {seen.intent}
    if answered is not None:
        assert seen.answered_topics == answered
    assert "human" not in seen.answered_topics and "booking" not in seen.answered_topics


@pytest.mark.parametrize(
    "text",
    ["可以把我留的電話跟名字刪掉嗎", "我的资料帮我删了吧", "please delete my personal info"],
)
def test_deleting_ones_data_is_understood_in_free_words(understanding, text):
    assert read(understanding, text).intent == "delete_data"


def test_retyping_a_phone_number_is_no_request_to_delete_data(understanding):
    assert read(understanding, "電話打錯了 刪掉重打").intent != "delete_data"


def test_a_past_reaction_told_to_ask_is_no_emergency_but_a_present_one_is(understanding):
    told = read(understanding, "上次公司健檢抽血還昏倒 想知道你們打外泌體會先敷麻藥嗎")
    assert told.intent != "urgent" and told.urgent_word is None
    assert read(understanding, "我之前打完外泌體 現在臉腫到睜不開").intent == "urgent"
    assert read(understanding, "上次打完呼吸困難").intent == "urgent"  # nothing else asked


def test_someone_who_spaces_every_word_is_read_as_one_sentence(understanding):
    seen = read(understanding, "你好 我 今年 七十二 歲 打字 比較 慢 請問 這個 到底 是 什麼 東西")
    assert seen.answered_topics == ("what",)


@pytest.mark.parametrize(
    "text",
    [
        "你們診所的小編好可愛 今天也辛苦了",
        "請問你們的諮詢師有什麼證照",
        "Are you hiring nurses right now?",
    ],
)
def test_staff_named_in_a_remark_or_a_question_about_them_hand_over_to_no_one(understanding, text):
    assert read(understanding, text).intent != "handover"


def test_a_visit_after_a_story_books_without_the_storys_cards(understanding):
    seen = read(
        understanding, "朋友打完說效果不錯 想說乾脆約一下 下禮拜二晚上可以嗎 我叫蔡依玲 0963321456"
    )
    assert seen.intent == "book" and seen.answered_topics == ("booking",)


@pytest.mark.parametrize(
    "text, answered",
    [
        ("外泌體跟PRP哪個好？打完會紅嗎？", ("what", "side_effects")),
        ("外泌體跟皮秒比起來，哪個對毛孔比較好？", ("what",)),
        (
            "上個月做了皮秒 恢復得很快 這次想試試外泌體 聽說比較溫和 請問打完一般會紅多久",
            ("side_effects",),
        ),
    ],
)
def test_a_comparison_needs_the_treatment_and_the_comparing_word_together(
    understanding, text, answered
):
    assert read(understanding, text).answered_topics == answered


@pytest.mark.parametrize(
    "text", ["預約了沒去會被列黑名單嗎", "預約要先付訂金嗎", "取消預約要收費嗎"]
)
def test_a_question_about_the_booking_rules_books_and_prices_nothing(understanding, text):
    seen = read(understanding, text)
    assert seen.intent in ("ask", "offtopic") and not seen.answered_topics


def test_aftercare_gets_the_physicians_instructions_not_a_card(understanding):
    seen = read(understanding, "打完外泌體可以馬上化妝嗎")
    assert seen.answered_topics == () and seen.beyond_the_article == "aftercare"
    assert read(understanding, "做完可以泡溫泉嗎 會不會腫").answered_topics == ("side_effects",)
    assert read(understanding, "打完多久可以上班").answered_topics == ("side_effects",)


def test_evidence_of_the_results_is_the_references_card(understanding):
    assert read(understanding, "外泌體的效果有科學證據嗎").answered_topics == ("references",)
    both = read(understanding, "請問外泌體真的有效嗎?有沒有研究報告可以給我?")
    assert both.answered_topics == ("benefits", "references")


@pytest.mark.parametrize(
    "text, answered",
    [
        ("想了解一下你們在推的這個新療程是在做什麼", ("what",)),
        ("想諮詢一下價格", ("price",)),
    ],
)
def test_a_weak_wish_beside_a_question_answers_it_and_books_nothing(understanding, text, answered):
    seen = read(understanding, text)
    assert (seen.intent, seen.answered_topics) == ("ask", answered)
    assert read(understanding, "想了解一下").intent == "book"  # alone, it still offers booking


def test_a_sound_alike_of_a_booking_word_must_keep_its_first_character(understanding):
    assert read(understanding, "戴牙套會影響打外泌體嗎").intent != "book"  # 響打 is no 想打
    assert read(understanding, "我想預越").intent == "book"


def test_starting_early_is_no_move_but_coming_earlier_is(understanding):
    assert read(understanding, "想說提早保養 我這種狀況適合嗎").intent == "ask"
    assert read(understanding, "可以提早嗎 我明天上午有空").intent == "move_request"


@pytest.mark.parametrize(
    "text",
    [
        "我本來是想直接預約的 但想了想還是先問清楚比較好 只是想知道打外泌體安不安全",
        "先ㄅ用幫我約 我只是問問 打完會瘀青ㄇ",
    ],
)
def test_a_wish_taken_back_and_zhuyin_negation_book_nothing(understanding, text):
    seen = read(understanding, text)
    assert seen.intent == "ask" and "book" in seen.negated


@pytest.mark.parametrize(
    "text, intent",
    [
        ("萬一打完過敏休克怎麼辦 這有可能發生嗎", "ask"),
        ("熱到快昏倒 你們診所幾點開 我想進去吹冷氣哈哈", "ask"),
        ("看完那篇文章我頭好暈 專有名詞太多了 可以簡單講外泌體是什麼嗎", "ask"),
        ("昨天去花園夜市吃太多了 今天臉好腫哈哈", "offtopic"),
        ("會不會是過敏 我現在喘不過氣", "urgent"),
        ("打完喘不過氣 會不會是過敏", "urgent"),
        ("我看到我媽昏倒了", "urgent"),
        ("欸欸欸 臉腫超快 五分鐘就腫一倍 怎麼辦啦", "urgent"),
        ("我之前在你們這打的 打完整個臉腫起來 怎麼辦", "urgent"),
        ("我表姐去年在台北打外泌體 打完整個臉腫起來 腫了快一個禮拜才消 想問這種腫很常見嗎", "ask"),
        ("我在吃抗凝血藥，打外泌體會一直流血嗎", "offtopic"),
        ("以前擦過一罐精華液，結果整臉起疹子，還跑去急診打針才消。敏感肌可以打外泌體嗎？", "ask"),
    ],
)
def test_an_emergency_asked_about_as_a_possibility_or_a_joke_is_none(understanding, text, intent):
    assert read(understanding, text).intent == intent


@pytest.mark.parametrize(
    "text", ["預約遲到十五分鐘還可以做嗎", "預約的時候可以指定醫生嗎", "預約成功會有簡訊通知嗎"]
)
def test_a_question_about_how_booking_works_books_nothing(understanding, text):
    assert read(understanding, text).intent == "offtopic"


def test_the_patients_own_address_is_no_question_about_the_clinics(understanding):
    assert read(understanding, "發票可以寄到公司地址嗎").answered_topics == ()
    assert read(understanding, "地址在哪").answered_topics == ("contact",)


def test_a_condition_word_asked_about_answers_and_one_told_in_a_remark_does_not(understanding):
    assert read(understanding, "敏感肌能做嗎").answered_topics == ("applications",)
    assert read(understanding, "最近追劇追到好晚 黑眼圈超重 好想睡").answered_topics == ()
    assert read(understanding, "今天皮膚狀況還不錯").answered_topics == ()
    # whether it works for a condition, named by a weak word too, is both cards, as the sets say
    assert read(understanding, "外泌體對掉髮有效嗎").answered_topics == ("applications", "benefits")
    assert read(understanding, "掉髮有效媽").answered_topics == ("applications", "benefits")


def test_whether_it_helps_and_who_it_suits_answer_in_the_order_asked(understanding):
    seen = read(understanding, "有什麼效果 適合什麼樣的人")
    assert seen.answered_topics == ("benefits", "applications")


@pytest.mark.parametrize(
    "text, topic",
    [
        ("How does this stuff actually work on skin?", "mechanism"),
        ("聽說打完皮膚會變很透亮，是真的嗎", "benefits"),
    ],
)
def test_a_skin_word_alone_leaves_the_question_to_the_classifier(understanding, text, topic):
    assert read(understanding, text).answered_topics == (topic,)
    assert read(understanding, "皮膚可以打嗎").answered_topics == ("applications",)


def test_a_skin_word_in_another_topics_question_gives_no_applications_card(understanding):
    seen = read(
        understanding,
        "朋友說外泌體可以修復皮膚 想問打完大概多久可以看到皮膚變好 效果會維持多久",
    )
    assert seen.answered_topics == ("benefits",)


def test_rather_after_what_compares_nothing(understanding):
    assert read(understanding, "打完外泌體要擦什麼保養品比較好").answered_topics == ()
    assert read(understanding, "外泌體跟PRP哪個比較好").answered_topics == ("what",)


def test_a_third_person_declining_books_nothing(understanding):
    seen = read(
        understanding, "Is it used for arthritis? She doesn't want to book yet, just asking."
    )
    assert seen.intent == "ask" and "book" in seen.negated


def test_an_ok_that_opens_a_story_is_no_visit_asked_for(understanding):
    story = (
        "Ok so I had my first exosome session on Monday, now totally normal. Just wanted to share"
    )
    assert read(understanding, story).intent != "book"
    assert read(understanding, "週六下午 ok").intent == "book"


def test_how_to_pay_gets_no_price_card_but_the_price_asked_beside_it_does(understanding):
    assert read(understanding, "可以用LINE Pay付嗎").answered_topics == ()
    assert read(understanding, "多少錢 可以用街口付款嗎").answered_topics == ("price",)
    assert read(understanding, "可以刷卡分期嗎").answered_topics == ("price",)


def test_cards_come_in_the_order_the_questions_are_asked_not_the_story(understanding):
    story = "她比較怕痛，我比較在意效果。我們想先問清楚。請問打的時候會很痛嗎？效果可以維持多久？"
    assert read(understanding, story).answered_topics == ("side_effects", "benefits")


@pytest.mark.parametrize("text", ["你們的外泌體是哪個牌子的", "頭皮一次要打幾支"])
def test_a_detail_the_article_does_not_give_gets_no_card(understanding, text):
    assert read(understanding, text).answered_topics == ()


def test_wanting_to_know_asks_in_english(understanding):
    text = "Sorry my english not good. I want to know price for exosome. Also you open Sunday?"
    assert read(understanding, text).answered_topics == ("price", "contact")


def test_the_visit_asked_for_with_name_and_phone_is_no_question_about_the_hours(understanding):
    seen = read(understanding, "明天晚上六點半方便嗎？我的電話是0988-321-654，王小姐。")
    assert seen.intent == "book" and seen.answered_topics == ("booking",)


@pytest.mark.parametrize(
    "text, topics",
    [
        ("效果可以撐多久啊 會不會過幾個月就打回原形", ("benefits",)),
        ("這個安全ㄇ 會不會怪怪的", ("safety",)),
    ],
)
def test_a_follow_up_clause_says_more_of_the_question_before(understanding, text, topics):
    assert read(understanding, text).answered_topics == topics


@pytest.mark.parametrize(
    "text",
    [
        "我也不是不想約啦 幫我約下週五早上好了",
        "It's not that I don't want to book. Sunday morning works",
    ],
)
def test_two_negations_cancel_out(understanding, text):
    assert read(understanding, text).intent == "book"


@pytest.mark.parametrize(
    "text", ["我不會取消，放心，只是想問打完多久能化妝", "沒有人說要取消呀 請問我約的時間是幾點"]
)
def test_a_cancellation_said_not_to_happen_cancels_nothing(understanding, text):
    assert read(understanding, text).intent != "cancel_request"


def test_small_print_is_no_emergency_of_the_eyes(understanding):
    text = "你們那些卡片字太小了 我眼睛看不清楚 老花很嚴重 可以請你們的護士打電話給我嗎"
    assert read(understanding, text).intent == "handover"
    assert read(understanding, "打完外泌體 現在眼睛看不清楚").intent == "urgent"


def test_a_friends_swelling_told_as_a_story_is_no_emergency(understanding):
    text = "她說她朋友打完外泌體 第二天整個臉腫起來 後來過幾天才消 會這樣是正常的嗎"
    assert read(understanding, text).intent == "ask"


def test_questions_asked_before_the_patients_condition_are_still_answered(understanding):
    seen = read(understanding, "請問有分期嗎？停車方便嗎？然後我是孕婦可以打嗎")
    assert seen.answered_topics == ("price", "contact")


@pytest.mark.parametrize(
    "text", ["你們電話幾號 週六幾點開 我想週六下午過去", "下週三早上 想來了解外泌體"]
)
def test_a_wish_to_come_on_a_day_books(understanding, text):
    assert read(understanding, text).intent == "book"


def test_a_wish_to_come_some_day_beside_the_hours_asks_the_hours(understanding):
    text = "想找時間去諮詢看看。請問你們晚上開到幾點？附近好停車嗎？"
    assert read(understanding, text).intent == "ask"


def test_results_an_activity_may_spoil_are_part_of_the_aftercare_question(understanding):
    assert read(understanding, "做完可以跑步流汗ㄇ 會不會影響效果").answered_topics == ()


def test_a_booking_beside_a_comparison_books_and_a_declined_one_does_not(understanding):
    text = "我想要約12月15號 下午兩點 好嗎 外泌體跟玻尿酸有什麼不一樣"
    assert read(understanding, text).intent == "book"
    declined = read(understanding, "誰說我要預約了 我只是問問外泌體跟皮秒差在哪")
    assert declined.intent == "ask" and "book" in declined.negated
