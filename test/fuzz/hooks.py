"""Schemathesis hooks for the inputs whose validity a JSON schema cannot say, and for one thing JSON cannot.

- `cursor` is an opaque token the API issues in `pagination.nextCursor`; any other value is a 400
  by design, so generated ones are dropped (stateful runs still follow real ones through links).
- phone numbers must exist in their country's numbering plan (libphonenumber decides), so phone
  fields get valid numbers; malformed numbers stay covered by the REST tests.
- cross-field rules: a calendar event's `endTime` is not before its `startTime`, and a bulk
  reprocess names a filter or says `all: true`.
"""
import random

import schemathesis

VALID_PHONES = ["+1 212 555 0100", "+1 (415) 555-0142", "+44 20 7946 0958", "+4930901820"]
FILTERS = ("contactId", "direction", "status", "from", "to", "failedStage", "hasTranscript")


# What JavaScript's trim() removes (the API trims with it): Python's strip() also removes \x1c-\x1f,
# which JavaScript keeps, so a "blank" value to Python can be a non-blank, invalid number to the API.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _schema_valid_text(value, max_length):
    """A value the document allows (negative tests' values are left alone to stay invalid)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value and value.strip(JS_WHITESPACE) != ""


@schemathesis.hook
def map_query(ctx, query):
    if isinstance(query, dict) and "cursor" in query and isinstance(query["cursor"], str) and len(query["cursor"]) <= 500:
        query = {k: v for k, v in query.items() if k != "cursor"}
    return query


@schemathesis.hook
def map_body(ctx, body):
    if not isinstance(body, dict):
        return body
    for key in ("phone", "phoneNumber"):
        if _schema_valid_text(body.get(key), 40):
            body[key] = random.choice(VALID_PHONES)
    if isinstance(body.get("startTime"), str) and isinstance(body.get("endTime"), str) and body["endTime"] < body["startTime"]:
        body["endTime"] = body["startTime"]
    if ctx.operation.path == "/api/phone-records/reprocess" and not any(body.get(k) is not None for k in FILTERS):
        body["all"] = True
    return body


def _has_integral_float(node):
    if isinstance(node, float):
        return node.is_integer()
    if isinstance(node, dict):
        return any(_has_integral_float(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_integral_float(v) for v in node)
    return False


@schemathesis.hook
def filter_body(ctx, body):
    """JSON cannot tell 4.0 from 4 once parsed (JavaScript has one number type): such bodies are
    neither valid nor invalid integers to the server, so they are not generated."""
    return not _has_integral_float(body)


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    if isinstance(path_parameters, dict) and _schema_valid_text(path_parameters.get("phone"), 40):
        path_parameters = {**path_parameters, "phone": random.choice(VALID_PHONES)}
    return path_parameters
