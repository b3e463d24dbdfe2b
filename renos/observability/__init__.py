"""What RenOS tells its operators: structured logs with request and task ids, and errors in Sentry.

- `context`: the request id and Celery task id of the code running now (contextvars).
- `middleware`: RequestIdMiddleware, which sets the request id and answers it in `X-Request-ID`.
- `celery_signals`: the task id around every task, and Django's LOGGING in the worker and beat.
- `logs`: the filters and formatters of settings.LOGGING (JSON or a readable line).
- `scrub`: masks email addresses and phone numbers, for the logs and for Sentry.
- `sentry`: Sentry with the Django and Celery integrations, and what is removed before an event leaves.

Log lines carry ids, never personal data: a customer is `customer <uuid>`, an email its provider id.
"""
