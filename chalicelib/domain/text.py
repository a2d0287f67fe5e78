"""Characters no text field may hold, written once for every JSON body and every web form.

NUL truncates text in C libraries, logs and some spreadsheet imports; the
bidirectional embedding, override and isolate controls (U+202A-U+202E,
U+2066-U+2069) make a name or a note display in another order than it is
stored ("Trojan Source"), so a coordinator could read a different text from
the one on file. Both are refused, never silently removed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from .errors import FieldError
from .forms import pointer

FORBIDDEN = re.compile("[\u0000\u202a-\u202e\u2066-\u2069]")
CODE = "forbidden-character"


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'NULL')}"


def _error(ptr: str, char: str, where_en: str, where_fr: str) -> FieldError:
    return FieldError(
        ptr, CODE,
        f"{where_en} holds a character that is not allowed ({_name(char)}): remove NUL and bidirectional "
        "control characters.",
        f"{where_fr} contient un caractère interdit ({_name(char)})\u00a0: retirez les caractères NUL et les "
        "caractères de contrôle bidirectionnels.")


def forbidden_character_errors(document: Any, base_pointer: str = "") -> list[FieldError]:
    """One error per string value (and object key) of ``document`` holding a forbidden character.

    Pointers follow RFC 6901 and start at ``base_pointer``. The walk uses its own stack,
    so a body nested as deep as the JSON reader allows cannot overflow Python's.

    >>> [e.pointer for e in forbidden_character_errors({"a": ["ok", "x\\u202ey"], "b~/": "\\x00"})]
    ['/a/1', '/b~0~1']
    """
    errors: list[FieldError] = []
    stack: list[tuple[str, Any]] = [(base_pointer, document)]
    while stack:
        ptr, value = stack.pop()
        if isinstance(value, str):
            found = FORBIDDEN.search(value)
            if found:
                errors.append(_error(ptr, found.group(), "This text", "Ce texte"))
        elif isinstance(value, dict):
            for key, item in value.items():
                child = ptr + pointer([key])
                found = FORBIDDEN.search(str(key))
                if found:
                    errors.append(_error(child, found.group(), "This field's name", "Le nom de ce champ"))
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((ptr + pointer([i]), item) for i, item in enumerate(value))
    return sorted(errors, key=lambda e: e.pointer)
