"""The API's request parsers: JSON with a size and a depth limit, and no control characters.

DRF's JSONParser reads the whole body whatever its size (it does not go through
Django's DATA_UPLOAD_MAX_MEMORY_SIZE) and hands it to `json.load`, whose
recursion turns `[[[[...` into a RecursionError: a 500. These parsers refuse,
with a 400 and a message that says what to change:
- a JSON body over API_MAX_JSON_BYTES (no input of ours comes near it);
- JSON nested deeper than API_MAX_JSON_DEPTH (ours are two levels deep), checked
  by scanning the text before any parser recurses;
- control characters or lone surrogates in any string or key (the same rule as
  platform_core.hostile_input applies to paths, queries and forms);
- NaN and Infinity, which are not JSON.
Form and multipart bodies (the browsable API) get the same string check.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .hostile_input import control_character_message, has_control_character

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_too_deep(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (no recursion, linear time)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def first_bad_string(data: Any) -> str | None:
    """The path of the first key or string holding a control character, or None.

    Iterative, so it is safe on any depth the parser let through.
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if has_control_character(value):
                return where or "The body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_control_character(key):
                    return f"A field name in {where}" if where else "A field name"
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None


def _check_strings(data: Any) -> None:
    where = first_bad_string(data)
    if where is not None:
        raise ParseError(control_character_message(where))


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The request body is too large: send at most {limit // 1024} KB of JSON")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(f"The request body is not valid JSON: it must be {encoding} text") from None
        depth = settings.API_MAX_JSON_DEPTH
        if json_too_deep(text, depth):
            raise ParseError(f"The JSON is nested too deeply: at most {depth} levels of objects and arrays")
        try:
            data = json.loads(text, parse_constant=_reject_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"The request body is not valid JSON: {exc}") from None
        _check_strings(data)
        return data


class CheckedFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_strings({key: data.getlist(key) for key in data})
        return data


class CheckedMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_strings({key: result.data.getlist(key) for key in result.data})
        return result
