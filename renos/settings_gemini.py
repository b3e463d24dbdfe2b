"""Settings of the AI second opinion (integrations/gemini.py): read from the environment, called once from
renos.settings.

Without GEMINI_API_KEY the "none" advisor is the default and the rule-based parsers alone read lead emails; with a
key, Gemini is. AI_BACKEND still chooses explicitly.
"""

from __future__ import annotations

import environ

GEMINI_ADVISOR = "integrations.gemini.GeminiAdvisor"
NO_ADVISOR = "integrations.gemini.NoAdvisor"


def gemini_settings(env: environ.Env) -> dict[str, object]:
    api_key = env.str("GEMINI_API_KEY", default="")
    return {
        # The Gemini API key (Google AI Studio); empty: no AI.
        "GEMINI_API_KEY": api_key,
        # A fast, stable model for classification and JSON extraction (Google's replacement for gemini-2.5-flash).
        "GEMINI_MODEL": env.str("GEMINI_MODEL", default="gemini-3.5-flash-lite"),
        # Seconds each attempt may take before it counts as failed.
        "GEMINI_TIMEOUT_SECONDS": env.float("GEMINI_TIMEOUT_SECONDS", default=20.0),
        # Attempts per email, the first included; timeouts, 408, 429 and 5xx are retried with exponential backoff.
        "GEMINI_MAX_ATTEMPTS": env.int("GEMINI_MAX_ATTEMPTS", default=3),
        # Dotted path of the advisor class: Gemini when a key is set, else the "none" advisor (the rules alone).
        "AI_BACKEND": env.str("AI_BACKEND", default="") or (GEMINI_ADVISOR if api_key else NO_ADVISOR),
    }
