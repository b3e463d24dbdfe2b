"""Settings of the outside services in integrations/: read from the environment, called once from renos.settings.

With no Google credentials set, the local adapters are the default: .eml files in var/inbox/ and Django's email
backend. As soon as credentials are set, Gmail is the default for both; INBOX_BACKEND and MAIL_SENDER_BACKEND
still choose explicitly.
"""

from __future__ import annotations

from pathlib import Path

import environ


def integration_settings(env: environ.Env, var_dir: Path) -> dict[str, object]:
    google_oauth = env.str("GOOGLE_REFRESH_TOKEN", default="")
    google_service_account = env.str("GOOGLE_SERVICE_ACCOUNT_FILE", default="") or env.str(
        "GOOGLE_SERVICE_ACCOUNT_JSON", default=""
    )
    google_configured = bool(google_oauth or google_service_account)
    return {
        # Google: an OAuth refresh token (client id + secret + token), or a service account with delegation.
        "GOOGLE_CLIENT_ID": env.str("GOOGLE_CLIENT_ID", default=""),
        "GOOGLE_CLIENT_SECRET": env.str("GOOGLE_CLIENT_SECRET", default=""),
        "GOOGLE_REFRESH_TOKEN": google_oauth,
        "GOOGLE_SERVICE_ACCOUNT_FILE": env.str("GOOGLE_SERVICE_ACCOUNT_FILE", default=""),
        "GOOGLE_SERVICE_ACCOUNT_JSON": env.str("GOOGLE_SERVICE_ACCOUNT_JSON", default=""),
        "GOOGLE_DELEGATED_USER": env.str("GOOGLE_DELEGATED_USER", default=""),
        "GOOGLE_HTTP_TIMEOUT": env.float("GOOGLE_HTTP_TIMEOUT", default=30.0),
        # Inbox.
        "INBOX_BACKEND": env.str("INBOX_BACKEND", default="")
        or ("integrations.inbox.GmailInbox" if google_configured else "integrations.inbox.LocalFolderInbox"),
        "INBOX_LOCAL_DIR": Path(env.str("INBOX_LOCAL_DIR", default="") or var_dir / "inbox"),
        "INBOX_LOCAL_GRACE_SECONDS": env.float("INBOX_LOCAL_GRACE_SECONDS", default=1.0),
        "GMAIL_USER_ID": env.str("GMAIL_USER_ID", default="me"),
        "GMAIL_PROCESSED_LABEL": env.str("GMAIL_PROCESSED_LABEL", default="RenOS/Behandlet"),
        "GMAIL_INBOX_QUERY": env.str("GMAIL_INBOX_QUERY", default=""),
        "GMAIL_PUBSUB_TOPIC": env.str("GMAIL_PUBSUB_TOPIC", default=""),
        "PUBSUB_PUSH_AUDIENCE": env.str("PUBSUB_PUSH_AUDIENCE", default=""),
        "PUBSUB_PUSH_SERVICE_ACCOUNT": env.str("PUBSUB_PUSH_SERVICE_ACCOUNT", default=""),
        # Outgoing mail.
        "MAIL_SENDER_BACKEND": env.str("MAIL_SENDER_BACKEND", default="")
        or ("integrations.mail.GmailSender" if google_configured else "integrations.mail.DjangoMailSender"),
        # Django's SMTP backend waits forever without it.
        "EMAIL_TIMEOUT": env.int("EMAIL_TIMEOUT", default=30),
    }
