"""JWT login, refresh, verify and logout."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from renos.api.throttling import LoginIPThrottle, LoginUsernameThrottle


class LoginView(TokenObtainPairView):
    """Username and password in, an access and a refresh token out."""

    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]


class RefreshView(TokenRefreshView):
    """A refresh token in, a new access token and a new refresh token out; the old refresh token is blacklisted."""


class VerifyView(TokenVerifyView):
    """200 when the token is valid, 401 otherwise."""


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutView(TokenObtainPairView):
    """Blacklists the refresh token, so it can never be used again."""

    serializer_class = LogoutSerializer
    throttle_classes: list = []

    @extend_schema(request=LogoutSerializer, responses={204: None, 400: None, 401: None})
    def post(self, request, *args, **kwargs) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken({"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
