# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit of a document root: walk it once, run each rule family, link forms to their handlers.

A script "sends mail" when it calls a mail API itself or includes (``require __DIR__ . '/x.php'``,
transitively) a file that does. A handler "verifies a Captcha" when it, or a file it includes, calls a
siteverify URL, or when the nearest ``.user.ini`` prepends a guard (``auto_prepend_file``) that lists it.
Files are read as UTF-8 (invalid bytes replaced); only files whose text can matter are parsed.
"""

from __future__ import annotations

import os
import posixpath
import re

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import (
    captcha,
    findings,
    forms,
    php_lint,
    php_source,
    sending,
    smtp,
    walker,
)

# A file with none of these words cannot match any rule but the include graph and the syntax check.
_WORTH_PARSING = re.compile(r"mail|smtp|<form|captcha|turnstile|siteverify|admin_post|wp_ajax", re.IGNORECASE)
_INCLUDES_SOMETHING = re.compile(r"\b(?:include|require)", re.IGNORECASE)
_INCLUDE = re.compile(r"\b(?:include|require)(?:_once)?\b", re.IGNORECASE)
_INCLUDE_BASE = re.compile(r"^[\s().]*(?:__DIR__|dirname\s*\(\s*__FILE__\s*\))?[\s().]*$", re.IGNORECASE)
_STATEMENT_END = re.compile(r";|\?>")
_MAX_INCLUDE_DEPTH = 6


def run_audit(path, exclude=(), max_file_size=None, php=None):
    """Audit ``path``; ``php`` is the PHP binary for the syntax check (None: no check)."""
    return _Audit(path, exclude, max_file_size, php).run()


_NOT_YET = object()


class _Script(object):
    """What the rules learnt of one parsed PHP or HTML file."""

    __slots__ = ("source", "calls", "includes", "is_php", "_verification")

    def __init__(self, source, is_php):
        self.source = source
        self.is_php = is_php
        self.calls = sending.mail_calls(source) if is_php else []
        self.includes = None
        self._verification = _NOT_YET

    @property
    def verification(self):
        """How this script verifies a Captcha token (``captcha.verification``), looked for when first asked:
        only the files a form handler or a prepended guard reaches need it."""
        if self._verification is _NOT_YET:
            self._verification = captcha.verification(self.source) if self.is_php else None
        return self._verification


class _Audit(object):
    def __init__(self, path, exclude, max_file_size, php):
        self.root = os.path.realpath(path)
        self.exclude = list(exclude or [])
        self.max_file_size = max_file_size
        self.php = php
        self.findings = []
        self.texts = {}        # relative -> text, for PHP files parsed only when the include graph needs them
        self.scripts = {}      # relative -> _Script
        self.kinds = {}        # relative -> walker kind
        self.paths = {}        # relative -> path on disk
        self.user_inis = {}    # directory relative to root -> auto_prepend_file value (None: not set)
        self.hooks = {}        # WordPress action -> files hooking it
        self.closures = {}     # relative -> the files it includes, transitively (see _closure)
        self.verifications = {}  # (entry, handler) -> what _verification found
        self.unreadable = []

    def run(self):
        files, skipped = walker.walk(self.root, self.exclude, self.max_file_size)
        for walked in files:
            self.kinds[walked.relative] = walked.kind
            self.paths[walked.relative] = walked.path
            self._read(walked)
        mail_scripts = self._mail_scripts()
        form_records = self._forms()
        lint_ran = self._lint(set(mail_scripts) | set(record["handler"] for record in form_records
                                                      if record["handler"]))
        self.findings.sort(key=findings.sort_key)
        return {
            "findings": self.findings,
            "summary": findings.summarize(self.findings),
            "mail_scripts": mail_scripts,
            "forms": form_records,
            "files_scanned": len(files),
            "skipped": sorted(skipped + self.unreadable, key=lambda item: item["file"]),
            "php_lint": lint_ran,
        }

    # reading -------------------------------------------------------------------------------------------
    def _read(self, walked):
        try:
            with open(walked.path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except (IOError, OSError) as error:
            self.unreadable.append({"file": walked.relative, "reason": "unreadable: %s" % error.strerror})
            return
        relative = walked.relative
        if walked.kind == walker.ENV:
            self.findings.extend(smtp.env_findings(relative, text))
        elif walked.kind == walker.USER_INI:
            self.user_inis[posixpath.dirname(relative)] = php_source.prepend_setting(text)
        elif walked.kind == walker.HTML:
            if "<form" in text.lower():
                self.scripts[relative] = _Script(php_source.parse_html(text), is_php=False)
        elif _WORTH_PARSING.search(text):
            self._parse_php(relative, text)
        elif _INCLUDES_SOMETHING.search(text):
            self.texts[relative] = text

    def _parse_php(self, relative, text):
        script = _Script(php_source.parse_php(text), is_php=True)
        self.scripts[relative] = script
        self.findings.extend(sending.mail_send_findings(relative, script.calls))
        self.findings.extend(smtp.php_findings(relative, script.source))
        for literal in script.source.strings:
            action = forms.wordpress_hook_action(literal.value)
            if action:
                self.hooks.setdefault(action, [])
                if relative not in self.hooks[action]:
                    self.hooks[action].append(relative)
        return script

    def _script(self, relative):
        """The parsed PHP file at ``relative`` (parsed now if only its text was kept), or None."""
        if relative in self.scripts:
            return self.scripts[relative]
        if relative in self.texts:
            return self._parse_php(relative, self.texts.pop(relative))
        return None

    # the include graph ---------------------------------------------------------------------------------
    def _includes(self, relative):
        script = self._script(relative)
        if script is None or not script.is_php:
            return []
        if script.includes is None:
            script.includes = self._resolve_includes(relative, script.source)
        return script.includes

    def _resolve_includes(self, relative, source):
        targets = []
        code = source.code
        for match in _INCLUDE.finditer(code):
            end_match = _STATEMENT_END.search(code, match.end())
            end = end_match.start() if end_match else len(code)
            literal = source.next_string(match.end(), end)
            if literal is None or literal.value.startswith(("http:", "https:")):
                continue
            rest = code[match.end():literal.offset] + code[literal.offset + len(literal.raw) + 2:end]
            if not _INCLUDE_BASE.match(rest):
                continue
            directory = posixpath.dirname(relative)
            for base in (directory, ""):
                target = posixpath.normpath(posixpath.join(base, literal.value.lstrip("/")))
                if target in self.kinds and target not in targets:
                    targets.append(target)
                    break
        return targets

    def _closure(self, relative):
        """``relative`` and every file it includes, transitively (bounded), in discovery order; computed
        once per file, as every form posting to a handler, and every form a guard covers, asks again."""
        if relative in self.closures:
            return self.closures[relative]
        seen = [relative]
        frontier = [relative]
        for _depth in range(_MAX_INCLUDE_DEPTH):
            next_frontier = []
            for current in frontier:
                for target in self._includes(current):
                    if target not in seen:
                        seen.append(target)
                        next_frontier.append(target)
            frontier = next_frontier
        self.closures[relative] = seen
        return seen

    def _mail_evidence(self, relative):
        """The first mail call reachable from ``relative``: ``(file, MailCall)`` or None."""
        for current in self._closure(relative):
            script = self._script(current)
            if script is not None and script.calls:
                return current, script.calls[0]
        return None

    def _mail_scripts(self):
        """Scripts that send mail themselves or through what they include, sorted."""
        direct = sorted(relative for relative, script in self.scripts.items() if script.calls)
        sending_set = set(direct)
        frontier = direct
        for _depth in range(_MAX_INCLUDE_DEPTH):
            if not frontier:
                break
            # A file kept unparsed is parsed only when it names a file of the frontier; a parsed script's
            # includes are resolved once and cached, cheaper than searching its text at every depth.
            names = re.compile("|".join(re.escape(posixpath.basename(name)) for name in frontier))
            candidates = [relative for relative, text in self.texts.items() if names.search(text)]
            candidates += [relative for relative, script in self.scripts.items()
                           if script.is_php and relative not in sending_set]
            frontier = []
            for relative in candidates:
                if relative not in sending_set and sending_set.intersection(self._includes(relative)):
                    sending_set.add(relative)
                    frontier.append(relative)
        return sorted(sending_set)

    # forms ---------------------------------------------------------------------------------------------
    def _verification(self, entry, handler):
        """How ``handler``, a file it includes or a guard prepended to ``entry`` verifies a token:
        ``(provider, how)`` or None; looked for once, however many forms post to the handler."""
        if (entry, handler) not in self.verifications:
            self.verifications[entry, handler] = self._find_verification(entry, handler)
        return self.verifications[entry, handler]

    def _find_verification(self, entry, handler):
        for current in self._closure(handler):
            script = self._script(current)
            if script is not None and script.verification:
                return script.verification[0], "%s line %d" % (current, script.verification[1])
        return self._prepend_guard(entry) if entry else None

    def _prepend_guard(self, entry):
        """The guard the nearest ``.user.ini`` prepends to ``entry``, when it verifies and lists it."""
        directory = posixpath.dirname(entry)
        while True:
            if directory in self.user_inis:
                value = self.user_inis[directory]
                if not value or value.lower() == "none":
                    return None
                prepend = self._relative(value, directory)
                if prepend is None:
                    return None
                listed = False
                verification = None
                for current in self._closure(prepend):
                    script = self._script(current)
                    if script is None:
                        continue
                    verification = verification or script.verification
                    listed = listed or any(
                        literal.value == entry or literal.value.endswith("/" + entry)
                        for literal in script.source.strings
                    )
                if verification and listed:
                    return verification[0], "auto_prepend_file %s (%s/.user.ini)" % (prepend, directory or ".")
                return None
            if not directory:
                return None
            directory = posixpath.dirname(directory)

    def _relative(self, value, directory):
        if os.path.isabs(value):
            real = os.path.realpath(value)
            if real.startswith(self.root + os.sep):
                return os.path.relpath(real, self.root).replace(os.sep, "/")
            return None
        target = posixpath.normpath(posixpath.join(directory, value))
        return None if target.startswith("..") else target

    def _forms(self):
        records = []
        missing_check = {}
        known = set(self.kinds)
        for relative in sorted(self.scripts):
            script = self.scripts[relative]
            if "<form" not in script.source.markup.lower():
                continue
            page_widget = captcha.page_widget(script.source.markup)
            for form in forms.forms_in(script.source.markup):
                records.append(self._form(relative, script, form, page_widget, known, missing_check))
        for handler in sorted(missing_check):
            evidence_file, call = missing_check[handler]
            where = "" if evidence_file == handler else " (in %s, line %d)" % (evidence_file, call.line)
            line = call.line if evidence_file == handler else 1
            self.findings.append(findings.finding(
                findings.HANDLER_MISSING_CAPTCHA_CHECK, handler, line,
                "a form posts here and this script sends mail with %s%s without verifying a Captcha token "
                "server-side: call the provider's siteverify before sending, or deploy the form_captcha "
                "guard (mode enforce)" % (call.api, where),
            ))
        return records

    def _form(self, relative, script, form, page_widget, known, missing_check):
        source = script.source
        line = source.line_of(form.offset)
        kind, target = forms.resolve(relative, form.action, known)
        entry = target if kind in (forms.SELF, forms.FILE) else None
        if kind == forms.WORDPRESS:
            handlers = list(self.hooks.get(form.wordpress_action or "", []))
        elif entry and self.kinds.get(entry) == walker.PHP:
            handlers = [entry]
        else:
            handlers = []
        evidence = None
        handler = None
        for candidate in handlers:
            evidence = self._mail_evidence(candidate)
            if evidence:
                handler = candidate
                break
        widget = captcha.widget_in(form.body) or page_widget
        record = {
            "file": relative,
            "line": line,
            "method": form.method,
            "action": self._original_action(source, form),
            "posts_to": target if kind != forms.WORDPRESS else "%s (action %s)" % (target, form.wordpress_action),
            "resolution": kind,
            "handler": handler,
            "sends_mail": evidence is not None,
            "captcha": widget,
            "verified_by": None,
        }
        if evidence is None:
            return record
        evidence_file, call = evidence
        verification = self._verification(entry, handler)
        if verification:
            record["verified_by"] = verification[0]
        else:
            missing_check.setdefault(handler, evidence)
        if widget and verification:
            status = "protected by a %s widget, verified by %s" % (widget, verification[1])
        else:
            status = "it needs a Captcha widget on the form and its verification in the handler"
        self.findings.append(findings.finding(
            findings.FORM_SENDS_MAIL, relative, line,
            "this form (%s) posts to %s, which sends mail with %s (%s line %d): %s"
            % (form.method.upper(), record["posts_to"], call.api, evidence_file, call.line, status),
            handler=handler,
        ))
        if not widget:
            self.findings.append(findings.finding(
                findings.FORM_MISSING_CAPTCHA, relative, line,
                "this form posts to %s, which sends mail, and carries no Captcha widget: add a Turnstile, "
                "hCaptcha or reCAPTCHA widget (the form_captcha role renders the snippet)" % record["posts_to"],
                handler=handler,
            ))
        elif verification and verification[0] not in (widget, "unknown"):
            self.findings.append(findings.finding(
                findings.CAPTCHA_PROVIDER_MISMATCH, relative, line,
                "this form carries a %s widget but %s verifies %s tokens (%s): use one provider on both sides"
                % (widget, handler, verification[0], verification[1]),
                handler=handler,
            ))
        return record

    @staticmethod
    def _original_action(source, form):
        """The action as written in the file (PHP included), for the report."""
        if form.action is None:
            return None
        # The opening tag in the text, where the markup has the PHP blanked: "<form" ... ">".
        written = forms.attributes(source.text[form.offset + len("<form"):form.tag_end - 1]).get("action")
        return form.action if written is None else written

    # syntax ----------------------------------------------------------------------------------------------
    def _lint(self, important):
        if not self.php:
            return False
        # A symbolic link inside the root gives a second name to a file: PHP reads it once, under each
        # name it is reported.
        relatives_of = {}
        for relative, kind in self.kinds.items():
            if kind == walker.PHP:
                relatives_of.setdefault(self.paths[relative], []).append(relative)
        errors = php_lint.parse_all(self.php, sorted(relatives_of),
                                    compile_also=sorted(set(self.paths[relative] for relative in important)))
        for path, (line, message) in errors.items():
            for relative in relatives_of[path]:
                self.findings.append(php_lint.syntax_findings(relative, line, message))
        return True
