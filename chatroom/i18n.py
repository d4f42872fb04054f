"""
The two languages (README, "Languages"): the page's JavaScript catalog, versioned and cached by
language; the language of a WebSocket, which no middleware sets; the switcher's choices.

The language of an HTTP request is Django's LocaleMiddleware's (the django_language cookie,
else Accept-Language); accounts.middleware applies a signed-in user's own choice.
"""

import hashlib
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_info
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header
from django.views.decorators.http import etag
from django.views.i18n import JavaScriptCatalog

CATALOG_MAX_AGE = 365 * 24 * 3600


@cache
def catalog_version() -> str:
    """
    A digest of the compiled catalogues: part of the catalog's URL and its ETag, so that a browser
    keeps it for a year and fetches the new one after a deployment changed the translations.
    """
    digest = hashlib.sha256()
    for directory in settings.LOCALE_PATHS:
        for path in sorted(Path(directory).glob("*/LC_MESSAGES/*.mo")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _catalog_etag(request: HttpRequest, lang: str) -> str:
    return f"{lang}-{catalog_version()}"


class LanguageCatalog(JavaScriptCatalog):
    """
    Django's JavaScript catalog for the language in the URL (/jsi18n/<lang>/), not the request's:
    one URL per language, so that no cache (the browser's, a proxy's) can hand a page the
    catalogue of another language. Only the project's own strings (LOCALE_PATHS; `packages`
    names an app without a locale folder so that Django's apps' catalogues stay out).
    """

    packages = ["chatroom"]

    def get(self, request, *args, lang: str, **kwargs):
        if lang not in dict(settings.LANGUAGES):
            raise Http404("No such language.")
        with translation.override(lang):
            response = super().get(request, *args, **kwargs)
        if request.GET.get("v") == catalog_version():
            patch_cache_control(response, public=True, max_age=CATALOG_MAX_AGE, immutable=True)
        else:  # an old page's version: answer, but do not keep it for long
            patch_cache_control(response, public=True, max_age=300)
        return response


javascript_catalog = etag(_catalog_etag)(LanguageCatalog.as_view())


def language_from_scope(scope: dict) -> str:
    """
    The language of a WebSocket connection, as LocaleMiddleware would choose it for a request
    with its headers: the django_language cookie, else Accept-Language, else LANGUAGE_CODE.
    """
    headers = dict(scope.get("headers") or ())
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed Cookie header: as if there were none
        cookie = SimpleCookie()
    chosen = cookie.get(settings.LANGUAGE_COOKIE_NAME)
    candidates = [chosen.value] if chosen else []
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept) if code != "*"]
    for code in candidates:
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def languages(request: HttpRequest) -> dict:
    """Template context: the switcher's choices (each in its own language) and the catalog's version."""
    return {
        "language_choices": [
            {"code": code, "name": get_language_info(code)["name_local"]} for code, _name in settings.LANGUAGES
        ],
        "js_catalog_version": catalog_version(),
    }
