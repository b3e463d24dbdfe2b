"""What the POST actions that call a service share: the body validated, the answer read back as lists show it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


class ServiceActionsMixin:
    """For a viewset whose actions call services; `output_serializer` renders the row after the change."""

    output_serializer: type[serializers.Serializer]

    def _valid(self, serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _out(self, instance: Any) -> dict[str, Any]:
        # Read again through the viewset's queryset: services return the row they locked, without its relations.
        fresh = self.get_queryset().get(pk=instance.pk)  # type: ignore[attr-defined]
        return self.output_serializer(fresh, context=self.get_serializer_context()).data  # type: ignore[attr-defined]
