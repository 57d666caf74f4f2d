"""The published OpenAPI schema says every status code an operation can answer.

drf-spectacular documents what each view's `extend_schema(responses=...)` names,
usually only its success. The errors every view shares come from one place
(platform_core.api.exception_handler, the edge middleware, the parsers and the
throttles) and have one shape, so they are documented in one place too: this
post-processing hook adds them to every operation, with the `Error` component
and the `Retry-After` header of a 429. tests/test_api_fuzz.py holds every
response to the schema, so an undocumented status code fails CI.
"""

from __future__ import annotations

ERROR_COMPONENT = {
    "type": "object",
    "description": 'Every API error: {"error": {"code", "message", "fields"}}.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. invalid, not_found, throttled."},
                "message": {"type": "string", "description": "What went wrong, for a person to read."},
                "fields": {
                    "type": "object",
                    "description": "Messages per input field (empty when the error belongs to no field).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": "The request is malformed or breaks a rule: the message (and fields) say what to change.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Not signed in (session), or signed in but not allowed to do this.",
    "404": "No such object, or not one of yours; or a page number past the end.",
    "415": "The body is in a format this operation does not read (send JSON).",
    "429": "Too many requests: wait the number of seconds in Retry-After.",
}
# Codes every operation can answer: input checked at the edge (control
# characters in the path or query), authentication, permission, throttling.
ALWAYS = ("400", "401", "403", "429")


def _error_response(code: str) -> dict:
    response = {
        "description": ERRORS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds to wait."}
        }
    return response


def _can_be_not_found(operation: dict) -> bool:
    """An object named in the path, or a page number, may not exist. (A view whose
    body names an object documents its own 404 with `extend_schema(responses=...)`.)"""
    parameters = operation.get("parameters", [])
    return any(p.get("in") == "path" or p.get("name") == "page" for p in parameters)


def document_errors(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS: the shared error responses on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = list(ALWAYS)
            if _can_be_not_found(operation):
                codes.append("404")
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                # A view's own, more specific description of the code wins.
                responses.setdefault(code, _error_response(code))
                responses[code].setdefault(
                    "content", {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                )
    return result
