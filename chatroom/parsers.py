"""Request body parsers of the REST API (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of the API nests deeper than a few levels; anything past this is refused.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` deep; iterative, so any depth is safe to check."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """
    DRF's JSON parser, with deep nesting refused as a parse error (400). The
    standard library's parser recurses once per level: 1,000 levels (a 2 KB
    body) raise RecursionError, which would otherwise be a 500 on every JSON
    endpoint, unauthenticated ones included. Less deep but still absurd nesting
    is refused too, before any serializer walks it. (The body's size is
    bounded before it is read: DRF reads it through HttpRequest.body, which
    refuses a declared length over DATA_UPLOAD_MAX_MEMORY_SIZE; chatroom.exceptions
    answers that 413.)
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(
                _("JSON parse error - nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
            )
        return data
