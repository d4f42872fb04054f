"""
WebSocket frames validated by their DRF serializers' rules, without a
serializer instance per frame when the frame is plainly valid.

Instantiating and running a DRF serializer costs about 0.3-0.5 ms a frame (it
deep-copies its fields), more than the rest of a send's validation and a large
share of its CPU. For a serializer made only of the frame field types (strict
integers, strict strings, lists of strict integers), `validate_frame` reads the
rules off the serializer's own fields once (required, null, bounds, lengths,
blank, defaults) and checks a frame against them directly. It decides only
that a frame is valid; any frame it is not sure of (a field missing, a wrong
type, a bound crossed, a null character, a surrogate) goes through the
serializer itself, so every refusal, and its message, is exactly DRF's. A
serializer with anything else in it (another field type, a validator of its
own) is always run as DRF runs it. Serializer-level `validate()` and
`validate_<field>()` methods are run on the fast path's result too.
"""

from collections.abc import Callable
from typing import Any

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator, MinValueValidator
from rest_framework import serializers
from rest_framework.fields import (
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
    SkipField,
    empty,
)

from chatroom.exceptions import Invalid
from chatroom.fields import StrictCharField, StrictIntegerField

# A field's fast check: the value to store, or UNSURE (let DRF decide), or OMIT (no key, as SkipField).
UNSURE = object()
OMIT = object()
Check = Callable[[Any], Any]


def validate_frame(serializer_class: type[serializers.Serializer], frame: dict) -> dict:
    """The frame's validated data, as `serializer_class(data=frame)` gives it; Invalid with DRF's errors if invalid."""
    fast = _plan(serializer_class)
    if fast is not None:
        data = fast.validate(frame)
        if data is not None:
            return data
    serializer = serializer_class(data=frame)
    if not serializer.is_valid():
        raise Invalid(fields=serializer.errors)
    return serializer.validated_data


class _FastSerializer:
    """The rules of one serializer class's fields, as checks on plain values."""

    def __init__(self, serializer_class: type[serializers.Serializer], checks: dict[str, Check]):
        self.serializer_class = serializer_class
        self.checks = checks
        self.probe: serializers.Serializer | None = None
        base = serializers.Serializer
        self.field_methods = [name for name in checks if hasattr(serializer_class, f"validate_{name}")]
        self.validates = serializer_class.validate is not base.validate

    def validate(self, frame: dict) -> dict | None:
        data = {}
        for name, check in self.checks.items():
            value = check(frame.get(name, empty))
            if value is UNSURE:
                return None
            if value is not OMIT:
                data[name] = value
        if self.field_methods or self.validates:
            return self._serializer_methods(data)
        return data

    def _serializer_methods(self, data: dict) -> dict | None:
        """Run the serializer's validate_<field>() and validate() on the data; any exception: let DRF decide."""
        try:
            if self.probe is None:
                self.probe = self.serializer_class()
            for name in self.field_methods:
                if name in data:
                    data[name] = getattr(self.probe, f"validate_{name}")(data[name])
            return self.probe.validate(data) if self.validates else data
        except Exception:
            return None


_plans: dict[type, _FastSerializer | None] = {}


def _plan(serializer_class: type[serializers.Serializer]) -> _FastSerializer | None:
    if serializer_class not in _plans:
        checks: dict[str, Check] = {}
        _plans[serializer_class] = None
        if getattr(getattr(serializer_class, "Meta", None), "validators", None):
            return None  # validators of the serializer's own: DRF runs them
        for name, field in serializer_class().fields.items():
            check = _field_check(field)
            if check is None or field.source != name or field.read_only:
                break
            checks[name] = check
        else:
            _plans[serializer_class] = _FastSerializer(serializer_class, checks)
    return _plans[serializer_class]


def _field_check(field: serializers.Field) -> Check | None:
    """A fast check with the field's own rules, or None for a field it does not know."""
    if type(field) is StrictIntegerField:
        expected = _validator_types(field, ())
        value_check = _integer_check(field)
    elif type(field) is StrictCharField:
        expected = _validator_types(field, (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator))
        value_check = _string_check(field)
    elif type(field) is serializers.ListField and type(field.child) is StrictIntegerField:
        child = _integer_check(field.child)
        if child is None or not _validators_are(field.child, _validator_types(field.child, ())):
            return None
        expected = _validator_types(field, ())
        value_check = _list_check(field, child)
    else:
        return None
    if value_check is None or not _validators_are(field, expected):
        return None
    return _with_empty_values(field, value_check)


def _validator_types(field, extra: tuple) -> list[type]:
    """The validators DRF gives a field of this kind with these options (in its order)."""
    kinds: list[type] = []
    if isinstance(field, serializers.IntegerField):
        kinds += [MaxValueValidator] * (field.max_value is not None)
        kinds += [MinValueValidator] * (field.min_value is not None)
    else:
        kinds += [MaxLengthValidator] * (field.max_length is not None)
        kinds += [MinLengthValidator] * (field.min_length is not None)
    return kinds + list(extra)


def _validators_are(field, kinds: list[type]) -> bool:
    return [type(v) for v in field.validators] == kinds


def _with_empty_values(field: serializers.Field, check: Check) -> Check:
    """Missing and null values as Field.validate_empty_values treats them (partial updates are not frames)."""
    required, allow_null = field.required, field.allow_null

    def checked(value):
        if value is empty:
            if required:
                return UNSURE
            try:
                return field.get_default()
            except SkipField:
                return OMIT
        if value is None:
            return None if allow_null else UNSURE
        return check(value)

    return checked


def _integer_check(field: serializers.IntegerField) -> Check | None:
    low, high = field.min_value, field.max_value
    if not all(bound is None or type(bound) is int for bound in (low, high)):
        return None

    def check(value):
        # Strict: an int and nothing else (type() excludes bool); IntegerField keeps it as is.
        if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
            return UNSURE
        return value

    return check


def _string_check(field: serializers.CharField) -> Check | None:
    trim, allow_blank = field.trim_whitespace, field.allow_blank
    low, high = field.min_length, field.max_length

    def check(value):
        if type(value) is not str:
            return UNSURE
        text = value.strip() if trim else value
        if not value or not text:  # CharField.run_validation: blank
            return "" if allow_blank else UNSURE
        if (high is not None and len(text) > high) or (low is not None and len(text) < low) or "\x00" in text:
            return UNSURE
        if not text.isascii():
            try:
                text.encode("utf-8")  # fails exactly on surrogate code points, which DRF refuses
            except UnicodeEncodeError:
                return UNSURE
        return text

    return check


def _list_check(field: serializers.ListField, child: Check) -> Check:
    allow_empty, low, high = field.allow_empty, field.min_length, field.max_length

    def check(value):
        if type(value) is not list:
            return UNSURE
        count = len(value)
        if (not allow_empty and not count) or (high is not None and count > high) or (low is not None and count < low):
            return UNSURE
        items = [child(item) for item in value]
        return UNSURE if any(item is UNSURE for item in items) else items

    return check
