"""The inbox where lead emails arrive: Gmail (history sync, processed label) or a local folder of .eml files.

Both adapters have the same two methods. The caller fetches a batch, stores each message, marks it processed, and
only then stores the batch's cursor, so a crash in between makes the next fetch return the same messages again
(the caller recognises them by id) instead of losing them.
"""

from __future__ import annotations

import base64
import binascii
import errno
import itertools
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.gmail import execute, gmail_service
from integrations.google_auth import GoogleConfigError

logger = logging.getLogger(__name__)

DEFAULT_PROCESSED_LABEL = "RenOS/Behandlet"
PROCESSED_FOLDER = "processed"
_NOT_FOUND = frozenset({404})
_CONFLICT = frozenset({409})


@dataclass(frozen=True)
class InboxMessage:
    """One received email: the provider's id, its thread (Gmail only) and the RFC 822 bytes."""

    id: str
    thread_id: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class InboxBatch:
    """Messages to ingest, and the cursor to store once they are committed (None: start with a full sync)."""

    messages: list[InboxMessage]
    cursor: str | None


class InboxError(Exception):
    """Reading or labelling the inbox failed; `permanent` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def get_inbox() -> LocalFolderInbox | GmailInbox:
    """The inbox chosen by settings.INBOX_BACKEND (a dotted path, like EMAIL_BACKEND)."""
    backend = import_string(settings.INBOX_BACKEND)
    return backend.from_settings()


class LocalFolderInbox:
    """A folder of .eml files (var/inbox/ by default); processed files are moved to its processed/ folder."""

    def __init__(self, folder: Path, *, grace_seconds: float = 1.0) -> None:
        self.folder = Path(folder)
        # A file copied into the folder may still be half written: leave files this fresh for the next fetch.
        self.grace_seconds = grace_seconds

    @classmethod
    def from_settings(cls) -> LocalFolderInbox:
        return cls(Path(settings.INBOX_LOCAL_DIR), grace_seconds=settings.INBOX_LOCAL_GRACE_SECONDS)

    def fetch_new(self, *, cursor: str | None, limit: int = 100) -> InboxBatch:
        """The oldest `limit` .eml files (by modification time, then name). The cursor is unused: the folder
        itself is the state."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ready = self._ready_files()
        except OSError as exc:
            raise InboxError(
                f"Cannot read the inbox folder {self.folder}: {exc}", permanent=_is_permanent(exc)
            ) from exc
        messages = []
        for name in ready[:limit]:
            try:
                raw = (self.folder / name).read_bytes()
            except FileNotFoundError:
                continue  # moved or deleted since it was listed
            except OSError as exc:
                raise InboxError(f"Cannot read {self.folder / name}: {exc}", permanent=_is_permanent(exc)) from exc
            messages.append(InboxMessage(id=name, thread_id="", raw=raw))
        return InboxBatch(messages=messages, cursor=None)

    def mark_processed(self, message: InboxMessage) -> None:
        """Move the file to processed/, never overwriting a file there; a file already gone is fine."""
        name = _plain_file_name(message.id)
        source = self.folder / name
        target_dir = self.folder / PROCESSED_FOLDER
        stem, suffix = os.path.splitext(name)
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            for attempt in itertools.count():
                target = target_dir / (name if attempt == 0 else f"{stem}-{attempt}{suffix}")
                if _move_unless_taken(source, target):
                    return
        except FileNotFoundError:
            return  # already moved (a retried task) or removed by hand
        except OSError as exc:
            raise InboxError(f"Cannot move {source} to {target_dir}: {exc}", permanent=_is_permanent(exc)) from exc

    def _ready_files(self) -> list[str]:
        cutoff = time.time() - self.grace_seconds
        found = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.lower().endswith(".eml"):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    modified = entry.stat().st_mtime
                except FileNotFoundError:
                    continue
                if modified <= cutoff:
                    found.append((modified, entry.name))
        return [name for _, name in sorted(found)]


def _move_unless_taken(source: Path, target: Path) -> bool:
    """Move source to target unless target exists. Returns False when the name is taken.

    A hard link fails atomically when the target exists, so two workers moving files of the same name never
    overwrite each other; where the file system has no hard links, fall back to a check and a rename."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
            raise
        if target.exists():
            return False
        os.rename(source, target)
        return True
    source.unlink(missing_ok=True)
    return True


def _plain_file_name(message_id: str) -> str:
    if not message_id or message_id in (".", "..") or Path(message_id).name != message_id:
        raise InboxError(f"Not a file name in the inbox folder: {message_id!r}", permanent=True)
    return message_id


def _is_permanent(exc: OSError) -> bool:
    return isinstance(exc, PermissionError)


class GmailInbox:
    """The Gmail inbox: history sync from a stored historyId, a full sync when there is none (or it expired),
    and a label on every processed message so a full sync does not return it again."""

    def __init__(
        self,
        *,
        http: Any = None,
        user_id: str = "me",
        processed_label: str = DEFAULT_PROCESSED_LABEL,
        query: str = "",
        timeout: float | None = None,
    ) -> None:
        """`http` is a ready transport (tests pass an HttpMockSequence); without it credentials come from settings."""
        try:
            self._service = gmail_service(http=http, timeout=timeout)
        except GoogleConfigError as exc:
            raise InboxError(str(exc), permanent=True) from exc
        self.user_id = user_id
        self.processed_label = processed_label
        self.query = query or default_full_sync_query(processed_label)
        self._processed_label_id: str | None = None

    @classmethod
    def from_settings(cls) -> GmailInbox:
        return cls(
            user_id=settings.GMAIL_USER_ID,
            processed_label=settings.GMAIL_PROCESSED_LABEL,
            query=settings.GMAIL_INBOX_QUERY,
            timeout=settings.GOOGLE_HTTP_TIMEOUT,
        )

    def fetch_new(self, *, cursor: str | None, limit: int = 100) -> InboxBatch:
        if cursor is not None:
            found = self._history_since(cursor, limit=limit)
            if found is not None:
                ids, new_cursor = found
                return InboxBatch(messages=self._fetch_raw(ids), cursor=new_cursor)
            logger.warning("Gmail history %s has expired; falling back to a full sync", cursor)
        ids, new_cursor = self._full_sync(limit=limit)
        return InboxBatch(messages=self._fetch_raw(ids), cursor=new_cursor)

    def mark_processed(self, message: InboxMessage) -> None:
        """Add the processed label (created on first use). A message deleted meanwhile needs no label."""
        label_id = self._label_id(create=True)
        request = self._users.messages().modify(userId=self.user_id, id=message.id, body={"addLabelIds": [label_id]})
        self._call(request, "labelling a message", tolerate=_NOT_FOUND)

    def watch(self, *, topic: str) -> dict[str, Any]:
        """Ask Gmail to push INBOX changes to the Pub/Sub topic; renew before `expiration` (at most 7 days)."""
        body = {"topicName": topic, "labelIds": ["INBOX"]}
        response = self._call(self._users.watch(userId=self.user_id, body=body), "watch")
        expiration = datetime.fromtimestamp(int(response["expiration"]) / 1000, tz=UTC)
        return {"history_id": str(response["historyId"]), "expiration": expiration}

    @property
    def _users(self) -> Any:
        return self._service.users()

    def _call(self, request: Any, what: str, *, tolerate: frozenset[int] = frozenset()) -> Any:
        return execute(request, error=InboxError, what=what, tolerate=tolerate)

    def _full_sync(self, *, limit: int) -> tuple[list[str], str | None]:
        # The history id is read before listing: a message arriving in between is then returned twice (the
        # caller knows it by id), never skipped.
        profile = self._call(self._users.getProfile(userId=self.user_id), "reading the mailbox profile")
        request = self._users.messages().list(userId=self.user_id, q=self.query, maxResults=limit)
        response = self._call(request, "listing messages")
        ids = [item["id"] for item in response.get("messages", [])]
        ids.reverse()  # Gmail lists newest first; ingest in the order they arrived
        # More matched than `limit`: no cursor, so the next fetch lists again (without the ones labelled by then)
        # instead of jumping past the rest.
        cursor = None if response.get("nextPageToken") else str(profile["historyId"])
        return ids, cursor

    def _history_since(self, cursor: str, *, limit: int) -> tuple[list[str], str] | None:
        """Ids of messages added to INBOX after `cursor` and the cursor to store next; None if Gmail no longer
        has history that old (it keeps about a week)."""
        ids: dict[str, None] = {}  # an ordered set
        page_token = None
        while True:
            request = self._users.history().list(
                userId=self.user_id,
                startHistoryId=cursor,
                historyTypes=["messageAdded"],
                labelId="INBOX",
                pageToken=page_token,
            )
            response = self._call(request, "reading the mailbox history", tolerate=_NOT_FOUND)
            if response is None:
                return None
            for record in response.get("history", []):
                for added in record.get("messagesAdded", []):
                    message = added.get("message", {})
                    if "DRAFT" not in message.get("labelIds", []):
                        ids.setdefault(message["id"])
                if len(ids) >= limit:
                    # Resume after this record next time rather than after the whole history.
                    return list(ids), str(record["id"])
            page_token = response.get("nextPageToken")
            if not page_token:
                return list(ids), str(response["historyId"])

    def _fetch_raw(self, ids: list[str]) -> list[InboxMessage]:
        if not ids:
            return []
        processed_label_id = self._label_id(create=False)
        messages = []
        for message_id in ids:
            request = self._users.messages().get(userId=self.user_id, id=message_id, format="raw")
            data = self._call(request, "reading a message", tolerate=_NOT_FOUND)
            if data is None:
                continue  # deleted since it was listed
            if processed_label_id and processed_label_id in data.get("labelIds", []):
                continue
            messages.append(InboxMessage(id=data["id"], thread_id=data.get("threadId", ""), raw=_decode_raw(data)))
        return messages

    def _label_id(self, *, create: bool) -> str | None:
        """The processed label's id, looked up once per instance; created only when `create` (on first use)."""
        if self._processed_label_id is None:
            self._processed_label_id = self._find_label()
        if self._processed_label_id is None and create:
            body = {"name": self.processed_label, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
            request = self._users.labels().create(userId=self.user_id, body=body)
            created = self._call(request, "creating the processed label", tolerate=_CONFLICT)
            # 409: another worker created it a moment ago.
            self._processed_label_id = created["id"] if created else self._find_label()
            if self._processed_label_id is None:
                raise InboxError(f"Gmail label {self.processed_label!r} could not be created", permanent=True)
        return self._processed_label_id

    def _find_label(self) -> str | None:
        response = self._call(self._users.labels().list(userId=self.user_id), "listing labels")
        wanted = self.processed_label.casefold()
        for label in response.get("labels", []):
            if str(label.get("name", "")).casefold() == wanted:
                return str(label["id"])
        return None


def default_full_sync_query(processed_label: str) -> str:
    """Inbox mail of the last week without the processed label. Gmail search writes a nested label "A/B c" as
    "a-b-c"; the label is checked again on each message, so the query only saves reading old ones."""
    search_name = processed_label.lower().replace("/", "-").replace(" ", "-")
    return f"in:inbox -label:{search_name} newer_than:7d"


def _decode_raw(data: dict[str, Any]) -> bytes:
    raw = str(data.get("raw", ""))
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InboxError(f"Gmail message {data.get('id')} has an undecodable body", permanent=True) from exc
