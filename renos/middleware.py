"""The language each request is answered in.

The admin speaks the language the staff member chose on the Language page, else the office's (LANGUAGE_CODE, Danish),
whatever the browser asks for. The API keeps Accept-Language (Django's LocaleMiddleware), unless the caller chose a
language: a session user's choice, or the one their JWT carries (put there at login, see renos/api/tokens.py).
The choice is read from the session or the token, never from the database per request: it is copied into the session
at login and when it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

SESSION_KEY = "renos_language"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def known(language: Any) -> str | None:
    return language if language in {code for code, _name in settings.LANGUAGES} else None


def remember_language_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the choice goes into the new session, so requests need not look it up."""
    from renos.preferences import staff_language_of

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = staff_language_of(user)


class StaffLanguageMiddleware:
    """Activates the staff member's language for the request and names it in Content-Language. Goes after
    AuthenticationMiddleware (it reads request.user) and after LocaleMiddleware (whose choice it overrides)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen, vary = self._chosen(request)
        language = chosen or (None if is_api(request) else settings.LANGUAGE_CODE)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if vary:
            patch_vary_headers(response, (vary,))
        return response

    def _chosen(self, request: HttpRequest) -> tuple[str | None, str | None]:
        """(the language the caller chose or None, the request header that choice depends on)."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            if SESSION_KEY not in session:  # a session from before the choice was kept there
                from renos.preferences import staff_language_of

                session[SESSION_KEY] = staff_language_of(user)
            return known(session[SESSION_KEY]), "Cookie"
        if is_api(request):
            return self._token_language(request), "Authorization"
        return None, None

    def _token_language(self, request: HttpRequest) -> str | None:
        header = request.headers.get("Authorization", "").split()
        if len(header) != 2 or header[0] not in _auth_header_types():
            return None
        from rest_framework_simplejwt.exceptions import TokenError
        from rest_framework_simplejwt.tokens import AccessToken

        from renos.api.tokens import LANGUAGE_CLAIM

        try:
            token = AccessToken(header[1])
        except TokenError:
            return None  # DRF answers 401 for it
        return known(token.get(LANGUAGE_CLAIM))


def _auth_header_types() -> tuple[str, ...]:
    from rest_framework_simplejwt.settings import api_settings

    types = api_settings.AUTH_HEADER_TYPES
    return (types,) if isinstance(types, str) else tuple(types)
