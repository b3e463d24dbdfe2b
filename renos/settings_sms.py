"""Settings of SMS (integrations/sms.py) and of the public URL Twilio calls back: read from the environment, called
once from renos.settings.

With no Twilio credentials set, messages are appended to var/sms.log; as soon as the account sid and auth token are
set, Twilio is the default. SMS_BACKEND still chooses explicitly.
"""

from __future__ import annotations

from pathlib import Path

import environ

TWILIO_SENDER = "integrations.sms.TwilioSms"
LOCAL_SENDER = "integrations.sms.LocalSms"


def sms_settings(env: environ.Env, var_dir: Path) -> dict[str, object]:
    account_sid = env.str("TWILIO_ACCOUNT_SID", default="")
    auth_token = env.str("TWILIO_AUTH_TOKEN", default="")
    local_url = f"http://127.0.0.1:{env.str('PORT', default='8000')}"  # where `make run` listens
    return {
        # The Twilio account (AC…); empty: no Twilio.
        "TWILIO_ACCOUNT_SID": account_sid,
        # Its auth token: authenticates our calls and checks the X-Twilio-Signature of Twilio's webhooks.
        "TWILIO_AUTH_TOKEN": auth_token,
        # Our sending number in E.164 (+45…); not needed when a Messaging Service is set.
        "TWILIO_PHONE_NUMBER": env.str("TWILIO_PHONE_NUMBER", default=""),
        # A Messaging Service (MG…) to send through instead of one number; it wins when both are set.
        "TWILIO_MESSAGING_SERVICE_SID": env.str("TWILIO_MESSAGING_SERVICE_SID", default=""),
        # Seconds a call to Twilio may take before it counts as failed (and is retried).
        "TWILIO_TIMEOUT_SECONDS": env.float("TWILIO_TIMEOUT_SECONDS", default=15.0),
        # Dotted path of the sender class: Twilio when the account sid and auth token are set, else the local log.
        "SMS_BACKEND": env.str("SMS_BACKEND", default="")
        or (TWILIO_SENDER if account_sid and auth_token else LOCAL_SENDER),
        # Where the local sender appends each message.
        "SMS_LOG_FILE": Path(env.str("SMS_LOG_FILE", default="") or var_dir / "sms.log"),
        # The URL the outside world reaches RenOS at (https://renos.rendetalje.dk): Twilio signs webhooks with it.
        "PUBLIC_BASE_URL": (env.str("PUBLIC_BASE_URL", default="") or local_url).rstrip("/"),
    }
