"""The login serializer: the usual access and refresh tokens, carrying the language the staff member chose.

The language travels in the token so that the API answers in it without a database query per request (see
renos/middleware.py); a refreshed token keeps it, and a new choice reaches the API at the next login.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import TokenObtainPairSerializerExtension
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import Token

from renos.preferences import staff_language_of

LANGUAGE_CLAIM = "lang"
# Whether the holder may use the API (renos/api/permissions.py), decided at login like the language: a changed role
# reaches the API when the tokens are next issued.
OFFICE_CLAIM = "office"
# What office staff hold and cleaners don't: the customers, the leads and the invoices.
BUSINESS_PERMISSIONS = ("customers.view_customer", "leads.view_lead", "invoicing.view_invoice")


def runs_the_business_of(user: Any) -> bool:
    return bool(user.is_superuser or all(user.has_perm(perm) for perm in BUSINESS_PERMISSIONS))


class LoginSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user: Any) -> Token:
        token = super().get_token(user)
        token[OFFICE_CLAIM] = runs_the_business_of(user)
        language = staff_language_of(user)
        if language:
            token[LANGUAGE_CLAIM] = language
        return token


class LoginSerializerSchema(TokenObtainPairSerializerExtension):
    """The OpenAPI description of the login: the same as simplejwt's (username and password in, two tokens out)."""

    target_class = "renos.api.tokens.LoginSerializer"
