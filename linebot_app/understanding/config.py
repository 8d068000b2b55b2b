"""`config/understanding.yaml`: confidence bands and intent words, validated on load."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linebot_app.content.yaml_config import load_yaml_model

CONFIG_FILE = "understanding.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    answer: float = Field(gt=0, le=1)
    clarify: float = Field(gt=0, le=1)
    option: float = Field(gt=0, le=1)
    book: float = Field(gt=0, le=1)
    clarify_options: int = Field(ge=2, le=3)
    # A taught example (console) answers when a message is at least this similar to it.
    example: float = Field(default=0.65, gt=0, le=1)
    # The classifier overrides one short keyword (皮膚, 效果) the whole message does not bear
    # out when it is at least this sure of another topic; above 1: never.
    override: float = Field(default=0.7, gt=0, le=2)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.option <= self.clarify <= self.answer:
            raise ValueError("thresholds must satisfy option <= clarify <= answer")
        return self


class IntentWords(_Strict):
    thanks: list[str] = Field(min_length=1)
    cancel_request: list[str] = Field(min_length=1)
    move_request: list[str] = Field(min_length=1)
    my_requests: list[str] = Field(min_length=1)
    book: list[str] = Field(min_length=1)
    handover: list[str] = Field(min_length=1)
    not_urgent: list[str] = []
    visit: list[str] = []
    # Booking and hand-over keywords that act only in a clause that asks or requests; in one
    # that tells the story (「我是護理師」「這次想試試外泌體，聽說比較溫和」) they do not.
    story_words: list[str] = []
    # A question about the staff themselves (hiring, credentials: 「你們還缺諮詢師嗎 我想投履歷」
    # 「諮詢師有什麼證照」): the story words that name staff ask for no one.
    about_the_staff: list[str] = []
    # How a request stands (「取消成功了嗎」「預約還在嗎」): my requests, before cancel or move.
    request_status: list[str] = []
    # A question about the rules (「取消預約會收費嗎」「如果遲到會被取消嗎」): no cancel or move.
    policy_words: list[str] = []


class Texts(_Strict):
    """Sentences of the understanding step (clarifying, thanks, cancel and move by words)."""

    clarify_question: str = Field(min_length=1)
    clarify_or: str = Field(min_length=1)
    clarify_none: str = Field(min_length=1, max_length=20)
    thanks_reply: str = Field(min_length=1)
    no_open_request: str = Field(min_length=1)
    open_request_title: str = Field(min_length=1)
    open_request_alt: str = Field(min_length=1, max_length=400)
    cancel_button: str = Field(min_length=1, max_length=20)
    move_button: str = Field(min_length=1, max_length=20)
    ask_new_time: str = Field(min_length=1)
    moved: str = Field(min_length=1)
    staff_moved: str = Field(min_length=1)
    cannot_move: str = Field(min_length=1)
    # Understood, but beyond the article (interpretation.beyond_the_article).
    own_condition_reply: str = Field(min_length=1, max_length=1000)
    other_treatment_reply: str = Field(min_length=1, max_length=1000)
    aftercare_reply: str = Field(min_length=1, max_length=1000)


class OtherTreatments(_Strict):
    """Treatments the article is not about (玻尿酸, 電波 …): asked about, they get no card, unless
    the message names exosomes too or compares one of them with it (「它跟玻尿酸差在哪」)."""

    names: list[str] = []
    comparisons: list[str] = []
    # Words that compare only when exosomes (or 它, 這個) are in the message too: 「縫的好還是
    # 切的好」 weighs two ways of one other treatment.
    comparisons_with_subject: list[str] = []
    subject_pronouns: list[str] = []
    # A clause that tells of a treatment had before (打過電波, 之前做皮秒) sets the scene.
    scene_markers: list[str] = []
    comparison_topic: str | None = None


class Aftercare(_Strict):
    """What a patient may do after a treatment (化妝, 喝酒, 泡溫泉 …), which no card answers;
    a clause that also names going back to work or out (上班, 出門) asks about downtime, which the
    side-effects card answers."""

    activities: list[str] = []
    downtime: list[str] = []


class UnderstandingConfig(_Strict):
    thresholds: Thresholds
    intents: IntentWords
    texts: Texts
    other_treatments: OtherTreatments = OtherTreatments()
    personal_conditions: list[str] = []
    aftercare: Aftercare = Aftercare()
    efficacy_words: list[str] = []
    payment_methods: list[str] = []
    details_not_given: list[str] = []


def load_understanding_config(config_dir: Path) -> UnderstandingConfig:
    return load_yaml_model(config_dir / CONFIG_FILE, UnderstandingConfig)
