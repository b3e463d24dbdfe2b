from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers.phones import is_mobile, phone_to_e164


@pytest.mark.parametrize(
    "written",
    ["20 11 22 33", "2011 2233", "+45 20 11 22 33", "0045 20112233", "20-11-22-33", "20112233", " +4520112233 "],
)
def test_danish_numbers_as_people_write_them_become_e164(written):
    assert phone_to_e164(written) == "+4520112233"


def test_a_foreign_number_keeps_its_country():
    assert phone_to_e164("+46 70 123 45 67") == "+46701234567"
    assert phone_to_e164("0046 70 123 45 67") == "+46701234567"


@pytest.mark.parametrize("written", ["12345", "hello", "20 11 22", "+45 20 11 22 33 44 55"])
def test_what_is_not_a_phone_number_is_refused(written):
    with pytest.raises(ValidationError) as caught:
        phone_to_e164(written)
    assert caught.value.code == "phone"
    assert written.strip() in caught.value.messages[0]


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_number_stays_empty(empty):
    assert phone_to_e164(empty) == ""


def test_only_numbers_that_can_receive_an_sms_count_as_mobile():
    assert is_mobile("+4520112233") is True
    assert is_mobile("+46701234567") is True
    assert is_mobile("+4580808080") is False  # a freephone number
    assert is_mobile("") is False
