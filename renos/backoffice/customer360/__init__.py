"""The customer page as one screen (contact, stats, timeline, quick actions) and duplicate merging.

- timeline.py: everything about a customer, newest first, one query per kind.
- emails.py: an email from a template, rendered for the customer and sent after commit.
- forms.py: the forms of the views below.
- mixin.py: Customer360Mixin, mixed into the customer admin (renos/admin.py) with the views and the merge action.
"""

from __future__ import annotations

from renos.backoffice.customer360.mixin import Customer360Mixin

__all__ = ["Customer360Mixin"]
