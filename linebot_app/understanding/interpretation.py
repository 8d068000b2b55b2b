"""One interpretation per message: ranked topics with confidence, the intent, what was negated,
and the details given (name, phone, service, time). Handlers read it instead of the raw text.

Pipeline (`Understanding.interpret`): normalise once (script, width, spacing, punctuation) →
urgent words → negation scopes → keyword automaton (the precise first stage; matches inside a
negated span are dropped) → if no keyword settles it, the classifier with three bands (answer,
clarify, fallback) → intent by precedence → entities. Precedence: urgent, delete my data,
move / cancel a request, my requests, hand-over, booking, greeting, thanks, ask, off-topic.
Actions (booking, hand-over, cancel, move) need a non-negated word or keyword; the classifier
alone never hands over, and books only at the `book` threshold.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from linebot_app.understanding import intents as I
from linebot_app.understanding.classifier import MODEL_FILE, OFFTOPIC, TopicModel, weights_path
from linebot_app.understanding.config import UnderstandingConfig, load_understanding_config
from linebot_app.understanding.entities import Entities, read_entities
from linebot_app.understanding.examples import ExampleMemory
from linebot_app.understanding.intents import UrgentWords, WordHit, WordList
from linebot_app.understanding.keywords import KeywordMatch, KeywordRouter, Tier
from linebot_app.understanding.negation import NegatedSpan, negated_spans
from linebot_app.understanding.normalise import normalise, normalise_with_breaks
from linebot_app.understanding.sounds import SoundAlikes

log = logging.getLogger(__name__)

ANSWER, CLARIFY, FALLBACK = "answer", "clarify", "fallback"
KEYWORD, CLASSIFIER, EXAMPLE = "keyword", "classifier", "example"
# Keywords that, next to a phone number the patient typed, give the number, not ask for ours.
PHONE_WORDS = frozenset(
    {"電話", "電話號碼", "聯絡電話", "手機", "phone", "phone number", "聯絡方式"}
)
MIN_DIGITS_FOR_PHONE = 7
THANKS_FILLER = frozenset("好的了啦喔哦唷呀啊嗯您你們妳大家囉捏")
MAX_THANKS_REST = 2
MIN_CLAUSE = 4  # characters of a clause the classifier reads on its own
# 比較 as "rather" after what or which (「打完要擦什麼保養品比較好」) compares nothing unless two
# treatments are linked.
WHICH_THING = re.compile(r"什麼|哪種|哪一種|哪些|怎麼|\b(?:what|which)\b")
LINKED = re.compile(r"跟|和|與|同|還是|或|比起|相比|比打|比做|\b(?:vs|or|than)\b")


def _rather(normalised: str, hit) -> bool:
    """The comparison word is the 比 of 比較 (rather, more) and nothing links two treatments."""
    return (
        hit.word == "比"
        and normalised.startswith("比較", hit.start)
        and bool(WHICH_THING.search(normalised, 0, hit.start))
        and not LINKED.search(normalised)
    )


# 「它跟玻尿酸、肉毒比呢」 "how is it different from hyaluronic acid fillers": it is exosomes.
IT_IS_COMPARED = re.compile(r"它|\bit\b")
# 「換到你們這邊」「改來你們這裡做」: coming to this clinic instead of another, not a new time.
TO_THIS_CLINIC = re.compile(r"你們|妳們|這邊|這裡|貴診所|貴院|離家|離我家|近一點|附近")
# 「想說提早保養」「要提早打好幾次嗎」: starting the treatment early, not moving a booking earlier.
EARLY_TREATMENT = re.compile(r"(?:提早|提前)(?:開始)?(?:打|做|保養|預防|抗老|準備)")
# Whether exosomes suit a pet or a baby is not the article's (nor the clinic's) question.
NOT_A_PATIENT = re.compile(
    r"狗狗|貓咪|寵物|毛小孩|給狗|給貓|嬰兒|新生兒|寶寶臉|\b(?:dog|cat|pet|puppy)\b"
    r"|(?<!after my )(?<!after the )(?<!second )(?<!first )\bbaby\b"
)
# A treatment just had (剛做完雷射, 做完音波): recovering from it is the patient's condition.
JUST_HAD = re.compile(r"(?:做完|打完|動完|剛做|剛打)$")
AFTER = re.compile(r"\bafter (?:a |an |the |my )?$")
# Policy words that only set a condition: beside a booking they ask no rule.
CONDITIONALS = frozenset({"如果", "假如", "萬一", "的話", "what if"})
# Words of a patient who wants to book, whatever rule they also ask about.
BOOKING_WISHES = (
    "我想",
    "我要",
    "想約",
    "想一起約",
    "想預約",
    "想幫",
    "要約",
    "幫我",
    "麻煩",
    "可以預約",
    "i want",
    "id like",
    "can i book",
)
# 「幾天會退掉」「才退掉」: swelling that goes down, not a booking given back.
SUBSIDES = ("會", "才")
# Words that join a clause on to the question before it.
JOINED_ON = re.compile(r"以及|還有|另外|順便|跟|和|and |also |plus ")
# 「想問這個外泌體 大人小孩都適合嗎」: a clause of the subject and a lead-in asks nothing yet.
INTRODUCTION = re.compile(r"外泌體|exosomes?|想問|請問|我想|問一下|這個|那個|這種|關於|about|ask")
MIN_QUESTION = 2
LEAD_IN = re.compile(r"(?:我|那|那我)?(?:想|要)?(?:問|請問|問一下|想問)")
# 「這兩個比起來」: the two treatments the message named.
THE_TWO = re.compile(r"這兩個|這兩種|這兩者|兩者|兩個|兩種|\bthe two\b|\bboth\b")
# 「哪個效果好」「which one works better」: weighing the two things just compared.
WHICH_ONE = re.compile(r"哪個|哪一個|哪種|哪一種|哪款|\bwhich\b")
# Words that ask someone to do something even without a question word (小編幫我看一下).
REQUEST_HINTS = ("幫", "找", "回", "聯絡", "聯繫", "問", "在嗎", "在不在", "help", "talk", "speak")
# The classifier this sure that a whole message is chat outweighs a short word in passing or
# one clause read alone.
SURELY_CHAT = 0.85
REMARK_CHAT, REMARK_TOPIC = 0.4, 0.2  # chat at least this sure, each keyword's topic at most
# An asking clause the classifier reads as chat this surely leaves the story's keywords unasked.
STORY_ONLY_OFFTOPIC = 0.55
# Cards that are about the clinic, not the treatment: a question about another treatment
# (「做電波要預約嗎」「你們有做玻尿酸嗎 地址在哪」) keeps them.
APPLICATIONS, BENEFITS = "applications", "benefits"
NOT_ABOUT_THE_TREATMENT = frozenset({"booking", "human", "contact", "greeting"})
# 「為什麼打了皮膚會變好」 asks how it works, whatever the skin or results keyword says.
WHY_WORDS = ("為什麼", "為甚麼", "為啥", "為何", "怎麼會", "什麼原因", "why", "how come")
WHY_EXPLAINS = frozenset({"applications", "benefits"})
OWN_CONDITION, OTHER_TREATMENT = "own_condition", "other_treatment"
AFTERCARE = "aftercare"
# A condition named as a group of people (「孕婦可以打嗎」) or a recent operation asks in general
# unless the patient says it is their own; any other (「蠶豆症可以打嗎」) is the patient's.
GROUP_CONDITION = re.compile(r"孕婦|pregnant|開完刀|剛開刀|未成年|minimum age")
WITHOUT_CONDITION = re.compile(r"(沒有?|沒在|不是|無)$")
FIRST_PERSON = re.compile(r"我|本人|本身|\b(i|im|my|me)\b")
SHORT_KEYWORD = 3  # characters: a keyword this short may be incidental (皮膚, 效果, 在哪)
QUESTION_ENDINGS = ("嗎", "呢")
UNGUESSED = frozenset({"human", "greeting", "booking"})  # actions and greetings need words
# A clause asks (rather than sets the scene) when it has one of these or a question mark.
ASKING_MARKERS = (
    "問",  # (not in 問題: a problem is not a question)
    "嗎",
    "呢",
    "嘛",
    "什麼",
    "甚麼",
    "怎麼",
    "如何",
    "多少",
    "多久",
    "多長",
    "多快",
    "多痛",
    "多貴",
    "啥",
    "咋",
    "怎樣",
    "是否",
    "要不要",
    "需不需要",
    "該不該",
    "真的假的",
    "ㄇ",  # 注音 for 嗎
    "幾",
    "哪",
    "會不會",
    "能不能",
    "可不可以",
    "可以",
    "有沒有",
    "是不是",
    "想問",
    "請問",
    "想知道",
    "想了解",
    "請",
    "給我",
    "告訴我",
    "想",
    "要",
)
# Question words that ask nothing here: 問題 (a problem), 沒什麼差 (not much difference).
NOT_A_QUESTION = re.compile(r"問題|[沒不]什麼|[沒不]怎麼|[沒不]太怎麼")
# Markers that ask outright: 可以, 想, 要 and want also start statements (看到說可以修復).
STRONG_ASKING_MARKERS = tuple(m for m in ASKING_MARKERS if m not in ("可以", "想", "要"))
# 安不安全, 痛不痛, 有沒有: the A-not-A question
A_NOT_A = re.compile(r"(.)[不沒]\1")
# English asks with a question word anywhere, or an auxiliary first ("is it safe"): 'is' inside
# a statement ("the scars are still visible") does not ask.
ENGLISH_ASKING = re.compile(
    r"\b(?:ask|tell|please|what|whats|how|which|where|when|why|wondering|curious)\b"
    r"|\b(?:want|wanna|like|need) to know\b"
    r"|^ ?(?:(?:and|also|plus|or|so|but) )?"
    r"(?:is|are|do|does|did|can|could|will|would|should|may|any)\b"
)
ENGLISH_WISH = re.compile(r"\bwant\b")


@dataclass(frozen=True)
class TopicScore:
    topic: str
    confidence: float
    source: str  # "keyword" | "classifier" | "example" (taught in the console)


@dataclass(frozen=True)
class Interpretation:
    text: str
    normalised: str
    intent: str
    topics: tuple[TopicScore, ...]  # answer: in the order asked; clarify: best guess first
    band: str  # "answer" | "clarify" | "fallback"
    negated: frozenset[str] = frozenset()  # intents and topics the patient negated
    entities: Entities = field(default_factory=Entities)
    urgent_word: str | None = None
    command: str | None = None  # cancel | my_requests | delete_data: the whole text is one
    # Understood, but no card answers it: "own_condition" (whether this patient may have it is
    # the physician's call), "other_treatment" (the article is about exosomes only) or
    # "aftercare" (what one may do after a treatment: the physician's instructions).
    beyond_the_article: str | None = None

    @property
    def ranked_topics(self) -> tuple[str, ...]:
        return tuple(t.topic for t in self.topics)

    @property
    def topic_names(self) -> tuple[str, ...]:
        """The topics to answer with cards, in the order asked (none unless band "answer")."""
        return self.ranked_topics if self.band == ANSWER else ()

    @property
    def answered_topics(self) -> tuple[str, ...]:
        return self.topic_names

    @property
    def clarify_topics(self) -> tuple[str, ...]:
        """The guesses to offer as quick replies (band "clarify")."""
        return self.ranked_topics if self.band == CLARIFY else ()

    def entity_values(self) -> dict[str, str]:
        return self.entities.as_dict()


@dataclass(frozen=True)
class _Vocabulary:
    """The word lists the intents need, normalised once."""

    thanks: WordList
    cancel: WordList
    move: WordList
    my_requests: WordList
    book: WordList
    handover: WordList
    delete_data: WordList
    my_requests_command: WordList
    flow_cancel: WordList  # 取消, 不要了, 算了: the cancel command (a booking's way out)
    request_status: WordList
    policy: WordList
    visit: WordList  # 過去, 方便嗎: with a day or hour said, asking to come in
    urgent: UrgentWords


class Understanding:
    """Built once per process from the reply cards and the consultation config."""

    def __init__(
        self,
        library,
        consultation,
        config: UnderstandingConfig,
        tz: dt.tzinfo,
        model: TopicModel | None = None,
    ):
        self.router: KeywordRouter = library.router
        self.topics = set(library.topics)
        self.config = config
        self.tz = tz
        self.model = model
        self.sound_alikes = self._sound_alikes()
        self.examples: ExampleMemory | None = None
        words = config.intents
        commands = consultation.commands
        self.vocabulary = _Vocabulary(
            thanks=WordList(words.thanks),
            cancel=WordList(words.cancel_request),
            move=WordList(words.move_request),
            my_requests=WordList([*words.my_requests, *commands.my_requests]),
            book=WordList([*words.book, *library.topics["booking"].keywords]),
            handover=WordList([*words.handover, *library.topics["human"].keywords]),
            delete_data=WordList(commands.delete_data),
            my_requests_command=WordList(commands.my_requests),
            flow_cancel=WordList(commands.cancel),
            request_status=WordList(words.request_status),
            policy=WordList(words.policy_words),
            visit=WordList(words.visit),
            urgent=UrgentWords(
                consultation.urgent_words,
                words.not_urgent,
                model.sounds if model is not None else None,
            ),
        )
        treatments = config.other_treatments
        self.other_treatments = WordList(treatments.names)
        self.personal_conditions = WordList(config.personal_conditions)
        self.aftercare = WordList(config.aftercare.activities)
        self.downtime = WordList(config.aftercare.downtime)
        self.efficacy = WordList(config.efficacy_words)
        self.payment_methods = WordList(config.payment_methods)
        self.details_not_given = WordList(config.details_not_given)
        self.comparisons = WordList(treatments.comparisons)
        self.story_words = frozenset(filter(None, map(normalise, config.intents.story_words)))
        self.about_the_staff = WordList(config.intents.about_the_staff)
        self.comparisons_with_subject = WordList(treatments.comparisons_with_subject)
        self.subject_pronouns = WordList(treatments.subject_pronouns)
        self.scene_markers = WordList(treatments.scene_markers)
        self.subject = WordList(
            [w for card in library.topics.values() for w in card.last_resort_keywords]
            + [w for s in consultation.services if s.key == "exosome" for w in s.words]
        )
        self.service_words = {
            s.key: tuple(w for w in WordList(s.words).words) for s in consultation.services
        }

    def use_library(self, library) -> None:
        """Route with another library's keywords (console FAQ cards went live)."""
        self.router = library.router
        self.topics = set(library.topics)
        self.sound_alikes = self._sound_alikes()

    def _sound_alikes(self) -> SoundAlikes | None:
        sounds = self.model.sounds if self.model is not None else None
        return SoundAlikes(self.router.rules, sounds) if sounds is not None else None

    def use_examples(self, examples: ExampleMemory | None) -> None:
        """Phrasings taught in the console (review/teaching.py), nearest first."""
        self.examples = examples

    def idf(self, gram: str) -> float:
        return self.model.idf(gram) if self.model is not None else 1.0

    # --- the pipeline ---------------------------------------------------------------------
    def interpret(self, text: str, now: dt.datetime, state: str | None = None) -> Interpretation:
        """`state`: the state of the chat's conversation in progress (a booking step), if any."""
        if not text.strip():
            return Interpretation(
                text=text, normalised="", intent=I.OFFTOPIC, topics=(), band=FALLBACK
            )
        if self.model is not None:
            self.model.forget_recent()
        clauses = normalise_with_breaks(text)
        normalised = clauses.normalised
        negations = negated_spans(clauses)
        urgent_word = self.vocabulary.urgent.find(normalised)
        if urgent_word and (
            _told_as_past(normalise(urgent_word), clauses)
            or _not_meant(normalise(urgent_word), clauses)
        ):
            urgent_word = None  # 「上次公司健檢抽血還昏倒…想知道你們打外泌體會先敷麻藥嗎」
        matches = self.router.matches(normalised)
        if self.sound_alikes is not None:  # 負作用 read as 副作用
            matches = self.sound_alikes.merge(matches, normalised)
        standing, negated_topics = self._drop_negated(matches, negations)
        keyword_topics = KeywordRouter.route_matches(standing, len(normalised))
        entities = self._entities(text, now)
        if entities.phone:
            keyword_topics = self._without_phone_words(keyword_topics, standing)
        # 「我要找專人，不要機器人」: asked as well as negated; an action only where a clause asks
        # (「我不需要轉真人…你們的客服都很忙吧。想問…」 remarks on 客服, it asks for no one)
        whole, asking = _clauses(clauses), _asking_clauses(clauses)
        asked = {
            m.rule.topic
            for m in standing
            if m.rule.topic
            and (
                m.rule.topic not in negated_topics
                or m.rule.topic not in I.ACTION_TOPICS.values()
                or _clause_at(whole, m.start) in asking
            )
        }
        negated = (negated_topics - asked) | self._negated_intents(normalised, negations)
        for intent, topic in I.ACTION_TOPICS.items():
            if topic in negated:
                negated.add(intent)
            if topic in asked:
                negated.discard(intent)
        keyword_topics = [
            t for t in keyword_topics if t not in negated or t not in I.ACTION_TOPICS.values()
        ]
        if urgent_word or self._only_thanks(normalised, negations):
            keyword_topics = []
        if keyword_topics and self._chat_with_a_word(keyword_topics, standing, clauses):
            keyword_topics = []  # 「看到你們的廣告了 那個模特兒皮膚好好」
        if (
            keyword_topics == [APPLICATIONS]
            and not any(
                _is_asking(normalised[a:b], (a, b), clauses, strongly=True) for a, b in whole
            )
            and not any(
                m.rule.topic == APPLICATIONS
                and m.rule.tier == Tier.STRONG
                and m.rule.keyword not in SKIN_WORDS
                for m in standing
            )
        ):
            keyword_topics = []  # 「黑眼圈超重」「今天皮膚狀況還不錯」: told, none asked
        if keyword_topics == [APPLICATIONS] and self._weak_condition_of_another_question(
            standing, normalised, negated_topics
        ):
            keyword_topics = []  # 「術後紅腫要多久才能消」: the swelling, not what it treats
        wish = self._weak_wish_beside_a_question(keyword_topics, standing, clauses, negations)
        if wish:  # 「想了解一下做完的狀況」: the question, read without the wish, is answered
            keyword_topics = []
        if keyword_topics:
            keyword_topics = self._without_context_topics(keyword_topics, standing, clauses)
            keyword_topics = self._why_is_how_it_works(keyword_topics, standing, clauses, negated)
            keyword_topics = _part_of_another_question(keyword_topics, standing, clauses)
            keyword_topics = self._without_incidental_skin(keyword_topics, standing, clauses)
            topics = tuple(TopicScore(t, 1.0, KEYWORD) for t in keyword_topics)
            overridden = self._second_opinion(keyword_topics, standing, matches, clauses, negations)
            if overridden:
                topics = (overridden,)
            else:
                topics = self._with_unkeyworded_questions(topics, standing, clauses, negated)
            topics = self._without_story_actions(topics, standing, clauses)
            topics = self._long_term_risk(topics, standing, clauses)
            topics = self._condition_with_efficacy(topics, standing, normalised, negated)
            band = ANSWER if topics else FALLBACK
        elif urgent_word or self._only_thanks(normalised, negations):
            topics, band = (), FALLBACK
        else:
            ignored = [(m.start, m.end) for m in matches if m.rule.topic is None]
            if entities.phone:  # the number the patient gave says nothing about a topic
                ignored += _phone_spans(normalised, standing)
            ignored += _link_spans(text, normalised)  # nor does an e-mail address or a link
            ignored += wish
            asked_in_clauses = self._with_unkeyworded_questions((), [], clauses, negated)
            if len(asked_in_clauses) >= 2:
                topics, band = asked_in_clauses, ANSWER
            else:
                topics, band = self._classify(normalised, negations, negated, ignored)
                if band == ANSWER:  # 「掉髮有效媽」: the condition was told, the model asks
                    topics = self._condition_with_efficacy(topics, standing, normalised, negated)
                if band != ANSWER and asked_in_clauses and not self._surely_chat(normalised):
                    # a long story dilutes the question: its asking clause, read alone, is clear
                    topics, band = asked_in_clauses, ANSWER
        compared = self._compared_treatment(normalised)
        beyond = None
        beside = None
        if compared and not any(t.source == KEYWORD for t in topics):
            beside = self._comparison_beside_questions(compared, clauses, negated)
        if beside:
            topics, band = beside, ANSWER
        elif compared and band == ANSWER:
            topics = self._with_comparison(topics, compared, standing, clauses, negations)
        elif not compared and self._about_another_treatment(normalised, clauses, negations):
            topics = tuple(t for t in topics if t.topic in NOT_ABOUT_THE_TREATMENT)
            band, beyond = (band, None) if topics else (FALLBACK, OTHER_TREATMENT)
        elif NOT_A_PATIENT.search(normalised):  # 「我家狗狗有皮膚病 外泌體可以給狗打嗎」
            topics = tuple(t for t in topics if t.topic in NOT_ABOUT_THE_TREATMENT)
            band, beyond = (band, None) if topics else (FALLBACK, OWN_CONDITION)
        elif self._own_condition(normalised, negations):
            # what the condition is treated with is still asked (「我媽媽有糖尿病，傷口一直好不
            # 了，可以用在這種傷口嗎」): a keyword of the applications card stays
            # (in a clause that asks: 「…下巴一直冒痘…想問孕婦可以打嗎？」 the acne is the story)
            treated = self._asked_in_a_clause("applications", standing, clauses)
            before = self._asked_before_the_condition(standing, negations, clauses)
            topics = tuple(
                t
                for t in topics
                if t.topic in NOT_ABOUT_THE_TREATMENT
                or (t.topic == "applications" and t.source == KEYWORD and treated)
                or (t.source == KEYWORD and t.topic in before)
            )
            band, beyond = (band, None) if topics else (FALLBACK, OWN_CONDITION)
        elif aftercare := self._aftercare_clauses(clauses):
            # 「打完外泌體可以馬上去做臉部按摩嗎」: a keyword asked in another clause still counts,
            # and so does what staff taught (an example, or a keyword naming the activity); the
            # results it may spoil (「…會不會影響效果」) are the aftercare question's
            spoiled = [(a.start(), a.end()) for a in RESULTS_SPOILED.finditer(normalised)]
            asked_apart = [m for m in standing if not any(a <= m.start < b for a, b in spoiled)]
            topics = tuple(
                t
                for t in topics
                if t.topic in NOT_ABOUT_THE_TREATMENT
                or t.source == EXAMPLE
                or (
                    t.source == KEYWORD
                    and self._asked_elsewhere(t.topic, asked_apart, clauses, aftercare)
                )
            )
            band, beyond = (band, None) if topics else (FALLBACK, AFTERCARE)
        if band != ANSWER and self._offers_a_visit(
            normalised, negations, entities, negated, clauses
        ):
            topics, band = (TopicScore("booking", 1.0, KEYWORD),), ANSWER
        elif (
            band == ANSWER
            and "booking" not in {t.topic for t in topics}
            and entities.when
            and I.BOOK not in negated
            and (
                (entities.name and entities.phone)  # 「郭先生 0935789123 明天晚上6點半 順便問價錢」
                or self._visit_asked_alone(normalised, negations, clauses, standing)
            )
        ):  # 「…效果多久會出來？我想這個週末先過去諮詢」: the questions, and the visit asked for
            # (「朋友打完說效果不錯 想說乾脆約一下 下禮拜二晚上可以嗎」: the story's 效果 is none)
            guessed_apart = self._asked_beside_the_visit(normalised, negations, clauses)
            asked = tuple(
                t
                for t in topics
                if (t.source == KEYWORD and self._asked_in_a_clause(t.topic, standing, clauses))
                or (t.source != KEYWORD and guessed_apart)
            )
            booking = TopicScore("booking", 1.0, KEYWORD)
            told_first = entities.name and entities.phone  # the details, then the question
            topics = (booking, *asked) if told_first else (*asked, booking)
        if band == ANSWER and len(topics) > 1:
            topics = _in_the_order_asked(topics, standing, clauses)
        if self.efficacy.find(normalised):  # (「有什麼效果 適合什麼樣的人」: in the order asked)
            topics = _condition_first(topics)
        intent = self._intent(normalised, negations, topics, band, negated, state, urgent_word)
        if intent in (I.ASK, I.OFFTOPIC) and self._asks_the_rules(normalised, negations):
            # 「取消預約要收費嗎」: the fee is the booking rules', not the treatment's price
            topics = tuple(t for t in topics if t.topic != "price")
            band, intent = (band, intent) if topics else (FALLBACK, I.OFFTOPIC)
        if intent in (I.ASK, I.OFFTOPIC):
            # 「可以用LINE Pay付嗎」「你們的外泌體是哪個牌子的」: what no card says
            topics = self._without_what_no_card_says(topics, standing, negations, clauses)
            band, intent = (band, intent) if topics else (FALLBACK, I.OFFTOPIC)
        if intent == I.BOOK and self._asks_the_booking_rules(normalised, negations, clauses):
            # 「預約了沒去會被列黑名單嗎」「預約要先付訂金嗎」: the rules, no booking
            topics = tuple(t for t in topics if t.topic != "booking")
            band, intent = (band, I.ASK) if topics else (FALLBACK, I.OFFTOPIC)
        if intent in (I.URGENT, I.DELETE_DATA):  # 「請刪除我的個人資料」 asks for no card
            topics, band = (), FALLBACK
        if intent in (I.ASK, I.OFFTOPIC, I.THANKS) and any(t.topic == "booking" for t in topics):
            topics = tuple(t for t in topics if t.topic != "booking")  # not booked: no card
            band = band if topics else FALLBACK
        if intent in (I.CANCEL, I.MOVE, I.MY_REQUESTS):  # a guess beside a request is noise
            topics = tuple(  # (and 「預約有排進去嗎 都沒人回我」 shows the request, no hand-over)
                t for t in topics if t.topic not in ("booking", "human") and t.source == KEYWORD
            )
            band = band if topics else FALLBACK
        if band == ANSWER or intent not in (I.ASK, I.OFFTOPIC):
            beyond = None
        return Interpretation(
            text=text,
            normalised=normalised,
            intent=intent,
            topics=topics,
            band=band,
            negated=frozenset(negated),
            entities=entities,
            urgent_word=urgent_word,
            command=self._command(normalised),
            beyond_the_article=beyond,
        )

    def _command(self, normalised: str) -> str | None:
        """The command the whole message is, in any script or width (取消, 我的预约 ...)."""
        vocabulary = self.vocabulary
        for name, words in (
            ("cancel", vocabulary.flow_cancel),
            ("my_requests", vocabulary.my_requests_command),
            ("delete_data", vocabulary.delete_data),
        ):
            if words.equals(normalised):
                return name
        return None

    # --- stages -----------------------------------------------------------------------------
    @staticmethod
    def _drop_negated(
        matches: list[KeywordMatch], negations: tuple[NegatedSpan, ...]
    ) -> tuple[list[KeywordMatch], set[str]]:
        """Matches left standing, and the topics negated. In a question (「不用擔心副作用嗎」)
        only the actions (booking, human) are negated; other topics stay asked."""
        standing, negated = [], set()
        for match in matches:
            span = next((s for s in negations if s.covers(match.start, match.end)), None)
            topic = match.rule.topic
            if span is not None and span.cue in match.rule.keyword:
                span = None  # the keyword holds its own negation: 不要機器人 asks for a person
            if span is None or topic is None:
                standing.append(match)
            elif span.in_question and topic not in I.ACTION_TOPICS.values():
                standing.append(match)
            else:
                negated.add(topic)
        return standing, negated

    def _own_condition(self, normalised: str, negations: tuple[NegatedSpan, ...]) -> bool:
        """「我懷孕三個月了 還可以打嗎」「I'm breastfeeding」: whether this patient may have it is
        the physician's call (config `personal_conditions`); the fallback offers booking and a
        person. Said or not, the condition is the patient's (「蠶豆症可以打嗎」), except a group of
        people or an operation (`GROUP_CONDITION`: 「孕婦可以打嗎」 asks in general)."""
        hit = self.personal_conditions.asked(normalised, negations)
        if hit is None or WITHOUT_CONDITION.search(normalised[max(0, hit.start - 3) : hit.start]):
            return False  # (「現在已經沒有餵奶了」「我沒有糖尿病」)
        return not GROUP_CONDITION.search(hit.word) or bool(FIRST_PERSON.search(normalised))

    def _asked_before_the_condition(self, matches, negations, clauses) -> set[str]:
        """Topics asked by a keyword in a clause before the patient tells their condition
        (「有分期嗎？停車方便嗎？然後我是孕婦可以打嗎」): those questions stand on their own."""
        told = self.personal_conditions.find(clauses.normalised, negations)
        if not told:
            return set()
        whole, asking = _clauses(clauses), set(_asking_or_listing(clauses, matches))
        first = _clause_at(whole, min(h.start for h in told))
        return {
            m.rule.topic
            for m in matches
            if m.rule.topic
            and m.rule.tier != Tier.LAST_RESORT
            and _clause_at(whole, m.start) in asking
            and _clause_at(whole, m.start)[1] <= first[0]
        }

    def _aftercare_clauses(self, clauses) -> set[tuple[int, int]]:
        """The asking clauses about what one may do after a treatment (config `aftercare`)."""
        text = clauses.normalised
        if not self.aftercare.find(text) or not AFTER_TREATMENT.search(text):
            return set()  # (「運動傷害的關節」 is the patient's condition, not aftercare)
        return {
            (a, b)
            for a, b in _asking_clauses(clauses)
            if self.aftercare.find(text[a:b]) and not self.downtime.find(text[a:b])
        }

    def _asked_elsewhere(self, topic: str, matches, clauses, aside: set[tuple[int, int]]) -> bool:
        """A keyword of `topic` in a clause that asks, other than those set `aside`, or a
        longer one (more than a short word in passing) in one of those."""
        whole = _clauses(clauses)
        asking = set(_asking_clauses(clauses))
        activities = self.aftercare.find(clauses.normalised)
        return any(
            m.rule.topic == topic
            and _clause_at(whole, m.start) in asking
            and (
                _clause_at(whole, m.start) not in aside
                or len(m.rule.keyword) > SHORT_KEYWORD
                or any(m.start < h.end and h.start < m.end for h in activities)  # 泡溫泉 taught
            )
            for m in matches
        )

    @staticmethod
    def _asked_in_a_clause(topic: str, matches: list[KeywordMatch], clauses) -> bool:
        """A keyword of `topic` stands in a clause that asks (any, when no clause asks)."""
        whole = _clauses(clauses)
        asking = set(_asking_clauses(clauses)) or set(whole)
        return any(m.rule.topic == topic and _clause_at(whole, m.start) in asking for m in matches)

    def _compared_treatment(self, normalised: str) -> str | None:
        """「它跟玻尿酸差在哪」「跟電波比起來呢」: one other treatment and a comparison word compare
        exosomes with it; the configured comparison card (what) answers."""
        topic = self.config.other_treatments.comparison_topic
        if topic not in self.topics:
            return None
        named = {hit.word for hit in self.other_treatments.find(normalised)}
        # with exosomes named, 「外泌體跟皮秒雷射差在哪」 compares one treatment in two words
        # 「它跟…」"how is it different from hyaluronic acid fillers": it, or exosomes named, is
        # the one compared with however many words name the other
        if not named or (
            len(named) > 1
            and not self.subject.find(normalised)
            and not IT_IS_COMPARED.search(normalised)
        ):
            return None
        hits = self.comparisons.find(normalised)
        if hits and not all(_rather(normalised, hit) for hit in hits):
            return topic
        if self.comparisons_with_subject.find(normalised) and (
            self.subject.find(normalised) or self.subject_pronouns.find(normalised)
        ):
            return topic
        return None

    def _comparison_beside_questions(
        self, compared: str, clauses, negated: set[str]
    ) -> tuple[TopicScore, ...]:
        """「外泌體跟PRP哪個好？打完會紅嗎？」 with no topic keyword: the comparison card, and the
        classifier's topic of each other clause that asks, when it is confident; nothing when
        the treatment and the comparison word are not in one clause or the next."""
        normalised = clauses.normalised
        named = self.other_treatments.find(normalised)
        words = [
            *self.comparisons.find(normalised),
            *self.comparisons_with_subject.find(normalised),
        ]
        whole = _clauses(clauses)
        named_in = {whole.index(_clause_at(whole, h.start)) for h in named}
        words_in = {whole.index(_clause_at(whole, w.start)) for w in words}
        # the treatment and the comparison in one clause or the next (「我打過玻尿酸。這個會比較
        # 好嗎」); 「…做了皮秒…聽說比較溫和」 many clauses apart compares nothing
        if not any(i in words_in or i + 1 in words_in for i in named_in):
            return ()
        comparing = [*named, *words]
        result = [TopicScore(compared, 1.0, KEYWORD)]
        at = None
        for start, end in _asking_clauses(clauses):
            if any(start <= hit.start < end for hit in comparing):
                at = len(result) - 1 if at is None else at
                continue
            text = normalised[start:end]
            if self.model is None or len(text) < MIN_CLAUSE or _is_tag_question(text):
                continue
            best = self.model.predict(text)[0]
            if self._confident(best, negated) and best.label != compared:
                if at is None:  # asked before the comparison
                    result.insert(
                        len(result) - 1, TopicScore(best.label, best.probability, CLASSIFIER)
                    )
                else:
                    result.append(TopicScore(best.label, best.probability, CLASSIFIER))
        return tuple(dict.fromkeys(result))

    def _with_comparison(
        self,
        topics: tuple[TopicScore, ...],
        compared: str,
        matches,
        clauses,
        negations: tuple[NegatedSpan, ...],
    ) -> tuple[TopicScore, ...]:
        """「外泌體跟PRP差在哪 哪個比較貴」: the comparison's clause, with no topic keyword of its
        own, asks the comparison card, in its place among the others."""
        normalised = clauses.normalised
        named = self.other_treatments.find(normalised)
        words = [  # 「我不是要比較PRP」 compares nothing
            w
            for w in self.comparisons.find(normalised, negations)
            + self.comparisons_with_subject.find(normalised, negations)
            if not w.negated
        ]
        whole = _clauses(clauses)
        asking = _asking_clauses(clauses)
        # 「外泌體跟皮秒比起來，哪個對毛孔比較好？」: the comparison, asked in the clause after it
        leading = [whole[i - 1] for i, b in enumerate(whole) if i and b in asking]
        # 「我打過三次PRP…想問這兩個比起來哪個效果比較好？」: the two, named before
        clause = next(
            (
                b
                for b in whole
                if (b in asking or b in leading)
                and (
                    any(b[0] <= h.start < b[1] for h in named)
                    or THE_TWO.search(normalised[b[0] : b[1]])
                )
                and any(b[0] <= w.start < b[1] for w in words)
            ),
            None,
        )
        if clause is None:
            return topics
        # 「…有啥區別？哪個效果更好？」「這兩個哪個效果比較好」: which of the two does better
        # (results, skin) goes on comparing them, in the comparison's clause or the next one
        which = [
            b
            for i, b in enumerate(whole)
            if (b == clause or (i and whole[i - 1] == clause))
            and WHICH_ONE.search(normalised[b[0] : b[1]])
        ]
        keyworded = [
            m
            for m in matches
            if m.rule.topic
            and m.rule.tier != Tier.LAST_RESORT
            and not (m.rule.topic in WHY_EXPLAINS and any(a <= m.start < e for a, e in which))
        ]
        if any(clause[0] <= m.start < clause[1] for m in keyworded):
            return topics
        asked = {m.rule.topic for m in keyworded if any(a <= m.start < b for a, b in asking)}
        # 「之前做過PRP，覺得效果還好…外泌體跟PRP到底差在哪？」: the story's 效果 is no question
        # (a request, 我想要約12月15號, is one wherever it stands)
        topics = tuple(
            t
            for t in topics
            if t.source != KEYWORD or t.topic in asked or t.topic in I.ACTION_TOPICS.values()
        )
        if compared in {t.topic for t in topics}:
            return topics
        before = {  # asked before the comparison (a story's words before it ask nothing)
            m.rule.topic
            for m in keyworded
            if m.start < clause[0] and any(a <= m.start < b for a, b in asking)
        }
        at = sum(1 for t in topics if t.topic in before)
        return (*topics[:at], TopicScore(compared, 1.0, KEYWORD), *topics[at:])

    def _about_another_treatment(
        self, normalised: str, clauses, negations: tuple[NegatedSpan, ...] = ()
    ) -> bool:
        """「玻尿酸多少錢」「你們有做電波嗎」: the question is about a treatment the article is not
        about (config `other_treatments`), and exosomes are neither named nor compared with it
        (named only to be ruled out, 「她是想打玻尿酸啦 不是外泌體」, they are not named)."""
        # 「手術的疤」「雷射後留下的疤」: the patient's condition, not the treatment asked about
        named = [  # (「手術後可以用嗎」: recovering from one is the condition too)
            hit
            for hit in self.other_treatments.find(normalised)
            if "疤" not in normalised[hit.end : hit.end + 4]
            and not normalised.startswith(("後", "完"), hit.end)
            and not JUST_HAD.search(normalised, 0, hit.start)  # 「剛做完雷射 可以拿它來修復嗎」
            and not AFTER.search(normalised, 0, hit.start)  # 'right after a laser treatment'
        ]
        if not named or any(not h.negated for h in self.subject.find(normalised, negations)):
            return False
        bounds = _clauses(clauses)
        asking = _asking_clauses(clauses)
        if asking and len(asking) < len(bounds):  # named only where the scene is set?
            # a treatment had before (「之前打過電波」) only sets the scene of the question
            clauses_named = {_clause_at(bounds, hit.start) for hit in named}
            return any(
                clause in asking or not self.scene_markers.find(normalised[clause[0] : clause[1]])
                for clause in clauses_named
            )
        return True

    def _offers_a_visit(
        self,
        normalised: str,
        negations: tuple[NegatedSpan, ...],
        entities: Entities,
        negated: set[str],
        clauses,
    ) -> bool:
        """Nothing else asked, and a day or hour given with a way of asking to come in (可以
        過去嗎, 方便嗎) or with the patient's name or phone: they want an appointment."""
        if I.BOOK in negated or not entities.when or _when_asks_the_hours(normalised, clauses):
            return False
        if entities.phone or entities.name:
            return True
        hit = self._visit_asked(normalised, negations, clauses)
        return hit is not None and not _visit_told_beside_the_hours(hit.start, clauses)

    def _without_what_no_card_says(
        self, topics: tuple[TopicScore, ...], matches: list[KeywordMatch], negations, clauses
    ) -> tuple[TopicScore, ...]:
        """A clause about a way of paying or a detail the article does not give (config
        `payment_methods`, `details_not_given`) answers nothing; a topic asked in another clause
        (「多少錢 可以用LINE Pay嗎」) still is."""
        text = clauses.normalised
        hits = self.payment_methods.find(text, negations) + self.details_not_given.find(
            text, negations
        )
        if not topics or not any(not h.negated for h in hits):
            return topics
        whole = _clauses(clauses)
        unanswered = {_clause_at(whole, h.start) for h in hits if not h.negated}
        elsewhere = [b for b in _asking_clauses(clauses) if b not in unanswered]

        def still_asked(t: TopicScore) -> bool:
            if t.source != KEYWORD:
                return bool(elsewhere)
            return any(  # (「我平常都用信用卡集點數…可以刷美國運通嗎」: the story asks nothing)
                m.rule.topic == t.topic
                and _clause_at(whole, m.start) not in unanswered
                and (_clause_at(whole, m.start) in elsewhere or not elsewhere)
                for m in matches
            )

        return tuple(t for t in topics if t.topic in I.ACTION_TOPICS.values() or still_asked(t))

    def _asked_beside_the_visit(self, normalised: str, negations, clauses) -> bool:
        """A clause asks something besides the one asking to come in (「明天晚上六點半方便嗎」
        is the visit, not a question about the hours)."""
        asking = _asking_clauses(clauses)
        visit = self._visit_asked(normalised, negations, clauses)
        if visit is None:
            return bool(asking)
        return any(b != _clause_at(_clauses(clauses), visit.start) for b in asking)

    def _visit_asked(self, normalised: str, negations, clauses) -> WordHit | None:
        """The first way of asking to come in; a bare 'ok' only where it ends its clause
        (「週六下午 ok」, not 「Ok so I had my first session on Monday…」)."""
        whole = _clauses(clauses)
        for hit in self.vocabulary.visit.find(normalised, negations):
            if hit.negated:
                continue
            if hit.word == "ok" and normalised[hit.end : _clause_at(whole, hit.start)[1]].strip():
                continue
            return hit
        return None

    def _visit_asked_alone(self, normalised, negations, clauses, matches) -> bool:
        """A way of asking to come in (方便嗎, 可以過去嗎) in a clause no topic keyword is in."""
        hit = self._visit_asked(normalised, negations, clauses)
        if hit is None or _when_asks_the_hours(normalised, clauses):
            return False
        if _visit_told_beside_the_hours(hit.start, clauses):
            return False
        start, end = _clause_at(_clauses(clauses), hit.start)
        return not any(  # (「想來了解外泌體」: a weak word of what one comes for asks nothing)
            start <= m.start < end
            and m.rule.topic not in (None, "booking")
            and m.rule.tier == Tier.STRONG
            for m in matches
        )

    def _negated_intents(self, normalised: str, negations: tuple[NegatedSpan, ...]) -> set[str]:
        if not negations:
            return set()
        vocabulary = self.vocabulary
        found = set()
        for intent, words in (
            (I.BOOK, vocabulary.book),
            (I.HANDOVER, vocabulary.handover),
            (I.CANCEL, vocabulary.cancel),
            (I.MOVE, vocabulary.move),
        ):
            if words.negated(normalised, negations):
                found.add(intent)
        return found

    def _only_thanks(self, normalised: str, negations: tuple[NegatedSpan, ...]) -> bool:
        """「好的謝謝」「不用轉真人了謝謝」: thanks, and nothing else left to read."""
        hits = [h for h in self.vocabulary.thanks.find(normalised, negations) if not h.negated]
        if not hits:
            return False
        covered = {i for h in hits for i in range(h.start, h.end)}
        covered |= {i for s in negations for i in range(s.start, s.end)}
        rest = [c for i, c in enumerate(normalised) if i not in covered and c not in THANKS_FILLER]
        return len(rest) <= MAX_THANKS_REST

    def _surely_chat(self, text: str) -> bool:
        """The classifier is `SURELY_CHAT` sure the whole message is chat (or no card's)."""
        if self.model is None:
            return False
        best = self.model.predict(text)[0]
        return best.label == OFFTOPIC and best.probability >= SURELY_CHAT

    def _chat_with_a_word(self, topics: list[str], matches: list[KeywordMatch], clauses) -> bool:
        """Nothing asked, only short topic words in passing (皮膚, 效果), and the classifier sure
        it is chat: 「剛剛看了一部韓劇 效果特效超誇張 好好笑」 gets no card."""
        if any(t in I.ACTION_TOPICS.values() for t in topics) or _asking_clauses(clauses):
            return False
        topical = [m for m in matches if m.rule.topic and m.rule.tier != Tier.LAST_RESORT]
        if any(len(m.rule.keyword) > SHORT_KEYWORD for m in topical):
            return False
        if self._surely_chat(clauses.normalised):
            return True
        # A remark told in a few clauses (「最近一直熬夜 皮膚好差 唉」): chat ranked first, and the
        # keywords' own topics far behind
        if self.model is None or not clauses.breaks:
            return False
        ranked = {p.label: p.probability for p in self.model.predict(clauses.normalised)}
        best = max(ranked, key=ranked.get)
        return (
            best == OFFTOPIC
            and ranked[best] >= REMARK_CHAT
            and all(ranked.get(t, 0.0) <= REMARK_TOPIC for t in topics)
        )

    def _without_context_topics(
        self, topics: list[str], matches: list[KeywordMatch], clauses
    ) -> list[str]:
        """「我皮膚容易過敏，打了會不會有副作用」: a clause that only sets the scene (no question,
        no request) gives no card when another clause asks about a topic."""
        if len(topics) < 2 or not clauses.breaks:
            return topics
        bounds = _clauses(clauses)
        asking = _asking_clauses(clauses)
        if not asking or len(asking) == len(bounds):
            return topics
        asking = _asking_or_listing(clauses, matches)
        in_asking = {
            m.rule.topic
            for m in matches
            if any(a <= m.start < b for a, b in asking) and m.rule.topic
        }
        if not in_asking:
            return topics
        acting = {
            m.rule.topic
            for m in matches
            if m.rule.topic in I.ACTION_TOPICS.values() and m.rule.keyword not in self.story_words
        }
        kept = [t for t in topics if t in in_asking or t in acting]
        return kept or topics

    def _condition_with_efficacy(
        self,
        topics: tuple[TopicScore, ...],
        matches: list[KeywordMatch],
        normalised: str,
        negated: set[str],
    ) -> tuple[TopicScore, ...]:
        """「我媽膝蓋退化很多年…聽說外泌體對關節有幫助，是真的有用嗎」: a condition and whether it
        helps, wherever each stands, is [applications, benefits] (config `efficacy_words`)."""
        names = [t.topic for t in topics]
        if not names or not self.efficacy.find(normalised) or negated & {APPLICATIONS, BENEFITS}:
            return topics
        if {APPLICATIONS, BENEFITS} <= set(names) or not {APPLICATIONS, BENEFITS} & set(names):
            return topics
        if not any(m.rule.topic == APPLICATIONS for m in matches):
            return topics  # (a condition word, strong or weak: 關節, 掉髮, 毛孔)
        at = names.index(APPLICATIONS) if APPLICATIONS in names else names.index(BENEFITS)
        pair = (TopicScore(APPLICATIONS, 1.0, KEYWORD), TopicScore(BENEFITS, 1.0, KEYWORD))
        rest = [t for t in topics if t.topic not in (APPLICATIONS, BENEFITS)]
        return (*rest[:at], *pair, *rest[at:])

    def _without_story_actions(
        self, topics: tuple[TopicScore, ...], matches: list[KeywordMatch], clauses
    ) -> tuple[TopicScore, ...]:
        """「她說櫃檯可以分期…想問可以分幾期」: an action named only by story words (櫃檯, 想做,
        config `intents.story_words`) is part of the story when something else is asked."""
        actions = set(I.ACTION_TOPICS.values()) - {"greeting"}
        asked = [t for t in topics if t.topic not in actions]
        if not asked and (
            self._remarked_on(matches, clauses)
            or self._told_beside_a_question(matches, clauses)
            or self._about_the_staff(matches, clauses)
        ):
            return ()  # 「你們診所的小編好可愛 今天也辛苦了」: a remark, no request
        if not asked or len(asked) == len(topics):
            return topics
        requested = {m.rule.topic for m in matches if m.rule.keyword not in self.story_words}
        return tuple(t for t in topics if t.topic not in actions or t.topic in requested)

    def _story_words_only(self, matches: list[KeywordMatch], actions_only: bool = True):
        """The matches naming an action (or any topic), when story words are all they are."""
        named = [
            m
            for m in matches
            if (m.rule.topic in I.ACTION_TOPICS.values() if actions_only else m.rule.topic)
        ]
        if named and all(m.rule.keyword in self.story_words for m in named):
            return named
        return []

    def _about_the_staff(self, matches: list[KeywordMatch], clauses) -> bool:
        """「請問你們的諮詢師有什麼證照」「Are you hiring nurses?」: staff named by story words
        only, in a question about the staff themselves (config `intents.about_the_staff`)."""
        if not self._story_words_only(matches):
            return False
        return bool(self.about_the_staff.find(clauses.normalised))

    def _told_beside_a_question(self, matches: list[KeywordMatch], clauses) -> bool:
        """「…她看我打完效果不錯也很想打外泌體。這樣打會有影響嗎？」: story words name the action
        in a clause that asks nothing, and another clause asks (what no card answers)."""
        named = self._story_words_only(matches)
        if not named:
            return False
        whole = _clauses(clauses)
        asking = _asking_clauses(clauses)
        own = {_clause_at(whole, m.start) for m in named}
        return bool(asking) and not own & set(asking)

    def _remarked_on(self, matches: list[KeywordMatch], clauses) -> bool:
        """Only story words (小編, 櫃檯) name the action, in a message that neither asks nor
        requests anything and says more than the word."""
        named = self._story_words_only(matches, actions_only=False)
        if not named:
            return False
        text = clauses.normalised
        if _asking_clauses(clauses) or any(w in text for w in REQUEST_HINTS):
            return False
        return len(text) > max(m.end - m.start for m in named) + 2

    def _why_is_how_it_works(
        self, topics: list[str], matches: list[KeywordMatch], clauses, negated: set[str]
    ) -> list[str]:
        """「它為什麼能讓皮膚再生？」「為啥打這個皮膚就會變好」: why it does what it does is how it
        works. A skin or results keyword only in clauses asking why gives the mechanism card."""
        if "mechanism" not in self.topics or "mechanism" in negated:
            return topics
        text = clauses.normalised
        # 「靠什麼機制讓皮膚變好」: a clause naming how it works explains the skin words in it too
        # (not those of another item it lists: 「是什麼、怎麼作用、效果多久」)
        bounds = _clauses(clauses, by_item=True)
        how = {
            b
            for b in bounds
            for m in matches
            if m.rule.topic == "mechanism" and b[0] <= m.start < b[1]
        }
        why = [b for b in bounds if b in how or any(w in text[b[0] : b[1]] for w in WHY_WORDS)]
        if not why:
            return topics
        # the story's skin words (「我皮膚偏乾…它是靠什麼原理讓皮膚變好的？」) ask nothing
        whole = _clauses(clauses)
        asking = set(_asking_clauses(clauses))
        asked = [m for m in matches if _clause_at(whole, m.start) in asking] or matches
        how_words = [m for m in matches if m.rule.topic == "mechanism"]
        listed = {  # 「原理跟效果」: two things asked, not the results explained
            m.rule.topic
            for m in asked
            for h in how_words
            if ALSO.fullmatch(text[h.end : m.start]) or ALSO.fullmatch(text[m.end : h.start])
        }
        explained = {
            topic
            for topic in topics
            if topic in WHY_EXPLAINS
            and topic not in listed
            and all(any(a <= m.start < b for a, b in why) for m in asked if m.rule.topic == topic)
            and any(m.rule.topic == topic for m in asked)
        }
        if not explained:
            return topics
        result: list[str] = []
        for topic in topics:
            topic = "mechanism" if topic in explained else topic
            if topic not in result:
                result.append(topic)
        return result

    def _confident(self, best, negated: set[str]) -> bool:
        """A clause's guess good enough to answer: a card's topic, not an action, not negated."""
        return (
            best.label in self.topics
            and best.label not in UNGUESSED
            and best.label not in negated
            and best.probability >= self.config.thresholds.answer
        )

    def _with_unkeyworded_questions(
        self,
        topics: tuple[TopicScore, ...],
        matches: list[KeywordMatch],
        clauses,
        negated: set[str],
    ) -> tuple[TopicScore, ...]:
        """「打了會不會紅紅的？效果可以維持多久？」: a question clause without any keyword gets
        the classifier's topic too, in its place, when it is confident."""
        if self.model is None or not clauses.breaks:
            return topics
        placed = [(m.start, TopicScore(m.rule.topic, 1.0, KEYWORD)) for m in matches]
        kept = {t.topic for t in topics}
        asking = _asking_clauses(clauses)
        added = chat = False
        for start, end in _clauses(clauses):
            text = clauses.normalised[start:end]
            if len(text) < MIN_CLAUSE or any(
                start <= m.start < end
                for m in matches
                if m.rule.tier == Tier.STRONG or (m.rule.tier == Tier.WEAK and m.rule.topic in kept)
            ):
                continue  # (a weak word no card was given for, 頭皮, leaves its clause to guess)
            if (start, end) not in asking:  # 「有看到說外泌體可以改善掉髮」 reports, not asks
                continue
            if _is_tag_question(text):  # 「…醬可以ㄇ」 asks about the clause before it
                continue
            if FOLLOW_UP.match(text) and any(
                m.end <= start and m.rule.tier == Tier.STRONG for m in matches
            ):  # 「效果可以撐多久啊 會不會過幾個月就打回原形」 says more of the question before
                continue
            if len(INTRODUCTION.sub("", text)) < MIN_QUESTION:  # 「想問這個外泌體」 leads in
                continue
            best = self.model.predict(text)[0]
            if self._confident(best, negated):
                placed.append((start, TopicScore(best.label, best.probability, CLASSIFIER)))
                added = True
            chat = chat or (best.label == OFFTOPIC and best.probability >= STORY_ONLY_OFFTOPIC)
        if not added and chat and self.model.predict(clauses.normalised)[0].label == OFFTOPIC:
            # 「我上個月打了外泌體，效果很好。想問打完多久可以去做臉？」: the story's 效果 is no
            # question, and what is asked no card answers (read whole, it is no card's either;
            # 「…不安全，真的沒問題嗎」 asks about the clause before it)
            whole = _clauses(clauses)
            return tuple(
                t
                for t in topics
                if t.topic in I.ACTION_TOPICS.values()
                or any(
                    _clause_at(whole, m.start) in asking for m in matches if m.rule.topic == t.topic
                )
            )
        if not added:
            return topics
        kept = {t.topic for t in topics}
        asking_or_listing = _asking_or_listing(clauses, matches)  # 「你們營業時間 外泌體多少」
        # A keyword only in clauses that set the scene gives no card once an asking clause
        # has its own topic (「我姐姐做過說效果不錯，…可以解釋一下這是什麼嗎」: what).
        for topic in list(kept):
            if topic in I.ACTION_TOPICS.values():
                continue
            starts = [m.start for m in matches if m.rule.topic == topic]
            if starts and not any(a <= st < b for st in starts for a, b in asking_or_listing):
                kept.discard(topic)
        ordered: list[TopicScore] = []
        for _, score in sorted(placed, key=lambda p: p[0]):
            if (score.topic in kept or score.source == CLASSIFIER) and score.topic not in {
                t.topic for t in ordered
            }:
                ordered.append(score)
        return tuple(ordered)

    def _weak_condition_of_another_question(
        self, standing: list[KeywordMatch], normalised: str, negated: set[str]
    ) -> bool:
        """Only weak condition words (術後, 敏感肌) name the applications card, and the classifier
        is confident the message asks another card's question."""
        own = [m for m in standing if m.rule.topic == APPLICATIONS]
        if self.model is None or not own or any(m.rule.tier != Tier.WEAK for m in own):
            return False
        best = self.model.predict(normalised)[0]
        return best.label != APPLICATIONS and self._confident(best, negated)

    def _weak_wish_beside_a_question(
        self, topics: list[str], standing: list[KeywordMatch], clauses, negations
    ) -> list[tuple[int, int]]:
        """The spans of weak booking words (想了解, 想試試, 諮詢) when they are the only keywords
        and the rest of the message asks something the classifier answers (「想了解一下你們在推的
        這個新療程是在做什麼」 asks what it is; it books nothing). Alone (「想了解一下」) they
        still offer booking."""
        if topics != ["booking"]:
            return []
        own = [m for m in standing if m.rule.topic == "booking"]
        if not own or any(m.rule.tier != Tier.WEAK for m in own):
            return []
        spans = [(m.start, m.end) for m in own]
        normalised = clauses.normalised
        whole = _clauses(clauses)
        if all(  # 「上次去你們那邊諮詢 護理師很有耐心…先跟你們說聲謝謝喔」: a visit told
            PAST_MARKERS.search(normalised[a:b])
            for a, b in (_clause_at(whole, m.start) for m in own)
        ):
            return spans
        ignored = spans + [(m.start, m.end) for m in standing if m.rule.topic is None]
        guessed, band = self._classify(normalised, negations, set(), ignored)
        if band != ANSWER or guessed[0].topic in I.ACTION_TOPICS.values():
            return []
        return spans

    def _without_incidental_skin(
        self, topics: list[str], matches: list[KeywordMatch], clauses
    ) -> list[str]:
        """「朋友說外泌體可以修復皮膚 想問打完大概多久可以看到皮膚變好 效果會維持多久」: a skin word
        in a clause that tells, or in one holding another topic's keyword, or in one the
        classifier confidently reads as another topic's question, is what that question is
        about; when that is all the applications card had, it gives no card of its own."""
        if APPLICATIONS not in topics or len(topics) < 2 or self.model is None:
            return topics
        own = [m for m in matches if m.rule.topic == APPLICATIONS]
        if not own or any(m.rule.keyword not in SKIN_WORDS for m in own):
            return topics
        whole, asking = _clauses(clauses), _asking_clauses(clauses)
        others = {
            _clause_at(whole, m.start)
            for m in matches
            if m.rule.topic not in (None, APPLICATIONS) and m.rule.tier == Tier.STRONG
        }
        text = clauses.normalised

        def explained(clause: tuple[int, int]) -> bool:
            if clause in others or clause not in asking:
                return True
            best = self.model.predict(text[clause[0] : clause[1]])[0]
            return best.label != APPLICATIONS and self._confident(best, set())

        if all(explained(_clause_at(whole, m.start)) for m in own):
            return [t for t in topics if t != APPLICATIONS]
        return topics

    def _second_opinion(
        self,
        topics: list[str],
        standing: list[KeywordMatch],
        matches: list[KeywordMatch],
        clauses,
        negations: tuple[NegatedSpan, ...],
    ) -> TopicScore | None:
        """One short keyword the whole message does not bear out (「所以它是用什麼方式讓皮膚變好的」
        names 皮膚 but asks how it works): the classifier, reading the keyword's clause (the
        whole message when it is one), gives its topic instead when it is `override` sure of
        another one; another clause's question (「會痛嗎 要做幾次才有效」) is that clause's own.
        Never for an action or a greeting, never to answer nothing (chat keeps its keyword's
        card: the fallback is the keywords' job)."""
        normalised = clauses.normalised
        if self.model is None or len(topics) != 1 or topics[0] in UNGUESSED:
            return None
        topic = topics[0]
        if topic not in self.model.classes:  # a console FAQ card: the model never saw it
            return None
        own = [m for m in standing if m.rule.topic == topic]
        skin = all(m.rule.keyword in SKIN_WORDS for m in own)  # 「how does it work on skin」
        if not skin and any(len(m.rule.keyword) > SHORT_KEYWORD for m in own):
            return None
        if any(
            m.rule.keyword.endswith(QUESTION_ENDINGS)  # 有用嗎 asks; 皮膚 may be incidental
            or normalised[m.start : m.end] != m.rule.keyword  # 機智 typed for 機制
            for m in own
        ):
            return None
        cut = [_with_cue(s, normalised) for s in negations]
        cut += [(m.start, m.end) for m in matches if m.rule.topic is None]
        starts = [m.start for m in standing if m.rule.topic == topic]
        if not skin:  # (a skin word's question may be a tag after it: 「…透亮，是真的嗎」)
            cut += [b for b in _clauses(clauses) if not any(b[0] <= at < b[1] for at in starts)]
        kept = _without_spans(normalised, cut)
        best = self.model.predict(kept)[0]
        if (
            best.label == topic
            or best.probability < self.config.thresholds.override
            or best.label == OFFTOPIC
            or best.label in UNGUESSED
            or best.label not in self.topics
        ):
            return None
        return TopicScore(best.label, best.probability, CLASSIFIER)

    @staticmethod
    def _without_phone_words(topics: list[str], matches: list[KeywordMatch]) -> list[str]:
        """「電話 0912…」 gives a phone; it does not ask for the clinic's (the contact card)."""
        contact = [m for m in matches if m.rule.topic == "contact"]
        if contact and all(m.rule.keyword in PHONE_WORDS for m in contact):
            return [t for t in topics if t != "contact"]
        return topics

    def _classify(
        self,
        normalised: str,
        negations: tuple[NegatedSpan, ...],
        negated: set[str],
        ignored: list[tuple[int, int]],
    ) -> tuple[tuple[TopicScore, ...], str]:
        """The classifier reads what is neither negated nor an ignore phrase (疫苗副作用). A
        phrasing staff taught (nearest example) answers before it."""
        if not normalised:
            return (), FALLBACK
        cut = [_with_cue(s, normalised) for s in negations] + ignored
        kept = _without_spans(normalised, cut)
        if not kept.strip():
            return (), FALLBACK
        thresholds = self.config.thresholds
        near = self.examples.nearest(kept) if self.examples is not None else None
        if (
            near is not None
            and near.similarity >= thresholds.example
            and near.topic in self.topics
            and near.topic not in negated
            and near.topic not in UNGUESSED
        ):
            return (TopicScore(near.topic, near.similarity, EXAMPLE),), ANSWER
        if self.model is None:
            return (), FALLBACK
        ranked = [
            p
            for p in self.model.predict(kept)
            if p.label not in negated and (p.label in self.topics or p.label == OFFTOPIC)
        ]
        if not ranked or ranked[0].label == OFFTOPIC:
            return (), FALLBACK
        best = ranked[0]
        needed = thresholds.book if best.label == "booking" else thresholds.answer
        if best.probability >= needed and best.label not in ("human", "greeting"):
            return (TopicScore(best.label, best.probability, CLASSIFIER),), ANSWER
        if best.probability < thresholds.clarify:
            return (), FALLBACK
        options = [
            TopicScore(p.label, p.probability, CLASSIFIER)
            for p in ranked
            if p.label not in (OFFTOPIC, "greeting") and p.probability >= thresholds.option
        ][: thresholds.clarify_options]
        return (tuple(options), CLARIFY) if options else ((), FALLBACK)

    def _intent(
        self,
        normalised: str,
        negations: tuple[NegatedSpan, ...],
        topics: tuple[TopicScore, ...],
        band: str,
        negated: set[str],
        state: str | None,
        urgent_word: str | None,
    ) -> str:
        vocabulary = self.vocabulary
        answered = [t.topic for t in topics] if band == ANSWER else []
        if urgent_word:
            return I.URGENT
        if (
            vocabulary.delete_data.equals(normalised)
            or vocabulary.delete_data.asked(normalised, negations)
            or I.asks_to_delete_data(normalised, negations)
        ):
            return I.DELETE_DATA
        if vocabulary.request_status.asked(normalised, negations):
            return I.MY_REQUESTS
        moves = self._move_asked(normalised, negations) or _moves_to_a_time(normalised, negations)
        cancels = vocabulary.cancel.asked(normalised, negations)
        if (
            cancels
            and cancels.word == "退掉"
            and normalised[cancels.start - 1 : cancels.start] in SUBSIDES
        ):
            cancels = None  # 「紅腫通常幾天會退掉」: the swelling goes down, nothing is cancelled
        if self._asks_the_rules(normalised, negations):
            # 「取消預約會收費嗎」: the rules, which no card answers; nothing is booked either
            answered = [t for t in answered if t != "booking"]
            return I.ASK if answered else I.OFFTOPIC
        if moves:
            return I.MOVE
        if cancels or (state is not None and vocabulary.flow_cancel.equals(normalised)):
            return I.CANCEL
        if vocabulary.my_requests.asked(normalised, negations):
            return I.MY_REQUESTS
        if "human" in answered and I.HANDOVER not in negated:
            return I.HANDOVER
        if "booking" in answered and I.BOOK not in negated:
            guessed = all(t.source == CLASSIFIER for t in topics if t.topic == "booking")
            if guessed and vocabulary.thanks.asked(normalised, negations):
                return I.THANKS  # 「Thanks a lot for the info, see you next week!」: a goodbye
            return I.BOOK
        if answered == ["greeting"]:
            return I.GREETING
        if not answered and vocabulary.thanks.asked(normalised, negations):
            return I.THANKS
        if answered or band == CLARIFY:
            return I.ASK
        return I.OFFTOPIC

    def _move_asked(self, normalised: str, negations: tuple[NegatedSpan, ...]) -> bool:
        """A move word, not negated, that is not a change of clinic (「這次想說換到你們這邊做」)."""
        return any(
            not hit.negated
            and not TO_THIS_CLINIC.match(normalised, hit.end)
            and not EARLY_TREATMENT.match(normalised, hit.start)
            for hit in self.vocabulary.move.find(normalised, negations)
        )

    def _long_term_risk(
        self, topics: tuple[TopicScore, ...], matches: list[KeywordMatch], clauses
    ) -> tuple[TopicScore, ...]:
        """「長期打會有風險嗎」「打久了身體會不會怎樣」「長期打外泌體，會不會對身體有不好的影響」:
        beside a long-term safety keyword, a risk word, or a guess of side effects for a clause
        asking about harm, is that same question (safety)."""
        names = {t.topic for t in topics}
        if "safety" not in names or "side_effects" not in names:
            return topics
        if not any(m.rule.topic == "safety" and LONG_TERM.search(m.rule.keyword) for m in matches):
            return topics
        side = [m for m in matches if m.rule.topic == "side_effects"]
        if any(m.rule.keyword not in RISK_WORDS for m in side):
            return topics
        text = clauses.normalised
        guessed = [  # the clauses the side-effects guess came from
            (a, b)
            for a, b in _asking_clauses(clauses)
            if self.model is not None
            and not any(a <= m.start < b for m in matches if m.rule.tier != Tier.LAST_RESORT)
            and self.model.predict(text[a:b])[0].label == "side_effects"
        ]
        if any(not HARM_WORDS.search(text[a:b]) for a, b in guessed):
            return topics  # 「打完要休息多久？有長期風險嗎？」: downtime asked too
        return tuple(t for t in topics if t.topic != "side_effects")

    def _asks_the_booking_rules(self, normalised: str, negations, clauses) -> bool:
        """A question about booking with a rule word (會被, 黑名單, 訂金) and no wish to book
        (我想, 我要, 幫我 …): 「預約了沒去會被列黑名單嗎」."""
        rules = [
            hit
            for hit in self.vocabulary.policy.find(normalised, negations)
            if not hit.negated and hit.word not in CONDITIONALS
        ]
        if not rules:  # 「如果不貴的話明天下午三點可以去嗎」: a wish on a condition, no rule
            return False
        if any(w in normalised for w in BOOKING_WISHES):
            return False
        asking = _asking_clauses(clauses)
        return any(_is_asking(normalised[a:b], (a, b), clauses, strongly=True) for a, b in asking)

    def _asks_the_rules(self, normalised: str, negations: tuple[NegatedSpan, ...]) -> bool:
        """「取消預約會收費嗎」「如果遲到會被取消嗎」: a cancel or move word beside a rule word
        (a condition word alone, 如果 or 的話, asks no rule)."""
        vocabulary = self.vocabulary
        changes = (
            vocabulary.move.asked(normalised, negations)
            or _moves_to_a_time(normalised, negations)
            or vocabulary.cancel.asked(normalised, negations)
        )
        return bool(changes) and any(  # (「如果晚上沒位子，下午也可以」 only sets a condition)
            not hit.negated and hit.word not in CONDITIONALS
            for hit in vocabulary.policy.find(normalised, negations)
        )

    def _entities(self, text: str, now: dt.datetime) -> Entities:
        digits = sum(c.isdigit() for c in text)
        return read_entities(
            text, now, self.tz, self.service_words, with_phone=digits >= MIN_DIGITS_FOR_PHONE
        )


# A day said in a question about the opening hours (「請問你們週日有開嗎」) is when the clinic is
# open, not when the patient wants to come.
DAY_WORDS = re.compile(
    r"今天|明天|後天|[週周][一二三四五六日天末]|禮拜[一二三四五六日天]?|星期[一二三四五六日天]|假日|平日"
    r"|\b(?:today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?)\b"
)
HOURS_QUESTION = re.compile(
    r"有開|有營業|營業|開到|幾點開|幾點關|關門|開門|休息|休診|公休|看診時間|有看診|\b(?:open|close|closed)\b"
)


def _when_asks_the_hours(normalised: str, clauses) -> bool:
    said = [b for b in _clauses(clauses) if DAY_WORDS.search(normalised[b[0] : b[1]])]
    return bool(said) and all(HOURS_QUESTION.search(normalised[a:b]) for a, b in said)


# When aftercare is asked about: after the treatment (打完, 做完, 術後 …).
AFTER_TREATMENT = re.compile(r"打完|做完|術後|療程後|打了之後|做了之後|\bafter\b")
# 「上次抽血還昏倒」「之前在別家打完整個臉腫」: what happened before, not an emergency now.
PAST_MARKERS = re.compile(
    r"上次|之前|以前|去年|前年|上個月|上禮拜|上週|上星期|那次|那時|當時|小時候|前幾年|曾經"
    r"|後來|聽說|朋友說|她朋友|他朋友"
)
PRESENT_MARKERS = re.compile(r"現在|目前|還在|一直|越來越|今天|剛剛|剛才|剛|這次|now|today")
# Asking what to do about it (怎麼辦) is asking for help now, whatever the story's tense.
PLEA = re.compile(r"怎麼辦|怎麼處理|該怎麼|要怎麼|救命|help|what (?:do|should) i do")


# Before an urgent word in its clause: what may happen (萬一, 會不會) is a question about side
# effects; 熱到快昏倒 is a figure of speech, and so is being dizzy from reading (看完那篇文章我頭
# 好暈). Laughing in the clause (哈哈) says it is a joke. None of it counts beside a word of now
# (現在, 剛 …): 「會不會是過敏 我現在喘不過氣」 is urgent.
HYPOTHETICAL = re.compile(r"萬一|如果|假如|要是|會不會|\b(?:if|what if|would)\b")
HYPERBOLE = re.compile(r"(?:熱|累|笑|氣|忙|餓|煩|冷)到快?$")
FROM_READING = re.compile(r"看到|看完|看了|讀到|讀完|聽到|聽完")
DIZZY = re.compile(r"暈|喘不過")
UNCLEAR_SIGHT = re.compile(r"看不清|看不到|模糊|blurr|cant see")
SMALL_PRINT = re.compile(r"老花|字太小|字很小|字體|螢幕|\b(?:font|screen|small print)\b")
LAUGHING = re.compile(r"哈哈|呵呵|笑死|\b(?:lol|haha|xd)\b")


def _not_meant(key: str, clauses) -> bool:
    """The urgent word is asked about as a possibility, said as a figure of speech or as a
    joke, in a clause that tells nothing of now (see `HYPOTHETICAL`)."""
    text = clauses.normalised
    at = text.find(key)
    if at < 0:  # found with a word inside or as it sounds: keep it urgent
        return False
    start, end = _clause_at(_clauses(clauses), at)
    told = text[start:end]
    laughing = LAUGHING.search(told)
    if PRESENT_MARKERS.search(told.replace(key, "")) and not laughing:  # (一直流血's 一直)
        return False
    before = text[start:at]
    if HYPOTHETICAL.search(before) or HYPERBOLE.search(before):
        return True
    if before.endswith("會") and told.endswith(("嗎", "ㄇ")):  # 「打外泌體會一直流血嗎」
        return True
    if DIZZY.search(key) and FROM_READING.search(before):
        return True
    if UNCLEAR_SIGHT.search(key) and SMALL_PRINT.search(text):  # 「卡片字太小了 我眼睛看不清楚」
        return True
    return bool(laughing)


def _told_as_past(key: str, clauses) -> bool:
    """The urgent word stands in a clause telling the past (上次, 之前 …, and nothing of now; or
    one of the two clauses before it does), and another clause asks a question: the story of a
    past reaction, told to ask."""
    text = clauses.normalised
    at = text.find(key)
    if at < 0:  # found with a word inside or as it sounds: keep it urgent
        return False
    whole = _clauses(clauses)
    clause = _clause_at(whole, at)
    told = text[clause[0] : clause[1]]
    if PRESENT_MARKERS.search(told):
        return False
    index = whole.index(clause)
    before = text[whole[max(0, index - 2)][0] : whole[index - 1][1]] if index > 0 else ""
    if not PAST_MARKERS.search(told) and not (  # 「我表姐去年打外泌體 打完整個臉腫起來」
        PAST_MARKERS.search(before) and not PRESENT_MARKERS.search(before)
    ):
        return False
    asking = [b for b in _asking_clauses(clauses) if b != clause]
    return any(not PLEA.search(text[a:b]) for a, b in asking)


# What an activity after a treatment may do to its results: part of the aftercare question.
RESULTS_SPOILED = re.compile(
    r"影響(?:到)?(?:效果|成效)|效果(?:會)?(?:變差|打折|降低|比較差)|讓效果變差"
)
# 「長期打會有風險嗎」: the risk of years of it is the safety card's (long-term safety), not the
# side effects one has after a session.
LONG_TERM = re.compile(r"長期|打久|打多了|long.?term")
HARM_WORDS = re.compile(r"影響|怎樣|風險|傷害|不好|危險|harm|risk")
RISK_WORDS = frozenset(
    {"風險", "有風險", "風險嗎", "會不會怎樣", "會怎樣", "後遺症", "risk", "risks"}
)


def _visit_told_beside_the_hours(at: int, clauses) -> bool:
    """「晚上幾點關門啊 我下班才能過去欸」: the visit told in a statement, the hours asked; the
    contact card answers (「明天下午可以過去嗎 你們幾點開」 asks to come, and books)."""
    text = clauses.normalised
    asking = _asking_clauses(clauses)
    if not any(HOURS_QUESTION.search(text[a:b]) for a, b in asking):
        return False
    start, end = _clause_at(_clauses(clauses), at)
    if "想" in text[start:at] and DAY_WORDS.search(text[start:end]):
        return False  # 「週六幾點開 我想週六下午過去」: a wish to come that day, not a fact
    return (start, end) not in asking


# (topic, the topic whose clauses it belongs to): 「外泌體未來還有哪些可能的應用」 asks about uses
# to come (the future card); 「效果有研究根據嗎」 about evidence of the results (references);
# 「真的有效嗎？有沒有研究報告」 asks both.
WHERE_ALONE = re.compile(r"^(?:在哪|在哪裡|哪裡|哪裡找|where)$")
THIS_IS_WHAT = re.compile(r"^(?:這|這個|它)(?:是)?(?:什麼|啥)|^(?:是)?在(?:做|打)什麼")
PART_OF = (
    ("applications", "future", None),
    ("benefits", "references", None),
    # 「外泌體的來源可靠嗎」「來源乾淨嗎 會不會有感染的疑慮」: whether the source is safe
    ("what", "safety", re.compile(r"來源|來自|哪裡來|怎麼來")),
    # 「這是什麼原理」: what is asked of it is the other card's question
    *(
        ("what", other, THIS_IS_WHAT)
        for other in ("mechanism", "benefits", "side_effects", "safety", "price", "applications")
    ),
    # 「文章裡說的研究出處在哪」: where the studies are, not where the clinic is
    ("contact", "references", WHERE_ALONE),
    ("contact", "mechanism", WHERE_ALONE),  # 「道理在哪」
    # 「可以請你們的人直接打電話給她嗎」: a call from a person is the hand-over asked for
    ("contact", "human", re.compile(r"電話|\bcall")),
)


def _part_of_another_question(topics: list[str], matches: list[KeywordMatch], clauses) -> list[str]:
    """A topic whose keywords (those the rule names, if it does) stand only in clauses holding
    the keywords of the topic it is part of (`PART_OF`) gives no card of its own; only the
    asking clauses count, when it is asked in one."""
    whole = _clauses(clauses)
    asking = set(_asking_clauses(clauses))
    for part, whole_topic, words in PART_OF:
        if part not in topics or whole_topic not in topics:
            continue
        own = [m for m in matches if m.rule.topic == part]
        asked = [m for m in own if _clause_at(whole, m.start) in asking]
        own = asked or own  # (「有些外泌體來源不明。你們的來源安全嗎」: the story's is no question)
        if words is not None and not all(words.search(m.rule.keyword) for m in own):
            continue
        holding = {_clause_at(whole, m.start) for m in matches if m.rule.topic == whole_topic}
        if all(_clause_at(whole, m.start) in holding for m in own):
            topics = [t for t in topics if t != part]
    return topics


# What a question is about the skin of, rather than a question about skin conditions.
SKIN_WORDS = frozenset({"皮膚", "肌膚", "skin"})


def _without_spans(normalised: str, spans: list[tuple[int, int]]) -> str:
    """The text with the characters of `spans` taken out (what the classifier should not read)."""
    if not spans:
        return normalised
    kept = bytearray(b"\x01") * len(normalised)
    for a, b in spans:
        kept[a:b] = bytes(max(0, min(b, len(normalised)) - a))
    return "".join(c for c, keep in zip(normalised, kept, strict=True) if keep)


def _with_cue(span: NegatedSpan, normalised: str) -> tuple[int, int]:
    """A negated span with its cue (沒有要 + 預約): the cue belongs to the request declined,
    and left in it reads like one (我…要 is how bookings start)."""
    start, end, cue = span.start, span.end, span.cue
    if start >= len(cue) and normalised.startswith(cue, start - len(cue)):
        return start - len(cue), end
    if normalised.startswith(cue, end):
        return start, end + len(cue)
    return start, end


_DIGIT_RUN = re.compile(rf"\+?[0-9](?:[\- ]?[0-9]){{{MIN_DIGITS_FOR_PHONE - 1},}}")


_LINK = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)


def _link_spans(text: str, normalised: str) -> list[tuple[int, int]]:
    """Where e-mail addresses and links the patient typed sit in the normalised text."""
    spans = []
    for match in _LINK.finditer(text):
        key = normalise(match.group())
        at = normalised.find(key) if key else -1
        if at != -1:
            spans.append((at, at + len(key)))
    return spans


def _phone_spans(normalised: str, matches: list[KeywordMatch]) -> list[tuple[int, int]]:
    """Where a phone number the patient typed sits, and the phone words next to it (電話)."""
    spans = [m.span() for m in _DIGIT_RUN.finditer(normalised)]
    spans += [(m.start, m.end) for m in matches if m.rule.keyword in PHONE_WORDS]
    return spans


def _in_the_order_asked(topics: tuple[TopicScore, ...], matches: list[KeywordMatch], clauses):
    """Keyword topics in the order their questions are asked: where a clause that asks first
    names them (a story's words before it ask nothing); the others keep their places."""
    whole, asking = _clauses(clauses), set(_asking_clauses(clauses))
    first: dict[str, int] = {}
    for tiers in ((Tier.STRONG,), (Tier.WEAK, Tier.ALONE)):  # a strong word places its topic
        for m in matches:
            if m.rule.topic and m.rule.tier in tiers and _clause_at(whole, m.start) in asking:
                first.setdefault(m.rule.topic, m.start)
    placed = [t for t in topics if t.topic in first and t.source == KEYWORD]
    if len(placed) < 2:
        return topics
    ordered = iter(sorted(placed, key=lambda t: first[t.topic]))
    return tuple(next(ordered) if t in placed else t for t in topics)


def _condition_first(topics: tuple[TopicScore, ...]) -> tuple[TopicScore, ...]:
    """「does it work for knee arthritis」: whether it works for a condition shows the card of the
    condition (applications) before what it does for it (benefits), however the sentence is
    ordered."""
    names = [t.topic for t in topics]
    if "applications" in names and "benefits" in names:
        if names.index("benefits") < names.index("applications"):
            condition = topics[names.index("applications")]
            rest = [t for t in topics if t is not condition]
            at = names.index("benefits")
            return (*rest[:at], condition, *rest[at:])
    return topics


def _only_keywords(bounds: tuple[int, int], matches: list[KeywordMatch], text: str) -> bool:
    """「請問地址 and 價錢」「你們營業時間」: a clause that is a topic keyword and little else (a
    word of address: 你們, 請問, 還有) lists a question."""
    start, end = bounds
    inside = [
        (m.start - start, m.end - start) for m in matches if m.rule.topic and start <= m.start < end
    ]
    if not inside:
        return False
    rest = _without_spans(text[start:end], inside)
    return len(LISTING_FILLERS.sub("", rest)) <= 1


def _asking_or_listing(clauses, matches: list[KeywordMatch]) -> list[tuple[int, int]]:
    """The asking clauses, and those that list a keyword (`_only_keywords`)."""
    asking = _asking_clauses(clauses)
    return asking + [
        b
        for b in _clauses(clauses)
        if b not in asking and _only_keywords(b, matches, clauses.normalised)
    ]


LISTING_FILLERS = re.compile(
    r"你們|妳們|請問|還有|另外|那|的|順便問|跟|和|大概|大約|呢|\b(and|your|the|also)\b|\s"
)


def _clause_at(bounds: list[tuple[int, int]], position: int) -> tuple[int, int]:
    """The clause of `bounds` (which cover the whole text) holding `position`."""
    return next(b for b in bounds if b[0] <= position < b[1])


def _clauses(clauses, by_item: bool = False) -> list[tuple[int, int]]:
    """The clauses' (start, end); `by_item`: each thing a clause lists (、) on its own."""
    parts = clauses.breaks | clauses.items if by_item else clauses.breaks
    cuts = sorted(b for b in parts if 0 < b < len(clauses.normalised))
    edges = [0, *cuts, len(clauses.normalised)]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def _is_asking(text: str, bounds: tuple[int, int], clauses, strongly: bool = False) -> bool:
    if bounds[1] in clauses.questions:
        return True
    markers = STRONG_ASKING_MARKERS if strongly else ASKING_MARKERS
    text = NOT_A_QUESTION.sub("", text)
    if any(marker in text for marker in markers) or A_NOT_A.search(text):
        return True
    if ENGLISH_ASKING.search(text):
        return True
    return not strongly and bool(ENGLISH_WISH.search(text))


FOLLOW_UP = re.compile(r"會不會|還是會|有人")
ALSO = re.compile(r"跟|和|與|及|以及|還有|\s?and\s?|/")
# 「…醬可以ㄇ」「…這樣可以嗎」: a clause asking only whether what was just said is all right
TAG_QUESTION = re.compile(
    r"(?:那|那這樣|這樣|醬|這|這種|這種情況|這樣的話)?(?:也)?(?:可以|可|行|好|ok|方便|能)"
    r"(?:做|打|用)?(?:嗎|ㄇ|嘛|不|呢)?"
)


def _is_tag_question(text: str) -> bool:
    return TAG_QUESTION.fullmatch(text) is not None


def _asking_clauses(clauses) -> list[tuple[int, int]]:
    """The clauses that ask. A request word alone (可以, 想, 要) counts only when no clause
    asks outright: in 「最近看到外泌體說可以修復皮膚，…可以說明一下它是怎麼讓細胞修復的嗎？」 the
    first clause reports what was said; the last one asks."""
    bounds = _clauses(clauses)
    text = clauses.normalised
    strong = [b for b in bounds if _is_asking(text[b[0] : b[1]], b, clauses, strongly=True)]
    # 「想約下週四早上去諮詢，可以嗎？」: a tag question asks what the clause before it said
    tags = [  # (「我想問」 leads in to the next clause; it asks nothing of the one before)
        bounds[i - 1]
        for i, b in enumerate(bounds)
        if i
        and b in strong
        and (b[1] - b[0] <= 3 or _is_tag_question(text[b[0] : b[1]]))
        and not LEAD_IN.fullmatch(text[b[0] : b[1]])
    ]
    strong = sorted(set(strong) | set(tags))
    # 「想了解外泌體的機制 以及未來的研究方向」: a clause joined on (以及, 還有) asks on
    for i, b in enumerate(bounds):
        if i and bounds[i - 1] in strong and JOINED_ON.match(text, b[0]) and b not in strong:
            strong = sorted({*strong, b})
    return strong or [b for b in bounds if _is_asking(text[b[0] : b[1]], b, clauses)]


_MOVE_TO_A_TIME = re.compile(
    r"(?<!修)改(?:到|成|在|約)?(?:周|禮拜|星期|明天|後天|下周|下禮拜|下星期|這周|今天|早上|上午|下午|晚上"
    r"|[0-9]|[一二三四五六七八九十兩]點)"
)


def _moves_to_a_time(normalised: str, negations: tuple[NegatedSpan, ...] = ()) -> bool:
    """「改週六」「改下午三點」: 改 followed by a time is moving a request (not when declined:
    「不用幫我改到下禮拜 我是想直接取消」)."""
    return any(
        not any(span.covers(found.start(), found.end()) for span in negations)
        for found in _MOVE_TO_A_TIME.finditer(normalised)
    )


def load_model(replies_dir: Path) -> TopicModel | None:
    """The committed classifier, or None (questions without a keyword then get the fallback;
    check-content says why) when its files are missing or do not belong together."""
    path = replies_dir / MODEL_FILE
    if not path.exists() or not weights_path(path).exists():
        return None
    try:
        return TopicModel.load(path)
    except ValueError:
        log.exception("classifier not loaded")
        return None


def build_understanding(replies_dir: Path, config_dir: Path, library=None) -> Understanding:
    """For scripts and tests: everything from the files (the app builds it from its own)."""
    from linebot_app.content.cards import load_replies
    from linebot_app.content.clinic import load_clinic
    from linebot_app.features.consultation.config import load_consultation_config

    library = library or load_replies(replies_dir, config_dir)
    clinic = load_clinic(config_dir / "clinic.yaml")
    return Understanding(
        library,
        load_consultation_config(config_dir),
        load_understanding_config(config_dir),
        clinic.tz,
        load_model(replies_dir),
    )
