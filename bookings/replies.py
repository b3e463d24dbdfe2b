"""Reading a customer's SMS reply to the slots we offered: which one did they pick?

Customers answer in many ways: "2", "Nr. 2 tak", "jeg tager 3", "1️⃣", "den anden". A wrong guess books a time the
customer never chose, while no guess only means asking again; so `read_choice` answers only when exactly one choice
stands out, and None for everything else. Numbers that are part of a time ("kl 10", "10:30"), a date ("d. 2/12",
"den 2."), a quantity ("2 timer"), a phone number or an address floor ("1. sal") are not choices; nor is anything
said with a negation ("ikke 2") or asked with a question word ("hvad koster nr 2?").

A pure function of the text: no Django, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_OPTIONS = 9

# A keycap emoji is a digit, an optional variation selector (U+FE0F) and U+20E3; 🔟 is a single code point.
_KEYCAP = re.compile("([0-9])\ufe0f?\u20e3")
_KEYCAP_TEN = "\U0001f51f"
_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+|\S")

# Words after which a number, even a spelt-out one, is the number of an option: "nr 2", "nr2", "nummer to".
_MARKERS = frozenset({"nr", "nummer"})
# Nouns after which an ordinal is an option ("den anden mulighed", "første tidspunkt").
_CHOICE_NOUNS = frozenset({"mulighed", "valgmulighed", "option", "forslag", "tid", "tidspunkt", "dato"})
# Words before a number that make it a time, a date, a quantity or a group rather than a choice.
_NOT_A_CHOICE_BEFORE = frozenset(
    {"kl", "klokken", "kloken", "d", "uge", "ca", "cirka", "omkring", "alle", "begge", "max", "maks", "mindst"}
)
_WEEKDAYS = frozenset(
    {"mandag", "tirsdag", "tirs", "onsdag", "ons", "torsdag", "tors", "fredag", "fre", "lørdag", "lør", "søndag", "søn"}
)
_MONTHS = frozenset(
    {
        "januar", "jan", "februar", "feb", "marts", "mar", "april", "apr", "maj", "juni", "jun", "juli", "jul",
        "august", "aug", "september", "sep", "sept", "oktober", "okt", "november", "nov", "december", "dec",
    }
)  # fmt: skip
# Words after a number that make it an amount of something.
_UNITS = frozenset(
    {
        "t", "time", "timer", "timers", "min", "minut", "minutter", "dag", "dage", "døgn", "uge", "uger", "måned",
        "måneder", "år", "tiden", "gang", "gange", "kr", "kroner", "dkk", "m", "kvm", "km", "procent", "pct",
        "person", "personer", "pers", "mand", "stk", "børn", "barn", "hund", "hunde", "kat", "katte", "værelse",
        "værelser", "vær", "rum", "etage", "etager", "sal", "tv", "th", "mf", "st", "toilet", "toiletter",
        "badeværelse", "badeværelser",
    }
)  # fmt: skip
# Suffixes that make a number a noun for the option itself: "2'er", "2eren".
_NUMBER_NOUN_SUFFIXES = frozenset({"er", "eren", "ern"})
_NEGATIONS = frozenset({"ikke", "ik", "ikk", "nej", "hverken", "aldrig"})
_QUESTION_WORDS = frozenset({"hvad", "hvor", "hvordan", "hvornår", "hvem", "hvilken", "hvilket", "hvilke", "hvorfor"})
# Numbers spelt out. "en"/"et"/"to" are everyday words too, so they count only where nothing else is said or right
# after a marker ("nr to"); see _word_choice.
_NUMBER_WORDS = {
    "nul": 0, "en": 1, "én": 1, "et": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
    "otte": 8, "ni": 9,
}  # fmt: skip
_ORDINALS = {
    "første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4, "femte": 5, "sjette": 6, "syvende": 7,
    "ottende": 8, "niende": 9,
}  # fmt: skip
# Nouns for the option itself ("jeg tager toeren"): never anything else.
_NUMBER_NOUNS = {"eneren": 1, "toeren": 2, "toer": 2, "treeren": 3, "treer": 3}
_LAST = "sidste"
# Words that carry no meaning of their own in a reply that picks an option: "Ja tak, jeg tager gerne den anden".
_FILLERS = frozenset(
    {
        "ja", "jo", "jep", "yes", "ok", "okay", "oki", "tak", "tusind", "mange", "takker", "hej", "hejsa", "hi",
        "jeg", "vi", "tager", "tage", "vælger", "vælge", "vil", "gerne", "have", "må", "kan", "få", "den", "det",
        "så", "til", "lige", "bare", "please", "super", "perfekt", "fint", "fin", "godt", "dejligt", "skønt",
        "mvh", "hilsen", "venlig", "nr", "nummer", "mulighed", "tid", "tidspunkt", "valg", "forslag", "option",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def is_digits(self) -> bool:
        return self.text.isascii() and self.text.isdigit()

    @property
    def is_word(self) -> bool:
        return self.text.isalpha()


def read_choice(text: str, *, options: int = 3) -> int | None:
    """The option (1..options) the reply picks, or None when it picks none or it is not clear which."""
    if not 1 <= options <= MAX_OPTIONS:
        raise ValueError(f"options must be between 1 and {MAX_OPTIONS}, not {options}")
    tokens = _tokenize(text)
    words = {token.text for token in tokens if token.is_word}
    if words & _NEGATIONS or words & _QUESTION_WORDS:
        return None
    alone = _alone_word(tokens)
    found = set()
    for index, token in enumerate(tokens):
        if token.is_digits:
            number = _digit_choice(tokens, index)
        elif token.is_word:
            number = _word_choice(tokens, index, options=options, alone=index == alone)
        else:
            number = None
        if number is not None:
            found.add(number)
    if len(found) != 1:
        return None
    (number,) = found
    return number if 1 <= number <= options else None


def _tokenize(text: str) -> list[_Token]:
    text = _KEYCAP.sub(r" \1 ", text).replace(_KEYCAP_TEN, " 10 ")
    # NFKC turns ① and full-width ２ into plain digits and ² into 2; casefold makes "NR" and "Nr" alike.
    text = unicodedata.normalize("NFKC", text).casefold()
    return [_Token(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]


def _digit_choice(tokens: list[_Token], index: int) -> int | None:
    """The number of a digit token when it reads as a choice; None when it belongs to something else."""
    token = tokens[index]
    if len(token.text) > 1:
        return None  # 10, 02, 2026, 20112233: times, years, phone numbers, never an option we offer
    before = tokens[index - 1] if index > 0 else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if _part_of_a_compound(tokens, index):
        return None  # 10:30, 2/12, 2.12, 1-2, 1+2, 2,5
    if before is not None and _glued(before, token) and before.is_word and before.text not in _MARKERS:
        return None  # m2, a2
    if after is not None and _glued(token, after) and after.is_word and after.text not in _NUMBER_NOUN_SUFFIXES:
        return None  # 2a, 2t, 3tv
    previous = _word_before(tokens, index)
    if previous in _NOT_A_CHOICE_BEFORE or previous in _WEEKDAYS:
        return None  # kl 10, d. 2, tirsdag 3, ca 2, begge 2
    following = _word_after(tokens, index)
    if following in _UNITS or following in _MONTHS:
        return None  # 2 timer, 4 personer, 1. sal, 2. december
    if previous == "den" and after is not None and after.text == "." and _glued(token, after):
        return None  # "den 2." is the 2nd of a month
    return int(token.text)


def _word_choice(tokens: list[_Token], index: int, *, options: int, alone: bool) -> int | None:
    """The number of a spelt-out choice: "toeren" always; "to", "den anden", "sidste" only when the reply says
    nothing else, after a marker ("nr to") or before a choice noun ("den anden mulighed")."""
    word = tokens[index].text
    if word in _NUMBER_NOUNS:
        return _NUMBER_NOUNS[word]
    if word == _LAST:
        number: int | None = options
    else:
        number = _NUMBER_WORDS.get(word, _ORDINALS.get(word))
    if number is None:
        return None
    if alone or _word_before(tokens, index) in _MARKERS:
        return number
    if (word in _ORDINALS or word == _LAST) and _word_after(tokens, index) in _CHOICE_NOUNS:
        return number
    return None


def _alone_word(tokens: list[_Token]) -> int | None:
    """The index of the only word that is not a filler, when the reply has no digits; else None."""
    if any(token.is_digits for token in tokens):
        return None
    meaningful = [index for index, token in enumerate(tokens) if token.is_word and token.text not in _FILLERS]
    return meaningful[0] if len(meaningful) == 1 else None


def _part_of_a_compound(tokens: list[_Token], index: int) -> bool:
    """A digit joined to another number by one sign without spaces (10:30, 2/12, 1-2), or following a "+"."""
    token = tokens[index]
    if index >= 1 and tokens[index - 1].text == "+" and _glued(tokens[index - 1], token):
        return True
    if index >= 2:
        sign, other = tokens[index - 1], tokens[index - 2]
        if _is_sign(sign) and other.is_digits and _glued(other, sign) and _glued(sign, token):
            return True
    if index + 2 < len(tokens):
        sign, other = tokens[index + 1], tokens[index + 2]
        if _is_sign(sign) and other.is_digits and _glued(token, sign) and _glued(sign, other):
            return True
    return False


def _is_sign(token: _Token) -> bool:
    return len(token.text) == 1 and not token.text.isalnum()


def _glued(first: _Token, second: _Token) -> bool:
    return first.end == second.start


def _word_before(tokens: list[_Token], index: int) -> str | None:
    """The word just before tokens[index], looking past one "." ("kl. 10", "nr. 2")."""
    position = index - 1
    if position >= 0 and tokens[position].text == ".":
        position -= 1
    if position >= 0 and tokens[position].is_word:
        return tokens[position].text
    return None


def _word_after(tokens: list[_Token], index: int) -> str | None:
    """The word just after tokens[index], looking past one "." or "-" ("2. december", "10-tiden")."""
    position = index + 1
    if position < len(tokens) and tokens[position].text in (".", "-"):
        position += 1
    if position < len(tokens) and tokens[position].is_word:
        return tokens[position].text
    return None
