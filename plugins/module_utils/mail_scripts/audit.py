# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit of a document root: walk it once, run each rule family (one per file of this package), link forms to
their handlers.

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
    includes,
    javascript,
    php_lint,
    php_source,
    sending,
    smtp,
    symbols,
    walker,
)

# A file with none of these words cannot match any rule but the include graph and the syntax check.
_WORTH_PARSING = re.compile(r"mail|smtp|<form|captcha|turnstile|siteverify|admin_post|wp_ajax", re.IGNORECASE)
# A file without these can still send through what it includes, a class it uses or a constant it defines.
_INCLUDES_SOMETHING = re.compile(r"\b(?:include|require)|\bnew\s|::|\bdefine\s*\(", re.IGNORECASE)
_MAX_INCLUDE_DEPTH = 6
# Steps from a mail call to the entry script: include, class, subclass, wrapper function...
_MAX_REACH_DEPTH = 12


def run_audit(path, exclude=(), max_file_size=None, php=None, site_path=None):
    """Audit ``path``; ``php`` is the PHP binary for the syntax check (None: no check)."""
    return _Audit(path, exclude, max_file_size, php, site_path).run()


_NOT_YET = object()


class _Script(object):
    """What the rules learnt of one parsed PHP or HTML file."""

    __slots__ = ("source", "calls", "includes", "units", "is_php", "_verification")

    def __init__(self, source, is_php):
        self.source = source
        self.is_php = is_php
        self.calls = sending.mail_calls(source) if is_php else []
        self.includes = None
        self.units = None
        self._verification = _NOT_YET

    @property
    def verification(self):
        """How this script verifies a Captcha token (``captcha.verification``), looked for when first asked:
        only the files a form handler or a prepended guard reaches need it."""
        if self._verification is _NOT_YET:
            self._verification = captcha.verification(self.source) if self.is_php else None
        return self._verification


class _Audit(object):
    def __init__(self, path, exclude, max_file_size, php, site_path=None):
        self.root = os.path.realpath(path)
        # A copy's own path on the hosting: .user.ini names files by it, not by the copy's path.
        self.site_path = posixpath.normpath(site_path) if site_path else None
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
        self.js_texts = {}       # relative -> text of the JavaScript files pages load
        self.constants = None    # constant -> where it is defined (see _constant)
        self.evidence = {}       # relative -> (file, MailCall): the mail call that makes it send
        self.runs_mail = set()   # files whose top level sends: requesting (or including) them sends
        self.sending_units = {}  # ("class"|"function", lower-cased name) -> evidence

    def run(self):
        files, skipped = walker.walk(self.root, self.exclude, self.max_file_size)
        for walked in files:
            self.kinds[walked.relative] = walked.kind
            self.paths[walked.relative] = walked.path
            self._read(walked)
        mail_scripts = self._mail_scripts()
        form_records = self._forms()
        guard_scripts, unguarded = self._guard_targets(form_records)
        lint_ran = self._lint(set(mail_scripts) | set(record["handler"] for record in form_records
                                                      if record["handler"]))
        self.findings.sort(key=findings.sort_key)
        return {
            "findings": self.findings,
            "summary": findings.summarize(self.findings),
            "mail_scripts": mail_scripts,
            "guard_scripts": guard_scripts,
            "unguarded_forms": unguarded,
            "forms": form_records,
            "files_scanned": len(files) - self.js_unread(),
            "not_read": sorted(skipped + self.unreadable, key=lambda item: item["file"]),
            "php_lint": lint_ran,
        }

    # reading -------------------------------------------------------------------------------------------
    def _read(self, walked):
        if walked.kind == walker.JS:
            return
        try:
            with open(walked.path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except (IOError, OSError) as error:
            self.unreadable.append({"file": walked.relative, "reason": "unreadable: %s" % error.strerror})
            return
        relative = walked.relative
        if walked.kind == walker.JS:
            return  # read when a page with a form loads it (_javascript)
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

    def js_unread(self):
        return sum(1 for kind in self.kinds.values() if kind == walker.JS) - len(self.js_texts)

    def _javascript(self, relative, markup):
        """The texts of the scripts the page ``relative`` loads from the root, read once each."""
        texts = []
        known = self.kinds
        for src in javascript.loaded_scripts(markup):
            kind, target = forms.resolve(relative, src, known)
            if kind != forms.FILE or known.get(target) != walker.JS:
                continue
            if target not in self.js_texts:
                try:
                    with open(self.paths[target], "rb") as handle:
                        self.js_texts[target] = handle.read().decode("utf-8", "replace")
                except (IOError, OSError):
                    self.js_texts[target] = ""
            texts.append(self.js_texts[target])
        return texts

    def _script(self, relative):
        """The parsed PHP file at ``relative`` (parsed now if only its text was kept), or None."""
        if relative in self.scripts:
            return self.scripts[relative]
        if relative in self.texts:
            return self._parse_php(relative, self.texts.pop(relative))
        return None

    # the include graph ---------------------------------------------------------------------------------
    def _includes(self, relative):
        """``[(offset, target)]``: the files ``relative`` includes, where it includes them."""
        script = self._script(relative)
        if script is None or not script.is_php:
            return []
        if script.includes is None:
            script.includes = self._resolve_includes(relative, script.source)
        return script.includes

    def _resolve_includes(self, relative, source):
        targets = []
        literals = None
        for offset, start, end in includes.sites(source):
            if literals is None:
                literals = dict((literal.offset, literal) for literal in source.strings)
            found = includes.expression(source, literals, start, end, self._constant)
            if found is None:
                continue
            for target in includes.resolve(relative, *found):
                if target in self.kinds:
                    targets.append((offset, target))
                    break
        return targets

    def _constant(self, name):
        """``(base, path)`` of a constant ``define()``d in some file of the root, or None; the files that
        define constants are looked for once, the first time an include uses one."""
        if self.constants is None:
            self.constants = {}
            for relative in sorted(set(self.scripts) | set(self.texts)):
                text = self.texts.get(relative)
                if text is not None and "define" not in text and "const" not in text:
                    continue
                script = self._script(relative)
                if script is None or not script.is_php:
                    continue
                for constant, (start, end) in includes.definitions(script.source).items():
                    self.constants.setdefault(constant, (relative, script.source, start, end))
        if name not in self.constants:
            return None
        relative, source, start, end = self.constants.pop(name)  # popped: a constant defined by itself ends
        literals = dict((literal.offset, literal) for literal in source.strings)
        found = includes.expression(source, literals, start, end, lambda _name: None)
        value = None
        if found is not None:
            base, path = found
            if base == includes.EITHER:
                value = found
            else:
                resolved = includes.resolve(relative, base, path)
                value = (includes.ROOT, resolved[0] if resolved else None)
            if value[1] is None:
                value = None
        self.constants[name] = (relative, source, start, end)
        return value

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
                for _offset, target in self._includes(current):
                    if target not in seen:
                        seen.append(target)
                        next_frontier.append(target)
            frontier = next_frontier
        self.closures[relative] = seen
        return seen

    # what sends mail ------------------------------------------------------------------------------------
    def _mail_evidence(self, relative):
        """Why requesting ``relative`` sends mail: ``(file, MailCall)`` of the call it ends at, or None."""
        return self.evidence.get(relative) if relative in self.runs_mail else None

    def _units(self, script):
        if script.units is None:
            scopes = symbols.units(script.source.code)
            script.units = (scopes, [scope.start for scope in scopes])
        return script.units

    def _mark(self, relative, script, offset, evidence, new_symbols):
        """The code of ``relative`` at ``offset`` sends mail (``evidence``): its unit does."""
        self.evidence.setdefault(relative, evidence)
        unit = symbols.unit_at(*(self._units(script) + (offset,)))
        if unit is None:
            if relative not in self.runs_mail:
                self.runs_mail.add(relative)
                new_symbols.append(("file", relative))
        elif unit not in self.sending_units:
            self.sending_units[unit] = evidence
            new_symbols.append(unit)

    def _mail_scripts(self):
        """Scripts that send mail: a mail API call in their code, an include of a file whose top level sends,
        a use of a class or a call of a function (defined in any file) that sends. ``runs_mail`` keeps the
        files whose top level sends, that is, that send when requested."""
        new_symbols = []
        for relative in sorted(self.scripts):
            script = self.scripts[relative]
            for call in script.calls:
                self._mark(relative, script, call.offset, (relative, call), new_symbols)
        for _depth in range(_MAX_REACH_DEPTH):
            if not new_symbols:
                break
            files = [name for kind, name in new_symbols if kind == "file"]
            classes = set(name for kind, name in new_symbols if kind == "class")
            functions = set(name for kind, name in new_symbols if kind == "function")
            words = set(posixpath.basename(name) for name in files) | classes | functions
            # A file kept unparsed is parsed only when it names one of them; a parsed one is a candidate when
            # it includes one of the files (its includes are resolved once, cached) or its code names a symbol.
            found = re.compile("|".join(re.escape(word) for word in sorted(words)), re.IGNORECASE)
            candidates = [relative for relative, text in self.texts.items() if found.search(text)]
            named = symbols.name_pattern(classes | functions)
            new_files = set(files)
            for relative, script in list(self.scripts.items()):
                if not script.is_php:
                    continue
                if named is not None and named.search(script.source.code):
                    candidates.append(relative)
                elif new_files and any(target in new_files for _offset, target in self._includes(relative)):
                    candidates.append(relative)
            new_symbols = []
            class_pattern = symbols.name_pattern(set(name for kind, name in self.sending_units if kind == "class"))
            function_pattern = symbols.name_pattern(functions)
            for relative in sorted(set(candidates)):
                script = self._script(relative)
                if script is None:
                    continue
                for offset, target in self._includes(relative):
                    if target in self.runs_mail:
                        self._mark(relative, script, offset, self.evidence[target], new_symbols)
                code = script.source.code
                local_classes = class_pattern
                aliases = symbols.aliases(code) if class_pattern is not None and " as " in code.lower() else {}
                sending_aliases = [alias for alias, name in aliases.items() if ("class", name) in self.sending_units]
                if sending_aliases:
                    local_classes = symbols.name_pattern(
                        set(name for kind, name in self.sending_units if kind == "class") | set(sending_aliases))
                if local_classes is not None:
                    for offset, name in symbols.class_uses(code, local_classes):
                        unit = ("class", aliases.get(name, name))
                        if unit in self.sending_units:
                            self._mark(relative, script, offset, self.sending_units[unit], new_symbols)
                if function_pattern is not None:
                    for offset, name in symbols.function_calls(code, function_pattern):
                        self._mark(relative, script, offset, self.sending_units[("function", name)], new_symbols)
        return sorted(self.evidence)

    def _guard_targets(self, form_records):
        """The scripts a browser requests that send mail (the entries of the forms that send, and the scripts
        whose top level sends that no other script includes), and the forms that send through an entry the
        guard cannot tell apart from other requests (WordPress's admin-post.php, admin-ajax.php)."""
        included = set()
        for relative in self.runs_mail:
            included.update(target for _offset, target in self._includes(relative) if target != relative)
        targets = set(self.runs_mail - included)
        unguarded = []
        for record in form_records:
            if not record["sends_mail"]:
                continue
            if record["resolution"] == forms.WORDPRESS:
                unguarded.append({
                    "file": record["file"], "line": record["line"], "entry": record["entry"],
                    "handler": record["handler"],
                    "reason": "it posts to %s, which every WordPress form and logged-in screen posting there "
                              "shares; the hooked handler %s is never requested itself"
                              % (record["posts_to"], record["handler"]),
                })
            elif record["entry"]:
                targets.add(record["entry"])
        return sorted(targets), unguarded

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
        if self.site_path and value.startswith(self.site_path + "/"):
            target = posixpath.normpath(value[len(self.site_path) + 1:])
            return None if target.startswith("..") else target
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
            scripts = self._javascript(relative, script.source.markup)
            page_widget = captcha.page_widget(script.source.markup, scripts)
            js_handlers = []
            for text in [script.source.markup] + scripts:
                for url in javascript.handler_urls(text):
                    kind, target = forms.resolve(relative, url, known)
                    if kind == forms.FILE and self.kinds.get(target) == walker.PHP and target not in js_handlers:
                        js_handlers.append(target)
            for form in forms.forms_in(script.source.markup):
                records.append(self._form(relative, script, form, page_widget, known, missing_check, js_handlers))
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

    def _form(self, relative, script, form, page_widget, known, missing_check, js_handlers=()):
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
        # A form that posts to its own page, or nowhere, may be sent by the page's JavaScript instead.
        javascript_sent = kind == forms.SELF or (form.action or "").strip().lower().startswith("javascript:")
        if javascript_sent:
            handlers += [handler for handler in js_handlers if handler not in handlers]
        evidence = None
        handler = None
        for candidate in handlers:
            # A hooked plugin sends from the function the hook calls, not from its top level.
            evidence = self.evidence.get(candidate) if kind == forms.WORDPRESS else self._mail_evidence(candidate)
            if evidence:
                handler = candidate
                break
        if handler is not None and handler != entry and kind != forms.WORDPRESS:
            kind, target, entry = forms.JAVASCRIPT, handler, handler
        widget = captcha.widget_in(form.body) or page_widget
        record = {
            "file": relative,
            "line": line,
            "method": "post" if kind == forms.JAVASCRIPT else form.method,
            "action": self._original_action(source, form),
            "posts_to": target if kind != forms.WORDPRESS else "%s (action %s)" % (target, form.wordpress_action),
            "resolution": kind,
            "entry": entry if kind != forms.WORDPRESS else target,
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
            % (record["method"].upper(), record["posts_to"], call.api, evidence_file, call.line, status),
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
            try:
                with open(path, "rb") as handle:
                    message = php_lint.safe_message(handle.read().decode("utf-8", "replace"), line, message)
            except (IOError, OSError):
                message = php_lint.WITHHELD
            for relative in relatives_of[path]:
                self.findings.append(php_lint.syntax_findings(relative, line, message))
        return True
