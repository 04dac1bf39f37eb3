"""Constrained JSON: which texts can still become a JSON value that validates against a schema.

`JsonConstraint(schema)` compiles a JSON Schema (the subset structured outputs use: types, properties,
required, items, enum, const, anyOf/oneOf, string and array lengths) into matchers; `state(text)` says
whether `text` is a viable prefix of a valid document, whether it is one already, and whether it could
still grow. The decoder (generate.py) asks this of each candidate token, most likely first, and takes the
first one that keeps the text viable; with sampling, walking candidates in the order of the row's own
exponential race (p / E) gives an exact draw from the distribution restricted to viable tokens.

What is generated is always valid for the schema, but narrower than it allows: properties are never added
beyond those declared, whitespace between tokens is llama.cpp's (one space, or a line break and up to 20
spaces or tabs), integers have at most 16 digits and fractions at most 16. Keywords that would need number or pattern automata (minimum, maximum,
pattern, format, ...) are accepted and not enforced: `unenforced` lists them, for the caller's warnings.
Keywords that change the document's shape in ways not handled here ($ref, allOf, not, if/then/else,
prefixItems, patternProperties, ...) are refused with E_INPUT.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import EngineError

# A matcher yields end positions of complete matches, or PARTIAL when the text ran out mid-match.
PARTIAL = -1

# Stands in for U+FFFD (a character whose bytes are not all generated yet): valid inside a string only.
_INCOMPLETE_CHARACTER = "\u00e9"
_MAX_WHITESPACE = 20
_MAX_DIGITS = 16
_MAX_EXPONENT_DIGITS = 3

_ANNOTATIONS = {"title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated",
                "readOnly", "writeOnly", "strict"}
_UNENFORCED = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "pattern", "format",
               "minProperties", "maxProperties", "uniqueItems", "contentEncoding", "contentMediaType"}
_STRUCTURAL = {"type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
               "minLength", "maxLength", "enum", "const", "anyOf", "oneOf"}
_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


@dataclass(frozen=True)
class JsonState:
    viable: bool
    complete: bool
    # Whether the text could still grow into another valid document (a number can take more digits).
    extendable: bool


class _Node(ABC):
    @abstractmethod
    def match(self, s: str, i: int) -> Iterator[int]:
        """The positions where this node can end, matching s from i."""


class _Literal(_Node):
    def __init__(self, text: str):
        self.text = text

    def match(self, s, i):
        rest = s[i:]
        if rest.startswith(self.text):
            yield i + len(self.text)
        elif self.text.startswith(rest):
            yield PARTIAL


class _Any(_Node):
    def __init__(self, options: list[_Node]):
        self.options = options

    def match(self, s, i):
        for option in self.options:
            yield from option.match(s, i)


class _Whitespace(_Node):
    """Between tokens: nothing, one space, or a line break and up to 20 spaces or tabs (llama.cpp's
    json-schema grammar allows the same, so both backends bound a model that would pad forever)."""

    def match(self, s, i):
        yield i
        if i == len(s):
            yield PARTIAL
        elif s[i] == " ":
            yield i + 1
        elif s[i] == "\n":
            j = i + 1
            while True:
                yield j
                if j == len(s):
                    yield PARTIAL
                    return
                if s[j] not in " \t" or j - i > _MAX_WHITESPACE:
                    return
                j += 1


_WS = _Whitespace()


def _sequence(s: str, i: int, nodes: list[_Node]) -> Iterator[int]:
    """Matches of `nodes` one after another, from i."""
    if not nodes:
        yield i
        return
    for end in nodes[0].match(s, i):
        if end == PARTIAL:
            yield PARTIAL
        else:
            yield from _sequence(s, end, nodes[1:])


class _String(_Node):
    def __init__(self, min_length: int = 0, max_length: int | None = None):
        self.min_length, self.max_length = min_length, max_length

    def match(self, s, i):
        if i == len(s):
            yield PARTIAL
            return
        if s[i] != '"':
            return
        j, count = i + 1, 0
        while j < len(s):
            ch = s[j]
            if ch == '"':
                if count >= self.min_length:
                    yield j + 1
                return
            if self.max_length is not None and count >= self.max_length:
                return
            if ch == "\\":
                if j + 1 == len(s):
                    break
                escape = s[j + 1]
                if escape in '"\\/bfnrt':
                    j += 2
                elif escape == "u":
                    digits = s[j + 2:j + 6]
                    if not all(c in "0123456789abcdefABCDEF" for c in digits):
                        return
                    if len(digits) < 4:
                        break
                    j += 6
                else:
                    return
            elif ord(ch) < 0x20:
                return
            else:
                j += 1
            count += 1
        yield PARTIAL


class _Number(_Node):
    def __init__(self, integer: bool):
        self.integer = integer

    def match(self, s, i):
        j = i
        if j < len(s) and s[j] == "-":
            j += 1
        if j == len(s):
            yield PARTIAL
            return
        if s[j] == "0":
            j += 1
        elif s[j] in "123456789":
            start = j
            while j < len(s) and s[j].isdigit() and j - start < _MAX_DIGITS:
                j += 1
        else:
            return
        if j == len(s):
            yield j
            yield PARTIAL
            return
        if self.integer:
            yield j
            return
        end = j
        if s[j] == ".":
            j += 1
            start = j
            while j < len(s) and s[j].isdigit() and j - start < _MAX_DIGITS:
                j += 1
            if j == start:
                if j == len(s):
                    yield PARTIAL
                yield end
                return
            end = j
        if j == len(s):
            yield end
            yield PARTIAL
            return
        if s[j] in "eE":
            j += 1
            if j < len(s) and s[j] in "+-":
                j += 1
            start = j
            while j < len(s) and s[j].isdigit() and j - start < _MAX_EXPONENT_DIGITS:
                j += 1
            if j == len(s):
                if j > start:
                    yield j
                yield PARTIAL
                return
            if j > start:
                yield j
                return
        yield end


class _Array(_Node):
    def __init__(self, items: _Node, min_items: int, max_items: int | None):
        self.items, self.min_items, self.max_items = items, min_items, max_items

    def match(self, s, i):
        for start in _sequence(s, i, [_Literal("["), _WS]):
            if start == PARTIAL:
                yield PARTIAL
                continue
            if self.min_items == 0:
                yield from _Literal("]").match(s, start)
            if self.max_items != 0:
                yield from self._items(s, start, 1)

    def _items(self, s, i, count):
        for end in self.items.match(s, i):
            if end == PARTIAL:
                yield PARTIAL
                continue
            for after in _WS.match(s, end):
                if after == PARTIAL:
                    yield PARTIAL
                    continue
                if count >= self.min_items:
                    yield from _Literal("]").match(s, after)
                if self.max_items is None or count < self.max_items:
                    for next_start in _sequence(s, after, [_Literal(","), _WS]):
                        if next_start == PARTIAL:
                            yield PARTIAL
                        else:
                            yield from self._items(s, next_start, count + 1)


class _Object(_Node):
    def __init__(self, properties: dict[str, _Node], required: set[str]):
        self.properties, self.required = properties, required
        self.keys = {name: _Literal(json.dumps(name, ensure_ascii=False)) for name in properties}

    def match(self, s, i):
        for start in _sequence(s, i, [_Literal("{"), _WS]):
            if start == PARTIAL:
                yield PARTIAL
                continue
            if not self.required:
                yield from _Literal("}").match(s, start)
            yield from self._members(s, start, frozenset())

    def _members(self, s, i, used):
        for name, key in self.keys.items():
            if name in used:
                continue
            for end in _sequence(s, i, [key, _WS, _Literal(":"), _WS, self.properties[name], _WS]):
                if end == PARTIAL:
                    yield PARTIAL
                    continue
                now = used | {name}
                if self.required <= now:
                    yield from _Literal("}").match(s, end)
                if len(now) < len(self.properties):
                    for next_start in _sequence(s, end, [_Literal(","), _WS]):
                        if next_start == PARTIAL:
                            yield PARTIAL
                        else:
                            yield from self._members(s, next_start, now)


class _AnyJson(_Node):
    """Any JSON value (the empty schema): objects with string keys, arrays, strings, numbers, literals."""

    def match(self, s, i):
        yield from _Object_any.match(s, i)
        yield from _Array(self, 0, None).match(s, i)
        for node in (_String(), _Number(False), _Literal("true"), _Literal("false"), _Literal("null")):
            yield from node.match(s, i)


class _FreeObject(_Node):
    def match(self, s, i):
        for start in _sequence(s, i, [_Literal("{"), _WS]):
            if start == PARTIAL:
                yield PARTIAL
                continue
            yield from _Literal("}").match(s, start)
            yield from self._members(s, start)

    def _members(self, s, i):
        for end in _sequence(s, i, [_String(), _WS, _Literal(":"), _WS, _ANY_JSON, _WS]):
            if end == PARTIAL:
                yield PARTIAL
                continue
            yield from _Literal("}").match(s, end)
            for next_start in _sequence(s, end, [_Literal(","), _WS]):
                if next_start == PARTIAL:
                    yield PARTIAL
                else:
                    yield from self._members(s, next_start)


_ANY_JSON = _AnyJson()
_Object_any = _FreeObject()


class JsonConstraint:
    def __init__(self, schema: object, field: str = "response_format.json_schema.schema"):
        self.unenforced: list[str] = []
        self.root = self._compile(schema, field)

    def state(self, text: str) -> JsonState:
        s = text.replace("\ufffd", _INCOMPLETE_CHARACTER)
        viable = complete = extendable = False
        for end in self.root.match(s, 0):
            if end == PARTIAL:
                viable = extendable = True
            elif end == len(s):
                viable = complete = True
            if complete and extendable:
                break
        return JsonState(viable, complete, extendable)

    # -- compiling the schema -------------------------------------------------------------------------

    def _fail(self, field: str, message: str) -> EngineError:
        return EngineError("E_INPUT", message, field=field)

    def _compile(self, schema: object, field: str) -> _Node:
        if schema is True or schema == {}:
            return _ANY_JSON
        if not isinstance(schema, dict):
            raise self._fail(field, "a schema must be a JSON object")
        for key in schema:
            if key in _UNENFORCED:
                self.unenforced.append(f"{field}.{key}")
            elif key not in _STRUCTURAL and key not in _ANNOTATIONS:
                raise self._fail(f"{field}.{key}", "not supported by the engine's constrained decoding; supported: "
                                 + ", ".join(sorted(_STRUCTURAL)))
        if "const" in schema:
            return self._literal(schema["const"], f"{field}.const")
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise self._fail(f"{field}.enum", "must be a non-empty list")
            return _Any([self._literal(value, f"{field}.enum") for value in values])
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = schema[combinator]
                if not isinstance(options, list) or not options:
                    raise self._fail(f"{field}.{combinator}", "must be a non-empty list of schemas")
                return _Any([self._compile(option, f"{field}.{combinator}[{index}]")
                             for index, option in enumerate(options)])
        types = schema.get("type")
        if types is None:
            types = ["object"] if "properties" in schema else ["array"] if "items" in schema else list(_TYPES)
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list) or not types or any(t not in _TYPES for t in types):
            raise self._fail(f"{field}.type", f"must be one of {', '.join(_TYPES)} or a list of them")
        return _Any([self._typed(t, schema, field) for t in types]) if len(types) > 1 else self._typed(types[0], schema,
                                                                                                       field)

    def _typed(self, kind: str, schema: dict, field: str) -> _Node:
        if kind == "string":
            return _String(self._count(schema, "minLength", field) or 0, self._count(schema, "maxLength", field))
        if kind in ("integer", "number"):
            return _Number(integer=kind == "integer")
        if kind == "boolean":
            return _Any([_Literal("true"), _Literal("false")])
        if kind == "null":
            return _Literal("null")
        if kind == "array":
            items = self._compile(schema.get("items", {}), f"{field}.items")
            return _Array(items, self._count(schema, "minItems", field) or 0, self._count(schema, "maxItems", field))
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise self._fail(f"{field}.properties", "must be an object of schemas")
        required = schema.get("required", [])
        if not isinstance(required, list) or any(name not in properties for name in required):
            raise self._fail(f"{field}.required", "must list names of declared properties")
        if not properties and schema.get("additionalProperties", True) is not False:
            return _Object_any
        return _Object({name: self._compile(sub, f"{field}.properties.{name}") for name, sub in properties.items()},
                       set(required))

    def _count(self, schema: dict, key: str, field: str) -> int | None:
        value = schema.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise self._fail(f"{field}.{key}", "must be a non-negative integer")
        return value

    def _literal(self, value: object, field: str) -> _Node:
        try:
            return _Literal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        except (TypeError, ValueError) as error:
            raise self._fail(field, f"not a JSON value: {error}") from error
