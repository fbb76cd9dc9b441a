"""What Django's error reports show of a secret: nothing, with DEBUG on too.

Django's ``SafeExceptionReporterFilter`` hides settings whose names look secret, but with DEBUG
on it applies ``sensitive_variables`` to nothing (its ``is_active`` is ``not DEBUG``) and it
never looks inside local variables: ``settings.CXENGAGE`` held as ``conf`` showed the API
secret, and a URL or an ``Authorization`` header held by a library showed what it carried.
``SecretsHidden`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``) is that filter, always active, which
also blanks, in every frame's variables and every setting (and ``SecretsHiddenReporter``, the
``DEFAULT_EXCEPTION_REPORTER``, in the exception's message):

- any value held under a name or key that says secret (``password``, ``token``, ``api_key``,
  ``Authorization``, ``secret``, ``credentials``, ``cookie``, ``signature``), at any depth of
  dicts, lists and tuples;
- every ``config.secrets.Secret`` value, also inside other text and inside objects' reprs;
- the credentials of ``Basic``/``Bearer``/``Token`` authorization values, the password of a
  ``scheme://user:password@host`` URL and the value of a JSON ``"token"``, ``"password"``,
  ``"secret"`` or ``"api_key"``, whoever holds them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pprint import pformat
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .secrets import MASK, Secret, known_secrets

_SECRET_NAME = re.compile(
    r"secret|passw|token|api_?key|authoriz|credential|cookie|signature|private", re.IGNORECASE
)
_IN_TEXT = (
    (re.compile(r"\b(Basic|Bearer|Token)(\s+)[A-Za-z0-9._~+/=-]+"), rf"\1\2{MASK}"),  # as sent
    (re.compile(r"(://[^:/@\s]*:)[^@/\s]+@"), rf"\1{MASK}@"),
    (re.compile(r'("(?:token|password|secret|api_?key)"\s*:\s*")[^"]*(")', re.I), rf"\1{MASK}\2"),
)
_MAX_DEPTH = 8


def scrub_text(text: str) -> str:
    """``text`` with every known secret and credential-shaped value blanked."""
    for value in sorted(known_secrets(), key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern, replacement in _IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def scrub(value: Any, depth: int = 0) -> Any:
    """``value`` with every secret it holds blanked (containers rebuilt, other objects kept)."""
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
        cleaned = scrub_text(text)
        return value if cleaned == text else cleaned.encode()
    if depth >= _MAX_DEPTH:
        return value
    try:
        if isinstance(value, Mapping):
            return {
                key: MASK if _secret_name(key) else scrub(item, depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple | set | frozenset) and not hasattr(value, "_fields"):
            return type(value)(scrub(item, depth + 1) for item in value)
    except Exception:  # a container that cannot be read back is shown by its type alone
        return _Shown(f"<{type(value).__name__}>")
    return value


def _secret_name(name: object) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.search(name))


class _Shown:
    """Text an error report shows as it is (its repr is the text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def shown(value: Any) -> _Shown:
    """What an error report may show of ``value``: scrubbed, then printed, then scrubbed again
    (an object's repr may carry what its attributes hold)."""
    try:
        text = pformat(scrub(value))
    except Exception as error:  # what Django's own pprint filter would say
        text = f"Error in formatting: {error.__class__.__name__}"
    return _Shown(scrub_text(text))


class SecretsHidden(SafeExceptionReporterFilter):
    def is_active(self, request: Any) -> bool:
        return True  # sensitive_variables and sensitive_post_parameters count with DEBUG on too

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        return scrub(super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, _Shown(MASK) if _secret_name(name) else shown(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class SecretsHiddenReporter(ExceptionReporter):
    """Django's report with the exception's own message (and its causes') scrubbed too."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if data.get("exception_value") is not None:
            data["exception_value"] = scrub_text(str(data["exception_value"]))
        for frame in data.get("frames", ()):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = scrub_text(str(frame["exc_cause"]))
        return data
