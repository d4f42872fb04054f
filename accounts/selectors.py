"""Reads about users: whether a name is taken, whether a credential was revoked."""

from accounts.models import User, username_key


def username_taken(*, username: str) -> bool:
    """Whether another user has this name, regardless of case and width (accounts.models.username_key)."""
    return User.objects.filter(username_key=username_key(username)).exists()


def credential_revoked(*, user: User, issued_at: float | None) -> bool:
    """
    Whether a token or ticket issued at `issued_at` (POSIX time) was revoked
    by the user's later deactivation or password change. A JWT's `iat` is in
    whole seconds, so for one the comparison is too: a token issued within the
    second of the change is still accepted.
    """
    if user.tokens_valid_after is None:
        return False
    if issued_at is None:
        return True
    valid_after = user.tokens_valid_after.timestamp()
    if isinstance(issued_at, int):
        valid_after = int(valid_after)
    return issued_at < valid_after
