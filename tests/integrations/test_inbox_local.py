"""The local inbox: a folder of .eml files that `make run` reads instead of Gmail."""

from __future__ import annotations

import errno
import os
import time

import environ
import pytest

from integrations.inbox import InboxError, InboxMessage, LocalFolderInbox, get_inbox
from renos.settings_integrations import integration_settings

LEAD = "Subject: Formular via Rengøring Aarhus\r\n\r\nNavn: Søren\r\n".encode()


def drop(folder, name, data=LEAD, *, age_seconds=60.0):
    """Put a mail file in the folder, last written `age_seconds` ago."""
    path = folder / name
    path.write_bytes(data)
    written = time.time() - age_seconds
    os.utime(path, (written, written))
    return path


def test_fetch_returns_mail_files_oldest_first_then_by_name(tmp_path):
    drop(tmp_path, "b.eml", b"B", age_seconds=300)
    drop(tmp_path, "a.eml", b"A", age_seconds=100)
    drop(tmp_path, "c.eml", b"C", age_seconds=300)

    batch = LocalFolderInbox(tmp_path).fetch_new(cursor=None)

    assert [(m.id, m.raw) for m in batch.messages] == [("b.eml", b"B"), ("c.eml", b"C"), ("a.eml", b"A")]
    assert {m.thread_id for m in batch.messages} == {""}
    assert batch.cursor is None


def test_fetch_reads_the_bytes_unchanged(tmp_path):
    drop(tmp_path, "lead.eml")

    (message,) = LocalFolderInbox(tmp_path).fetch_new(cursor=None).messages

    assert message.raw == LEAD


def test_fetch_respects_the_limit(tmp_path):
    for index in range(5):
        drop(tmp_path, f"{index}.eml", age_seconds=100 - index)

    batch = LocalFolderInbox(tmp_path).fetch_new(cursor=None, limit=2)

    assert [m.id for m in batch.messages] == ["0.eml", "1.eml"]


def test_only_mail_files_are_read(tmp_path):
    drop(tmp_path, "lead.eml")
    drop(tmp_path, "SHOUTING.EML")
    drop(tmp_path, "notes.txt")
    drop(tmp_path, "lead.eml.part")
    drop(tmp_path, ".half-copied.eml")
    (tmp_path / "folder.eml").mkdir()
    (tmp_path / "processed").mkdir()
    drop(tmp_path / "processed", "old.eml")

    batch = LocalFolderInbox(tmp_path).fetch_new(cursor=None)

    assert sorted(m.id for m in batch.messages) == ["SHOUTING.EML", "lead.eml"]


def test_a_file_still_being_copied_in_waits_for_the_next_fetch(tmp_path):
    inbox = LocalFolderInbox(tmp_path)
    fresh = drop(tmp_path, "fresh.eml", age_seconds=0)

    assert inbox.fetch_new(cursor=None).messages == []

    settled = time.time() - 1.5
    os.utime(fresh, (settled, settled))
    assert [m.id for m in inbox.fetch_new(cursor=None).messages] == ["fresh.eml"]


def test_the_grace_period_is_configurable(tmp_path):
    drop(tmp_path, "lead.eml", age_seconds=3)

    assert LocalFolderInbox(tmp_path, grace_seconds=5).fetch_new(cursor=None).messages == []
    assert len(LocalFolderInbox(tmp_path, grace_seconds=0).fetch_new(cursor=None).messages) == 1


def test_a_missing_folder_is_created_and_empty(tmp_path):
    folder = tmp_path / "inbox"

    batch = LocalFolderInbox(folder).fetch_new(cursor=None)

    assert batch.messages == []
    assert folder.is_dir()


def test_mark_processed_moves_the_file_aside_so_it_is_not_read_again(tmp_path):
    drop(tmp_path, "lead.eml")
    inbox = LocalFolderInbox(tmp_path)
    (message,) = inbox.fetch_new(cursor=None).messages

    inbox.mark_processed(message)

    assert not (tmp_path / "lead.eml").exists()
    assert (tmp_path / "processed" / "lead.eml").read_bytes() == LEAD
    assert inbox.fetch_new(cursor=None).messages == []


def test_mark_processed_never_overwrites_a_processed_file_of_the_same_name(tmp_path):
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "lead.eml").write_bytes(b"first")
    (tmp_path / "processed" / "lead-1.eml").write_bytes(b"second")
    drop(tmp_path, "lead.eml", b"third")
    inbox = LocalFolderInbox(tmp_path)

    inbox.mark_processed(InboxMessage(id="lead.eml", thread_id="", raw=b"third"))

    processed = tmp_path / "processed"
    assert (processed / "lead.eml").read_bytes() == b"first"
    assert (processed / "lead-1.eml").read_bytes() == b"second"
    assert (processed / "lead-2.eml").read_bytes() == b"third"
    assert not (tmp_path / "lead.eml").exists()


def test_without_hard_links_the_move_still_never_overwrites(tmp_path, monkeypatch):
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "lead.eml").write_bytes(b"first")
    drop(tmp_path, "lead.eml", b"second")

    def no_hard_links(source, target):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    LocalFolderInbox(tmp_path).mark_processed(InboxMessage(id="lead.eml", thread_id="", raw=b"second"))

    assert (tmp_path / "processed" / "lead.eml").read_bytes() == b"first"
    assert (tmp_path / "processed" / "lead-1.eml").read_bytes() == b"second"
    assert not (tmp_path / "lead.eml").exists()


def test_marking_a_file_that_vanished_is_not_an_error(tmp_path):
    path = drop(tmp_path, "lead.eml")
    inbox = LocalFolderInbox(tmp_path)
    (message,) = inbox.fetch_new(cursor=None).messages
    path.unlink()

    inbox.mark_processed(message)

    assert list((tmp_path / "processed").iterdir()) == []


def test_marking_twice_moves_the_file_once(tmp_path):
    drop(tmp_path, "lead.eml")
    inbox = LocalFolderInbox(tmp_path)
    (message,) = inbox.fetch_new(cursor=None).messages

    inbox.mark_processed(message)
    inbox.mark_processed(message)

    assert [p.name for p in (tmp_path / "processed").iterdir()] == ["lead.eml"]


@pytest.mark.parametrize("message_id", ["../lead.eml", "sub/lead.eml", "", ".."])
def test_an_id_that_is_not_a_plain_file_name_is_refused(tmp_path, message_id):
    outside = drop(tmp_path, "lead.eml")
    inbox = LocalFolderInbox(tmp_path / "inbox")

    with pytest.raises(InboxError) as raised:
        inbox.mark_processed(InboxMessage(id=message_id, thread_id="", raw=b""))

    assert raised.value.permanent is True
    assert outside.exists()


# --- chosen by settings ------------------------------------------------------------------------------------------


def test_get_inbox_returns_the_local_folder_from_settings(settings, tmp_path):
    settings.INBOX_BACKEND = "integrations.inbox.LocalFolderInbox"
    settings.INBOX_LOCAL_DIR = tmp_path / "indbakke"
    settings.INBOX_LOCAL_GRACE_SECONDS = 2.5

    inbox = get_inbox()

    assert isinstance(inbox, LocalFolderInbox)
    assert inbox.folder == tmp_path / "indbakke"
    assert inbox.grace_seconds == 2.5


GOOGLE_ENV = (
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "GOOGLE_REFRESH_TOKEN",
    "GOOGLE_SERVICE_ACCOUNT_FILE",
    "GOOGLE_SERVICE_ACCOUNT_JSON",
    "INBOX_BACKEND",
    "MAIL_SENDER_BACKEND",
    "INBOX_LOCAL_DIR",
)


def test_without_google_credentials_the_local_adapters_are_the_default(monkeypatch, tmp_path):
    for name in GOOGLE_ENV:
        monkeypatch.delenv(name, raising=False)

    values = integration_settings(environ.Env(), tmp_path)

    assert values["INBOX_BACKEND"] == "integrations.inbox.LocalFolderInbox"
    assert values["MAIL_SENDER_BACKEND"] == "integrations.mail.DjangoMailSender"
    assert values["INBOX_LOCAL_DIR"] == tmp_path / "inbox"
    assert values["GMAIL_PROCESSED_LABEL"] == "RenOS/Behandlet"


def test_with_google_credentials_gmail_is_the_default(monkeypatch, tmp_path):
    for name in GOOGLE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_REFRESH_TOKEN", "1//refresh")

    values = integration_settings(environ.Env(), tmp_path)

    assert values["INBOX_BACKEND"] == "integrations.inbox.GmailInbox"
    assert values["MAIL_SENDER_BACKEND"] == "integrations.mail.GmailSender"
