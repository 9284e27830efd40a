# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Captchas: the widget a form carries, and the server-side verification a handler makes.

Providers: ``turnstile`` (Cloudflare), ``hcaptcha``, ``recaptcha`` (v2 checkbox or invisible, and v3).
A widget is an element with the provider's class inside the form (``cf-turnstile``, ``h-captcha``,
``g-recaptcha``), or a script on the page that renders or executes one (``turnstile.render``,
``grecaptcha.execute`` for v3...). A verification is the provider's siteverify URL in a PHP string
(not in a comment), or Google's ``ReCaptcha\\ReCaptcha`` client: reading ``$_POST['cf-turnstile-response']``
alone verifies nothing.
"""

from __future__ import annotations

import re

TURNSTILE = "turnstile"
HCAPTCHA = "hcaptcha"
RECAPTCHA = "recaptcha"

_WIDGET_CLASS = re.compile(
    r"""\bclass\s*=\s*["']?[^"'>]*?(?<![\w-])(cf-turnstile|h-captcha|g-recaptcha)(?![\w-])""", re.IGNORECASE
)
_CLASS_PROVIDER = {"cf-turnstile": TURNSTILE, "h-captcha": HCAPTCHA, "g-recaptcha": RECAPTCHA}
_PAGE_SCRIPT = re.compile(r"\b(turnstile|hcaptcha|grecaptcha)\s*\.\s*(?:enterprise\s*\.\s*)?(?:render|execute)\s*\(")
# reCAPTCHA v3 loads api.js with its site key (render=explicit is v2's explicit rendering, which a
# grecaptcha.render call then shows).
_V3_LOADER = re.compile(r"recaptcha/(?:api|enterprise)\.js\?(?:[^\s\"'>]*&(?:amp;)?)?render=(?!explicit\b|onload\b)[\w-]+",
                        re.IGNORECASE)
# The hidden field a widget-less integration fills before submitting.
_TOKEN_FIELD = re.compile(
    r"""<input\b(?=[^>]*\btype\s*=\s*["']?hidden\b)[^>]*\bname\s*=\s*["']?"""
    r"""(g-recaptcha-response|h-captcha-response|cf-turnstile-response)["'\s>]""",
    re.IGNORECASE)
_FIELD_PROVIDER = {"g-recaptcha-response": RECAPTCHA, "h-captcha-response": HCAPTCHA,
                   "cf-turnstile-response": TURNSTILE}
_SCRIPT_PROVIDER = {"turnstile": TURNSTILE, "hcaptcha": HCAPTCHA, "grecaptcha": RECAPTCHA}
_VERIFY_URL = re.compile(
    r"challenges\.cloudflare\.com/turnstile/v\d+/siteverify"
    r"|(hcaptcha\.com/siteverify)"
    r"|((?:google\.com|recaptcha\.net)/recaptcha/api/siteverify)",
    re.IGNORECASE,
)
_GENERIC_VERIFY = re.compile(r"/siteverify\b", re.IGNORECASE)
_RECAPTCHA_CLIENT = re.compile(r"\bnew\s+\\?ReCaptcha\\ReCaptcha\s*\(", re.IGNORECASE)


def widget_in(markup):
    """The provider of the first widget element in a piece of markup (a form's body), or None."""
    match = _WIDGET_CLASS.search(markup)
    if match:
        return _CLASS_PROVIDER[match.group(1).lower()]
    match = _TOKEN_FIELD.search(markup)
    return _FIELD_PROVIDER[match.group(1).lower()] if match else None


def page_widget(markup, scripts=()):
    """The provider whose widget a page renders or executes without a widget element (reCAPTCHA v3,
    invisible hCaptcha, explicit Turnstile), in its markup or in the texts of the scripts it loads, or None."""
    for text in (markup,) + tuple(scripts):
        match = _PAGE_SCRIPT.search(text)
        if match:
            return _SCRIPT_PROVIDER[match.group(1).lower()]
    return RECAPTCHA if _V3_LOADER.search(markup) else None


def verification(source):
    """How a PHP source verifies a token server-side: ``(provider, line)``; provider ``"unknown"`` for a
    siteverify URL of no known provider (a proxy, a test server); None when it verifies nothing."""
    for literal in source.strings:
        match = _VERIFY_URL.search(literal.value)
        if match:
            provider = HCAPTCHA if match.group(1) else RECAPTCHA if match.group(2) else TURNSTILE
            return provider, source.line_of(literal.offset)
    match = _RECAPTCHA_CLIENT.search(source.code)
    if match:
        return RECAPTCHA, source.line_of(match.start())
    for literal in source.strings:
        if _GENERIC_VERIFY.search(literal.value):
            return "unknown", source.line_of(literal.offset)
    return None
