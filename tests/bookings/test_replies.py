"""Reading a customer's SMS reply: which of the offered slots did they pick, if any?"""

from __future__ import annotations

import pytest

from bookings.replies import read_choice

PICKS = [
    # Digits, with the noise people type around them.
    ("2", 2),
    (" 2.", 2),
    ("3\n", 3),
    ('"2!"', 2),
    ("(1)", 1),
    ("#3", 3),
    ("nr 2", 2),
    ("Nr. 2 tak", 2),
    ("NR.2", 2),
    ("nr2", 2),
    ("Tak, nummer 2", 2),
    ("jeg tager 3", 3),
    ("ja tak til 1", 1),
    ("Mulighed 1 passer fint", 1),
    ("Jeg tager den 2", 2),
    ("2'eren tak", 2),
    ("2'er", 2),
    ("1 tak 😊", 1),
    ("2 2", 2),
    # Keycap emojis as in our own SMS, with and without U+FE0F; other digit forms.
    ("1️⃣", 1),
    ("2\u20e3", 2),
    ("3️⃣ tak!", 3),
    ("2️⃣ nr 2", 2),
    ("②", 2),
    ("２", 2),
    # The line of our SMS copied back: the time in it is not a second choice.
    ("2️⃣ I morgen kl. 14:00", 2),
    ("3️⃣ I overmorgen kl. 09:00", 3),
    ("Jeg tager nr. 2 - tirsdag d. 3. dec kl. 10", 2),
    ("Jeg tager 2, vi er 4 personer", 2),
    ("1, vi har 2 hunde", 1),
    # Danish words.
    ("to", 2),
    ("Tre", 3),
    ("en", 1),
    ("ét", 1),
    ("Ja tak, den anden", 2),
    ("Jeg tager gerne den første", 1),
    ("nr to", 2),
    ("nummer tre tak", 3),
    ("den anden mulighed", 2),
    ("Det første tidspunkt", 1),
    ("toeren", 2),
    ("den sidste", 3),
]

NOT_CLEAR = [
    # Two different numbers.
    "1 eller 2",
    "2 eller 3 er fint",
    "1 og 3",
    "1-2",
    "2,3",
    "2 eller 4",
    "Svar med 1, 2 eller 3 for at booke.",
    # A number that was not offered.
    "4",
    "0",
    "7️⃣",
    "nr fire",
    "🔟",
    # Times, dates, phone numbers, amounts, addresses.
    "kl 10",
    "kl. 9",
    "10:30",
    "ved 2-tiden",
    "d. 2/12",
    "d 3",
    "den 2.",
    "2. december",
    "tirsdag 3",
    "uge 2",
    "20112233",
    "20 11 22 33",
    "+4520112233",
    "2 timer",
    "om 3 dage",
    "1. sal",
    "2,5",
    "m²",
    # No number at all.
    "ja tak",
    "Ja tak!",
    "hvornår?",
    "👍",
    "",
    "   ",
    "Det passer fint",
    # Words that are numbers only sometimes.
    "Vi er to",
    "Kan I en anden dag?",
    "Er der mulighed en anden dag",
    "første gang",
    "den anden december",
    "begge to",
    "alle 3",
    # Negations and questions.
    "ikke 2",
    "2 passer ikke",
    "Nej tak",
    "Hvad koster nr 2?",
    "hvornår er 3?",
]


@pytest.mark.parametrize(("reply", "expected"), PICKS)
def test_a_reply_that_picks_one_option(reply, expected):
    assert read_choice(reply) == expected


@pytest.mark.parametrize("reply", NOT_CLEAR)
def test_a_reply_that_picks_none_or_is_not_clear(reply):
    assert read_choice(reply) is None


@pytest.mark.parametrize(("reply", "options", "expected"), [("4", 5, 4), ("3", 2, None), ("den sidste", 2, 2)])
def test_the_number_of_options_sets_the_range(reply, options, expected):
    assert read_choice(reply, options=options) == expected


@pytest.mark.parametrize("options", [0, 10])
def test_options_must_be_one_digit(options):
    with pytest.raises(ValueError, match="options"):
        read_choice("1", options=options)
