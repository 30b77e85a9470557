"""Language negotiation that honours the browser on unprefixed URLs.

Django's LocaleMiddleware, with `i18n_patterns(prefix_default_language=False)`, serves
every unprefixed URL in LANGUAGE_CODE and ignores the browser's Accept-Language. We
want a Spanish browser that opens /admin/ to get Spanish pages, as Moodle does, while
English keeps its short URLs: such a browser is redirected to /es/admin/. The
language cookie (set by /i18n/setlang/) wins over Accept-Language, so a person can
still choose English.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import get_script_prefix, is_valid_path
from django.utils import translation
from django.utils.cache import patch_vary_headers


class BrowserLocaleMiddleware(LocaleMiddleware):
    """A language in the URL wins; else the cookie, Accept-Language, LANGUAGE_CODE."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        i18n_patterns_used, prefixed_default = is_language_prefix_patterns_used(urlconf)
        from_path = translation.get_language_from_path(request.path_info)
        if from_path or not i18n_patterns_used or prefixed_default:
            return super().process_request(request)

        wanted = translation.get_language_from_request(request, check_path=False)
        language = settings.LANGUAGE_CODE
        if wanted != language and request.method in ("GET", "HEAD"):
            with translation.override(wanted):  # the prefix resolves per language
                valid = is_valid_path(f"/{wanted}{request.path_info}", urlconf)
            if valid:
                script_prefix = get_script_prefix()
                url = request.get_full_path().replace(
                    script_prefix, f"{script_prefix}{wanted}/", 1
                )
                redirect = self.response_redirect_class(url)
                patch_vary_headers(redirect, ("Accept-Language", "Cookie"))
                return redirect
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
