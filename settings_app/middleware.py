"""Language negotiation that honours the browser on unprefixed URLs.

Django's LocaleMiddleware, with `i18n_patterns(prefix_default_language=False)`, serves
every unprefixed URL in LANGUAGE_CODE and ignores Accept-Language. We want a Spanish
browser to get Spanish pages at /admin/ as Moodle does, while /es/... keeps working.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class BrowserLocaleMiddleware(LocaleMiddleware):
    """The URL's language prefix wins; otherwise the language cookie, then the
    browser's Accept-Language, then LANGUAGE_CODE."""

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_path(
            request.path_info
        ) or translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
