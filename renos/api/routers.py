"""What every app's router shares."""

from __future__ import annotations

# `lookup_value_regex` of every viewset with a UUID primary key: a malformed id then matches no route at all, and
# renos.urls.not_found answers it with the JSON 404 of the API, before authentication or a database query.
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
