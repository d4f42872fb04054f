"""The OpenAPI schema's view of the project's own authentication classes (drf-spectacular)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class RevocableJWTScheme(SimpleJWTScheme):
    """accounts.authentication.JWTAuthentication is simplejwt's bearer scheme, with revocation: documented alike."""

    target_class = "accounts.authentication.JWTAuthentication"
