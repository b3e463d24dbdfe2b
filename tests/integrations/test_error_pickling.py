"""Sending errors survive Celery's pickling whole: the same class, message and `permanent` flag (and Twilio's code)."""

from __future__ import annotations

import pickle

import pytest
from celery.utils.serialization import get_pickleable_exception

from integrations.mail import MailError
from integrations.sms import SmsError


@pytest.mark.parametrize("permanent", [True, False])
def test_a_mail_error_pickles_with_its_message_and_flag(permanent):
    restored = pickle.loads(pickle.dumps(MailError("Gmail refused the address", permanent=permanent)))

    assert (type(restored), str(restored), restored.permanent) == (MailError, "Gmail refused the address", permanent)


def test_an_sms_error_pickles_with_its_message_flag_and_code():
    error = SmsError("The 'To' number is not a valid phone number.", permanent=True, code="21211")

    restored = pickle.loads(pickle.dumps(error))

    assert (type(restored), str(restored), restored.permanent, restored.code) == (
        SmsError,
        "The 'To' number is not a valid phone number.",
        True,
        "21211",
    )


def test_celery_keeps_the_errors_as_they_are_instead_of_wrapping_them():
    mail, sms = MailError("Gmail is down", permanent=False), SmsError("Twilio is down", permanent=False)

    assert (get_pickleable_exception(mail), get_pickleable_exception(sms)) == (mail, sms)
