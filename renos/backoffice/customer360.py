"""The customer page as one screen (contact, stats, timeline, quick actions) and duplicate merging."""

from __future__ import annotations


class Customer360Mixin:
    """Customer admin: the 360 change view, the duplicates list and the merge action."""

    customer360_actions: tuple[str, ...] = ()
