"""URL converters."""


class IdConverter:
    """A database id: at most 18 digits, so that it always fits a 64-bit column (a bigger one is a 404, not a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
