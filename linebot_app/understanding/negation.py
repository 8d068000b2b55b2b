"""Negation and its scope: which part of a message the patient said they do *not* want.

「我沒有要約診，只是想先了解副作用」 negates 約診 and nothing after the comma;
「先不要幫我轉專人 我想問安全性」 negates 幫我轉專人; 「預約就免了，價格多少」 negates 預約.

Works on the normalised text (`routing.normalise.normalise_with_breaks`), so Simplified,
fullwidth and spaced writing read alike. A cue before its object (不想, 先不要, don't ...) scopes
forward to the end of the clause, a contrast word (只是, 但是, but, just ...) or at most
`MAX_SCOPE` characters, whichever comes first; a cue closing its clause (免了, 不用了 ...) scopes
back over that clause. A-not-A questions (要不要, 是不是) are not negations. A clause that is a
question (嗎, 呢, ?) keeps its topics (「不用擔心副作用嗎」 still asks about side effects):
`NegatedSpan.in_question` says so, and callers negate only actions there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linebot_app.understanding.normalise import Clauses, normalise_with_breaks

MAX_SCOPE = 10  # characters a forward cue reaches without a clause break
MAX_SCOPE_ENGLISH = 32

# Cues before what they negate, in normalised form (Traditional, no punctuation), longest first.
FORWARD_CUES = (
    "沒有打算要",
    "考慮一下再",
    "暫時不需要",
    "暫時不用",
    "沒有打算",
    "沒有想要",
    "還沒有要",
    "不是要",
    "沒有要",
    "並沒有要",
    "不是想",
    "先不要",
    "先不用",
    "先別",
    "還不想",
    "還不要",
    "暫時不",
    "不打算",
    "沒打算",
    "不需要",
    "不考慮",
    "不用",
    "不想",
    "不要",
    "不必",
    "不急著",
    "過陣子再",
    "先不",
    "後再",
    "還不到",
    "想清楚再",
    "之後再",
    "以後再",
    "晚點再",
    "下次再",
    "不找",
    "不問",
    "沒說要",
    "沒有人說要",
    "誰說我要",
    "哪有說要",
    "哪有要",
    "沒人說要",
    "誰說要",
    "不會現在",
    "現在不會",
    "沒要",
    "沒有想",  # 「我沒有想預約啦 只是問問價錢」
    "沒想要",
    "沒想",
    "毋是",  # 台語: 「我毋是欲預約」「我無欲取消」「麥幫我轉真人」 (麥 in ACTION_CUES)
    "無欲",
    "毋欲",
    "毋免",
    "無愛",
    "不會去",  # 「我不會去預約 只是好奇它的原理」
    "不會想",
    "不會要",
    "本來是想",  # 「我本來是想直接預約的 但想了想還是先問清楚」: the wish taken back
    "原本是想",
    "本來想",
    "原本想",
    "ㄅ用",  # 注音文 for 不用, 不要
    "ㄅ要",
    "不是",
    "別再",
    "別",
    "甭",
    "no need to",
    "no need for",
    "no need",
    "dont want to",
    "dont want",
    "doesnt want to",
    "doesnt want",
    "doesnt need to",
    "does not want to",
    "dont need to",
    "dont need",
    "do not want to",
    "do not want",
    "do not need",
    "do not",
    "dont",
    "wont",
    "will not",
    "not going to",
    "not gonna",
    "not now",
    "not yet",
    "never mind",
    "not",
    "no",
)
# Two negations that cancel out: 「我也不是不想約啦」 "it's not that I don't want to book".
DOUBLE_NEGATIVES = re.compile(r"不是不(?:想|要|願意)?|not that i (?:dont|do not)(?: want to)?")
# Cues closing the clause they negate: 「預約就免了」「轉真人先不用」.
BACKWARD_CUES = (
    "就先不用了",
    "先不用了",
    "就不用了",
    "就免了",
    "不需要了",
    "先不需要",
    "就算了",
    "算了",  # 「那個預約算了」
    "不用了",
    "不要了",
    "也不需要",
    "也不要",
    "也不用",
    "先不要",
    "先不用",
    "免了",
    "不必了",
    "之後再說",
    "以後再說",
    "再考慮",
    "再說",
    "不用",
    "no need",
    "not now",
    "not needed",
    "maybe later",
    "later",
)
# A wish taken back: 「本來是想…」 (and then 但 …).
RETRACTIONS = frozenset({"本來是想", "原本是想", "本來想", "原本想"})
# Words that end a negation's reach: what follows is what the patient does want.
CONTRAST = (
    "只是",
    "只想",
    "但是",
    "可是",
    "不過",
    "而是",
    "是想",
    "我想",
    "想問",
    "想先",
    "先問",
    "請問",
    "我要",
    "直接",
    "就好",
    "反而",
    "但",
    "just",
    "but",
    "only",
    "i want",
    "i would like",
    "id like",
    "can you",
    "tell me",
    "i have",
    "謝謝",
    "感謝",
    "thanks",
    "thank",
)
# Cues that are one character before an action (「我不預約」「免轉人工」, 台語 麥/莫; 不 and 免
# alone negate too much: 不錯, 免費) and an action put off until something happens
# (「等我發薪水再來預約」).
ACTION_CUES = re.compile(
    r"[不免麥莫](?=預約|約診|約|轉|找|幫我|打給)|不會(?=預約|取消|改)|等[^再,]{1,8}?再來?"
)
QUESTION_PARTICLES = ("嗎", "呢", "嘛", "麼")
_A_NOT_A = re.compile(r"(.)不\1")


@dataclass(frozen=True)
class NegatedSpan:
    """Characters [start, end) of the normalised text are negated by `cue`."""

    cue: str
    start: int
    end: int
    in_question: bool

    def covers(self, start: int, end: int) -> bool:
        return start < self.end and end > self.start


def _clause_bounds(clauses: Clauses) -> list[tuple[int, int]]:
    cuts = sorted(b for b in clauses.breaks if 0 < b < len(clauses.normalised))
    edges = [0, *cuts, len(clauses.normalised)]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def _is_question(clauses: Clauses, start: int, end: int) -> bool:
    text = clauses.normalised[start:end]
    if end in clauses.questions:
        return True
    if text.endswith(QUESTION_PARTICLES) or _A_NOT_A.search(text):
        return True
    return bool(re.match(r"(is|are|do|does|can|could|will|should|would) ", text))


def _word_at(text: str, start: int, cue: str) -> bool:
    """English cues only on word boundaries; Chinese ones not inside an A-not-A question."""
    end = start + len(cue)
    if cue.isascii():
        before = start == 0 or not text[start - 1].isalnum()
        after = end == len(text) or not text[end].isalnum()
        return before and after
    if cue in ("沒想", "沒有想") and text.startswith(("到", "說"), end):
        return False  # 沒想到 (did not expect), 沒有想說: not a wish declined
    if cue.startswith("不") and start > 0 and end < len(text) and text[start - 1] == cue[1]:
        return False  # 要不要, 用不用, 是不是
    if cue.startswith("不") and start > 0 and len(cue) > 1 and text[start - 1] == text[start + 1]:
        return False
    return True


def _find_all(text: str, cue: str, lo: int, hi: int) -> list[int]:
    found, at = [], text.find(cue, lo, hi)
    while at != -1:
        if _word_at(text, at, cue):
            found.append(at)
        at = text.find(cue, at + 1, hi)
    return found


def _scope_end(text: str, start: int, clause_end: int, english: bool = False, cue: str = "") -> int:
    end = min(clause_end, start + (MAX_SCOPE_ENGLISH if english else MAX_SCOPE))
    for word in CONTRAST:
        if cue in RETRACTIONS and word == "直接":  # 「本來是想直接預約的」: still taken back
            continue
        at = text.find(word, start, end)
        if at != -1:
            end = at
    return end


_CUE_STARTS = frozenset(c[0] for c in FORWARD_CUES + BACKWARD_CUES if not c.isascii())
ACTION_FIRSTS = frozenset("免等麥莫")  # the one-character cues of ACTION_CUES (不 is a cue start)
_ENGLISH_CUES = re.compile(
    r"\b(no|nope|not|dont|doesnt|do not|does not|wont|will not|never|later|maybe)\b"
)


def _may_negate(text: str) -> bool:
    """Cheap pre-check: most messages hold no cue character at all."""
    if not _CUE_STARTS.isdisjoint(text) or not ACTION_FIRSTS.isdisjoint(text):
        return True
    return bool(_ENGLISH_CUES.search(text))


def negated_spans(clauses: Clauses) -> tuple[NegatedSpan, ...]:
    """Every negated stretch of the text, in order (see the module docstring)."""
    text = clauses.normalised
    if not _may_negate(text):
        return ()
    spans: list[NegatedSpan] = []
    backward = [cue for cue in BACKWARD_CUES if cue in text]  # (cheap: most cues are absent)
    forward = [cue for cue in FORWARD_CUES if cue in text]
    for lo, hi in _clause_bounds(clauses):
        question = _is_question(clauses, lo, hi)
        taken = bytearray(hi - lo)
        for double in DOUBLE_NEGATIVES.finditer(text, lo, hi):  # 「也不是不想約」 wants to
            taken[double.start() - lo : double.end() - lo] = b"\x01" * len(double.group())
        for cue in backward:
            if text.endswith(cue, lo, hi) and hi - len(cue) > lo:
                at = hi - len(cue)
                if _word_at(text, at, cue) and not any(taken[at - lo :]):
                    spans.append(NegatedSpan(cue, lo, at, question))
                    taken[at - lo :] = b"\x01" * (hi - at)
                break
        for cue in forward:
            for at in _find_all(text, cue, lo, hi):
                if any(taken[at - lo : at - lo + len(cue)]):
                    continue
                taken[at - lo : at - lo + len(cue)] = b"\x01" * len(cue)
                scope_start = at + len(cue)
                end = _scope_end(text, scope_start, hi, cue.isascii(), cue)
                if end > scope_start:
                    spans.append(NegatedSpan(cue, scope_start, end, question))
        for found in ACTION_CUES.finditer(text, lo, hi):
            if any(taken[found.start() - lo : found.end() - lo]):
                continue
            end = _scope_end(text, found.end(), hi)
            if end > found.end():
                spans.append(NegatedSpan(found.group(), found.end(), end, question))
    spans.extend(_spans_across_a_soft_break(clauses, spans, forward))
    spans.extend(_rejected_clauses(clauses))
    return tuple(sorted(spans, key=lambda s: s.start))


# A clause that opens by turning down what the one before named (「轉專人喔？不用不用」「取消？
# 沒有啦 我是要約新的」「真人客服的話，我現在還不需要」「Booking? Maybe next month.」).
REJECTION = re.compile(  # the whole next clause: 「不用不用」「我現在還不需要」, not 「不是明天」
    r"(?:我|現在|目前|暫時|還|先)*(?:不用|不需要|不必|沒有|不是|不要|免了)(?:啦|喔|耶|了|欸|吧|不用|不要|沒有)*"
    r"|(?:no|nope)(?: no)*|not (?:yet|now)|maybe (?:next \w+|later)"
)


SHORT_NAMED = 8  # characters: a clause that only names what the next one turns down


def _rejected_clauses(clauses: Clauses) -> list[NegatedSpan]:
    text = clauses.normalised
    bounds = _clause_bounds(clauses)
    found = []
    for (lo, hi), (next_lo, next_hi) in zip(bounds, bounds[1:], strict=False):
        reply, named = text[next_lo:next_hi].strip(), text[lo:hi].strip()
        short = len(named.split()) <= 3 if named.isascii() else len(named) <= SHORT_NAMED
        if not short or not REJECTION.fullmatch(reply):
            continue
        question = _is_question(clauses, lo, hi)
        asked = question or text.endswith(("喔", "哦", "的話"), lo, hi)
        if reply.endswith("了") and not asked:
            continue  # 「我之前約的那個 不用了」: no longer wanted, which cancels it
        found.append(NegatedSpan("rejected", lo, hi, question))
    return found


def _spans_across_a_soft_break(
    clauses: Clauses, spans: list[NegatedSpan], cues: list[str]
) -> list[NegatedSpan]:
    """「我 不想 預約」: a cue whose clause ends right after it reaches into the next clause."""
    text = clauses.normalised
    extra = []
    for lo, hi in _clause_bounds(clauses):
        for cue in cues:
            if text.endswith(cue, lo, hi) and _word_at(text, hi - len(cue), cue):
                if any(s.start == hi for s in spans):
                    break
                if any(s.start >= lo and s.end + len(s.cue) == hi for s in spans):
                    break  # 「取消也不用 幫我轉給護理師」: the cue closed its own clause
                nxt = min((b for b in clauses.breaks if b > hi), default=len(text))
                end = _scope_end(text, hi, nxt, cue.isascii())
                if end > hi:
                    extra.append(NegatedSpan(cue, hi, end, _is_question(clauses, hi, nxt)))
                break
    return extra


def find_negations(text: str) -> tuple[NegatedSpan, ...]:
    """Negated spans of `text` (normalised internally); offsets refer to `normalise(text)`."""
    return negated_spans(normalise_with_breaks(text))
