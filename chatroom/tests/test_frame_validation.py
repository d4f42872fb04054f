"""
chatroom.frame_validation: a frame's validated data and refusals are exactly
its DRF serializer's, while a plainly valid frame skips the serializer.
"""

import itertools
import random

import pytest
from rest_framework import serializers

from chatroom.exceptions import Invalid
from chatroom.fields import StrictCharField, StrictIntegerField
from chatroom.frame_validation import _plan, validate_frame
from messaging.consumers import CLIENT_FRAMES
from messaging.serializers import MessageSendFrameSerializer, ReactionFrameSerializer, RoomFrameSerializer


class AttachmentsFrameSerializer(serializers.Serializer):
    """A send with attachments as PROTOCOL.md version 2 shapes them: at most 10 ids, and a body or attachments."""

    room = StrictIntegerField(min_value=1)
    body = StrictCharField(max_length=20, allow_blank=True, required=False, default="")
    attachments = serializers.ListField(
        child=StrictIntegerField(min_value=1), max_length=10, required=False, default=list
    )

    def validate(self, attrs):
        if not attrs["body"] and not attrs["attachments"]:
            raise serializers.ValidationError({"body": ["A message needs a body or attachments."]})
        return attrs


class UppercaseSerializer(serializers.Serializer):
    name = StrictCharField(max_length=10)

    def validate_name(self, value):
        return value.upper()


FRAME_SERIALIZERS = sorted(
    {kind.serializer for kind in CLIENT_FRAMES.values() if kind.serializer is not None}
    | {AttachmentsFrameSerializer, UppercaseSerializer},
    key=lambda cls: cls.__name__,
)

# Values that cross every rule the frame fields have: types, nulls, bounds, blank, trimming,
# lengths, NUL and surrogate characters, lists and their items.
VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    7,
    2**63 - 1,
    2**63,
    1.0,
    "1",
    "",
    " ",
    "\u3000",
    "hi",
    "  padded  ",
    "x" * 20,
    "x" * 21,
    " " + "x" * 20 + " ",
    "x" * 64,
    "x" * 65,
    "y" * 4000,
    "y" * 4001,
    "a\x00b",
    "a\ud800b",
    "你好 😀",
    "❤️",
    [],
    [1],
    [1, 2, 3],
    list(range(1, 11)),
    list(range(1, 12)),
    [0],
    [True],
    ["1"],
    [None],
    {},
    {"a": 1},
]
MISSING = object()


def frames_for(serializer_class, count: int = 1500):
    """Frames over the serializer's fields (and one unknown key): every field alone over VALUES, then random mixes."""
    names = [*serializer_class().fields, "type"]
    rng = random.Random(serializer_class.__name__)
    valid = {name: _a_valid_value(field) for name, field in serializer_class().fields.items()}
    for name, value in itertools.product(names, [*VALUES, MISSING]):
        frame = dict(valid, type="x")
        if value is MISSING:
            frame.pop(name, None)
        else:
            frame[name] = value
        yield frame
    for _ in range(count):
        frame = {"type": "x"}
        for name in names:
            value = rng.choice([*VALUES, MISSING, MISSING, valid.get(name, MISSING)])
            if value is not MISSING:
                frame[name] = value
        yield frame


def _a_valid_value(field):
    if isinstance(field, serializers.ListField):
        return [1, 2]
    if isinstance(field, serializers.IntegerField):
        return 3
    return "👍" if "emoji" in field.field_name else "hello"


def drf(serializer_class, frame):
    serializer = serializer_class(data=frame)
    if serializer.is_valid():
        return "valid", dict(serializer.validated_data)
    return "invalid", serializer.errors


def ours(serializer_class, frame):
    try:
        return "valid", dict(validate_frame(serializer_class, frame))
    except Invalid as error:
        return "invalid", error.fields


@pytest.mark.parametrize("serializer_class", FRAME_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_every_frame_is_judged_as_its_serializer_judges_it(serializer_class):
    outcomes = set()
    for frame in frames_for(serializer_class):
        expected = drf(serializer_class, frame)
        assert ours(serializer_class, frame) == expected, frame
        outcomes.add(expected[0])
    assert outcomes == {"valid", "invalid"}


def test_the_send_frame_and_its_refusals_keep_their_messages():
    with pytest.raises(Invalid) as refused:
        validate_frame(MessageSendFrameSerializer, {"room": 0, "body": "x", "reply_to": True})
    assert refused.value.fields == {
        "room": ["Ensure this value is greater than or equal to 1."],
        "reply_to": ["A valid integer is required."],
    }
    with pytest.raises(Invalid) as refused:  # the serializer's own validate(): a body or attachments
        validate_frame(MessageSendFrameSerializer, {"room": 1, "body": "   "})
    assert refused.value.fields == {"body": ["This field may not be blank."]}
    with pytest.raises(Invalid) as refused:  # and its validate_attachments()
        validate_frame(MessageSendFrameSerializer, {"room": 1, "attachments": [4, 4]})
    assert refused.value.fields == {"attachments": ["An attachment is listed twice."]}
    data = validate_frame(MessageSendFrameSerializer, {"type": "message.send", "room": 5, "body": " hi "})
    assert data == {"room": 5, "body": "hi", "client_id": None, "reply_to": None, "attachments": []}
    assert validate_frame(MessageSendFrameSerializer, {"room": 5, "attachments": [3, 1]})["attachments"] == [3, 1]


def test_a_plainly_valid_frame_skips_the_serializer(monkeypatch):
    def no_serializer(self, *args, **kwargs):
        raise AssertionError("the serializer ran")

    validate_frame(MessageSendFrameSerializer, {"room": 1, "body": "warm up"})  # the plan reads the fields once
    monkeypatch.setattr(MessageSendFrameSerializer, "__init__", no_serializer)
    frame = {"room": 1, "body": "hello", "client_id": "c1", "reply_to": 9, "attachments": [7]}
    assert validate_frame(MessageSendFrameSerializer, frame) == {
        "room": 1,
        "body": "hello",
        "client_id": "c1",
        "reply_to": 9,
        "attachments": [7],
    }
    with pytest.raises(AssertionError, match="the serializer ran"):  # anything doubtful goes to DRF
        validate_frame(MessageSendFrameSerializer, {"room": 1, "body": "x", "reply_to": "9"})


def test_serializers_it_cannot_read_are_run_by_drf():
    # EmojiField normalises its value: a field type of its own, so the whole serializer goes through DRF.
    assert _plan(ReactionFrameSerializer) is None
    assert _plan(RoomFrameSerializer) is not None
    assert validate_frame(ReactionFrameSerializer, {"room": 1, "message_id": 2, "emoji": "❤"})["emoji"] == "❤️"

    class WithValidator(serializers.Serializer):
        name = StrictCharField(validators=[lambda value: None])

    class WithMetaValidators(serializers.Serializer):
        name = StrictCharField()

        class Meta:
            validators = [lambda attrs: None]

    assert _plan(WithValidator) is None
    assert _plan(WithMetaValidators) is None
    assert _plan(AttachmentsFrameSerializer) is not None
