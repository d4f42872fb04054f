"""
Check frames against the protocol's schema (chatroom.realtime.protocol), as
Zulip's event tests check events: every key the TypedDict requires, no key it
does not know, and each value of the annotated type, nested objects included.
"""

import types
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints, is_typeddict

from chatroom.realtime.protocol import FRAME_TYPES


def schema_errors(value: Any, annotation: Any, path: str = "frame") -> list[str]:
    """What is wrong with `value` as an `annotation` (a TypedDict, a union, a list, a Literal, a scalar)."""
    origin = get_origin(annotation)
    if origin in (Required, NotRequired):
        return schema_errors(value, get_args(annotation)[0], path)
    if origin is Literal:
        return [] if value in get_args(annotation) else [f"{path}: {value!r} is not one of {get_args(annotation)}"]
    if origin in (Union, types.UnionType):
        options = [schema_errors(value, option, path) for option in get_args(annotation)]
        return [] if any(not errors for errors in options) else min(options, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        (item,) = get_args(annotation)
        return [error for i, element in enumerate(value) for error in schema_errors(element, item, f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        key_type, value_type = get_args(annotation)
        errors = []
        for key, element in value.items():
            errors += schema_errors(key, key_type, f"{path} key") + schema_errors(element, value_type, f"{path}.{key}")
        return errors
    if is_typeddict(annotation):
        return _object_errors(value, annotation, path)
    if annotation is type(None):
        return [] if value is None else [f"{path}: expected null, got {value!r}"]
    if annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected an integer, got {value!r}"]
    if annotation in (str, bool, float):
        return [] if isinstance(value, annotation) else [f"{path}: expected {annotation.__name__}, got {value!r}"]
    raise TypeError(f"{path}: no check for {annotation!r}")


def _object_errors(value: Any, schema: type, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {value!r}"]
    hints = get_type_hints(schema, include_extras=True)
    errors = [f"{path}: missing {key!r}" for key in schema.__required_keys__ - value.keys()]
    errors += [f"{path}: unexpected {key!r}" for key in value.keys() - hints.keys()]
    for key in value.keys() & hints.keys():
        errors += schema_errors(value[key], hints[key], f"{path}.{key}")
    return errors


def frame_schema_errors(frame: dict) -> list[str]:
    """What is wrong with `frame` as a server frame of chatroom.realtime.protocol (an empty list: nothing)."""
    schema = FRAME_TYPES.get(frame.get("type"))
    if schema is None:
        return [f"unknown frame type {frame.get('type')!r}"]
    return schema_errors(frame, schema, str(frame["type"]))


def assert_frame_matches_protocol(frame: dict) -> None:
    """Fail unless `frame` is a server frame exactly as chatroom.realtime.protocol types it."""
    errors = frame_schema_errors(frame)
    assert not errors, errors
