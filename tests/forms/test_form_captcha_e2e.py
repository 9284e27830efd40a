# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: the form_captcha role guards a fixture site served by PHP, against a fake siteverify server.

The fixture contact form, with a .user.ini and a prepend file the site already had, goes through enforce, a
second enforce (nothing changes), requests to `php -S` (which ignores .user.ini: it is given the prepend file
the role wrote there), then state=absent, which must give back the original tree byte for byte. The bare
fixture goes through check mode, enforce, requests through `php-cgi` (which reads .user.ini itself, as PHP on
OVHcloud web hostings does), and state=absent, which deletes the .user.ini it created.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from support.collection import REPO
from support.php_server import free_port, prepend_of, request, wait_for
from support.playbooks import PLAYBOOKS, Ansible
# siteverify is a fixture.
from support.siteverify import GOOD_TOKEN, SECRET, SiteVerify, siteverify  # noqa: F401 pylint: disable=unused-import

FIXTURE = REPO / "tests" / "fixtures" / "docroots" / "contact_form"
PHP = shutil.which("php")
PHP_CGI = shutil.which("php-cgi")

pytestmark = pytest.mark.skipif(PHP is None, reason="php-cli is not installed (make system-deps installs it)")


def tree(root):
    """Every file and folder under root: relative path -> (mode, content or None for a folder)."""
    found = {}
    for directory, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(directory) / name
            found[str(path.relative_to(root))] = (path.stat().st_mode, None if path.is_dir() else path.read_bytes())
    return found


def play_role(tmp_path, docroot, verify_url, state, mode="enforce", check=False, **extra):
    """Run playbooks/forms.yml on this machine; return the PlaybookRun."""
    variables = {
        "form_captcha_docroot": str(docroot), "form_captcha_mode": mode, "form_captcha_state": state,
        "form_captcha_provider": "turnstile", "form_captcha_site_key": "0x4AAAAAAAe2eSiteKey",
        "form_captcha_secret_key": SECRET, "form_captcha_verify_url": verify_url,
        "ansible_python_interpreter": sys.executable, **extra,
    }
    return Ansible(tmp_path).playbook(PLAYBOOKS / "forms.yml", "-v", "-i", "localhost,", "-c", "local",
                                      *(["--check"] if check else []), extra_vars=variables)


def run_role(tmp_path, docroot, verify_url, state, mode="enforce", check=False):
    """Run playbooks/forms.yml on this machine; return the number of changed tasks."""
    run = play_role(tmp_path, docroot, verify_url, state, mode=mode, check=check)
    assert run.rc == 0, run
    assert SECRET not in run.output, "the secret key reached the output"
    return run.changed()


@pytest.fixture
def site(tmp_path):
    """The fixture site, as found on a hosting that already had a .user.ini with its own prepend file."""
    docroot = tmp_path / "www"
    shutil.copytree(str(FIXTURE), str(docroot))
    (docroot / "waf.php").write_text("<?php\nheader('X-Site-Prepend: ran');\n")
    # No final newline: the block needs one, and absent must take it back.
    (docroot / ".user.ini").write_text('memory_limit = 256M\nauto_prepend_file = "%s/waf.php"' % docroot)
    return docroot


def test_guard_enforced_then_removed(tmp_path, site, siteverify):
    original = tree(site)
    outbox = tmp_path / "outbox"
    sendmail = "cat >> %s" % outbox

    assert run_role(tmp_path, site, siteverify, "present") > 0
    assert run_role(tmp_path, site, siteverify, "present") == 0, "a second enforce changed something"
    assert oct((site / ".form_captcha" / "config.php").stat().st_mode & 0o777) == "0o600"
    assert "memory_limit = 256M" in (site / ".user.ini").read_text()

    port = free_port()
    server = subprocess.Popen(
        [PHP, "-S", "127.0.0.1:%d" % port, "-t", str(site), "-d", "auto_prepend_file=" + prepend_of(site / ".user.ini"),
         "-d", "sendmail_path=" + sendmail],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        message = {"name": "Ada", "email": "ada@example.org", "message": "Two baguettes, please"}

        status, headers, body = request(port, "POST", "/contact.php", message)
        assert (status, headers.get("X-Form-Captcha")) == (403, "no Captcha token was sent")
        assert "Your message was not sent" in body
        assert SiteVerify.calls == []

        status, headers, body = request(port, "POST", "/contact.php", dict(message, **{"cf-turnstile-response": "forged"}))
        assert (status, headers.get("X-Form-Captcha")) == (403, "the Captcha was rejected")
        assert SiteVerify.calls[-1]["secret"] == [SECRET] and SiteVerify.calls[-1]["response"] == ["forged"]
        assert not outbox.exists()

        status, headers, body = request(port, "POST", "/contact.php", dict(message, **{"cf-turnstile-response": GOOD_TOKEN}))
        assert (status, body) == (200, "Thank you, your message was sent.")
        assert headers.get("X-Site-Prepend") == "ran", "the site's own prepend file was not chained"
        assert "Two baguettes, please" in outbox.read_text()

        calls_before = len(SiteVerify.calls)
        status, headers, _body = request(port, "GET", "/contact.php")
        assert (status, headers.get("Location")) == (302, "index.html")
        status, _headers, body = request(port, "GET", "/index.html")
        assert status == 200 and 'action="contact.php"' in body
        status, _headers, _body = request(port, "POST", "/config.php", {"x": "1"})
        assert status == 200, "a POST to an unprotected script was stopped"
        assert len(SiteVerify.calls) == calls_before, "the guard verified a request it should let through"
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert run_role(tmp_path, site, siteverify, "absent") > 0
    assert tree(site) == original
    assert run_role(tmp_path, site, siteverify, "absent") == 0


@pytest.mark.skipif(PHP_CGI is None, reason="php-cgi is not installed (make system-deps installs it)")
def test_php_cgi_reads_the_user_ini_the_role_created(tmp_path, siteverify):
    """Check mode writes nothing; then php-cgi, which reads .user.ini itself as PHP does on OVHcloud web
    hostings (no -d auto_prepend_file here), runs the guard; absent deletes the .user.ini it created."""
    docroot = tmp_path / "www"
    shutil.copytree(str(FIXTURE), str(docroot))
    original = tree(docroot)
    assert run_role(tmp_path, docroot, siteverify, "present", check=True) > 0
    assert tree(docroot) == original, "check mode wrote something"
    assert run_role(tmp_path, docroot, siteverify, "present") > 0
    assert prepend_of(docroot / ".user.ini") == str(docroot / ".form_captcha" / "guard.php")

    outbox = tmp_path / "outbox"
    environment = {
        "PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "REDIRECT_STATUS": "200",
        "SCRIPT_FILENAME": str(docroot / "contact.php"), "SCRIPT_NAME": "/contact.php",
        "DOCUMENT_ROOT": str(docroot), "REMOTE_ADDR": "127.0.0.1",
    }

    def php_cgi(method, fields=None):
        body = urllib.parse.urlencode(fields or {})
        extra = {"REQUEST_METHOD": method}
        if method == "POST":
            extra.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)))
        completed = subprocess.run([PHP_CGI, "-d", "sendmail_path=cat >> %s" % outbox], input=body.encode(),
                                   capture_output=True, check=False, env=dict(environment, **extra))
        return completed.stdout.decode()

    message = {"email": "ada@example.org", "message": "One croissant"}
    answer = php_cgi("POST", message)
    assert "Status: 403" in answer and "X-Form-Captcha: no Captcha token was sent" in answer
    answer = php_cgi("POST", dict(message, **{"cf-turnstile-response": "forged"}))
    assert "X-Form-Captcha: the Captcha was rejected" in answer and not outbox.exists()
    answer = php_cgi("POST", dict(message, **{"cf-turnstile-response": GOOD_TOKEN}))
    assert answer.endswith("Thank you, your message was sent.") and "One croissant" in outbox.read_text()
    answer = php_cgi("GET")
    assert "Location: index.html" in answer and "X-Form-Captcha" not in answer

    # state=absent removes the guard whatever the mode.
    assert run_role(tmp_path, docroot, siteverify, "absent", mode="audit") > 0
    assert tree(docroot) == original


def test_a_typo_in_protect_fails_before_deploying(tmp_path, siteverify):
    """A script of form_captcha_protect that is not in the document root is named, and nothing is deployed."""
    docroot = tmp_path / "www"
    shutil.copytree(str(FIXTURE), str(docroot))
    original = tree(docroot)
    run = play_role(tmp_path, docroot, siteverify, "present", form_captcha_protect=["contact.php", "contcat.php"])
    assert run.failed_hosts() == {"localhost"}, run
    assert SECRET not in run.output, "the secret key reached the output"
    assert "not files under %s: contcat.php." % docroot in run.output, run
    assert "The guard protects" not in run.output
    assert tree(docroot) == original, "the role deployed the guard for a script that does not exist"


@pytest.mark.skipif(PHP_CGI is None, reason="php-cgi is not installed (make system-deps installs it)")
def test_a_sub_folder_user_ini_that_replaces_the_guard_fails(tmp_path, siteverify):
    """forms/.user.ini prepends the site's own file, so PHP never runs the guard for forms/contact.php: check
    mode and enforce fail naming it and deploy nothing; once that file includes the guard, as the failure says,
    enforce passes and php-cgi (which reads every .user.ini up to the document root) refuses a POST."""
    docroot = tmp_path / "www"
    (docroot / "forms").mkdir(parents=True)
    for name in ("contact.php", "config.php"):
        shutil.copy(str(FIXTURE / name), str(docroot / "forms" / name))
    waf = docroot / "forms" / "waf.php"
    waf.write_text("<?php\nheader('X-Site-Prepend: ran');\n")
    (docroot / "forms" / ".user.ini").write_text("auto_prepend_file = '%s' ; the site's firewall\n" % waf)
    original = tree(docroot)
    guard = docroot / ".form_captcha" / "guard.php"

    for check in (True, False):
        run = play_role(tmp_path, docroot, siteverify, "present", check=check)
        assert run.failed_hosts() == {"localhost"}, run
        assert SECRET not in run.output, "the secret key reached the output"
        assert "The guard would not run for forms/contact.php: " in run.output, run
        assert "forms/contact.php (forms/.user.ini prepends \"%s\")." % waf in run.output, run
        assert "require_once '%s';" % guard in run.output
        assert "The guard protects" not in run.output
        assert tree(docroot) == original, "the role deployed a guard PHP would not run"

    waf.write_text("<?php\nrequire_once '%s';\nheader('X-Site-Prepend: ran');\n" % guard)
    assert run_role(tmp_path, docroot, siteverify, "present") > 0
    outbox = tmp_path / "outbox"
    environment = {
        "PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "REDIRECT_STATUS": "200",
        "SCRIPT_FILENAME": str(docroot / "forms" / "contact.php"), "SCRIPT_NAME": "/forms/contact.php",
        "DOCUMENT_ROOT": str(docroot), "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    body = urllib.parse.urlencode({"email": "ada@example.org", "message": "One croissant"}).encode()
    completed = subprocess.run([PHP_CGI, "-d", "sendmail_path=cat >> %s" % outbox], input=body, capture_output=True,
                               check=False, env=dict(environment, CONTENT_LENGTH=str(len(body))))
    answer = completed.stdout.decode()
    assert "Status: 403" in answer and "X-Form-Captcha: no Captcha token was sent" in answer, answer
    assert not outbox.exists()


AUTOLOAD = REPO / "tests" / "fixtures" / "docroots" / "autoload_contact"


def test_a_page_that_posts_to_itself_and_sends_through_an_autoloaded_class_is_guarded_by_default(tmp_path, siteverify):
    """contact.php posts to itself and sends two mails through Mailer, a class of lib/ that an
    spl_autoload_register loader finds: with the role's defaults the guard stands in front of contact.php (not of
    the class file, which no browser requests), under php -S and under php-cgi (which reads .user.ini itself)."""
    docroot = tmp_path / "www"
    shutil.copytree(str(AUTOLOAD), str(docroot))
    run = play_role(tmp_path, docroot, siteverify, "present")
    assert run.rc == 0, run
    assert SECRET not in run.output, "the secret key reached the output"
    assert "The guard protects 1 script(s): contact.php." in run.output, run
    assert "Mailer.class.php." not in run.output.split("The guard protects", 1)[1].split("\n", 1)[0]

    message = {"email": "ada@example.org", "message": "Two baguettes, please"}
    outbox = tmp_path / "outbox"
    port = free_port()
    server = subprocess.Popen(
        [PHP, "-S", "127.0.0.1:%d" % port, "-t", str(docroot), "-d", "auto_prepend_file=" + prepend_of(docroot / ".user.ini"),
         "-d", "sendmail_path=cat >> %s" % outbox],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        status, headers, _body = request(port, "POST", "/contact.php", message)
        assert (status, headers.get("X-Form-Captcha")) == (403, "no Captcha token was sent")
        status, headers, _body = request(port, "POST", "/contact.php", dict(message, **{"cf-turnstile-response": "forged"}))
        assert (status, headers.get("X-Form-Captcha")) == (403, "the Captcha was rejected")
        assert not outbox.exists(), "a POST without a valid token sent mail"
        status, _headers, body = request(port, "POST", "/contact.php", dict(message, **{"cf-turnstile-response": GOOD_TOKEN}))
        assert status == 200 and "Thank you, your message was sent." in body
        assert outbox.read_text().count("Two baguettes, please") == 2, "the page sends two mails once verified"
        status, _headers, body = request(port, "GET", "/contact.php")
        assert status == 200 and "<form" in body
    finally:
        server.terminate()
        server.wait(timeout=10)

    if PHP_CGI is None:
        return
    outbox.unlink()
    body = urllib.parse.urlencode(message).encode()
    environment = {
        "PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "REDIRECT_STATUS": "200",
        "SCRIPT_FILENAME": str(docroot / "contact.php"), "SCRIPT_NAME": "/contact.php", "DOCUMENT_ROOT": str(docroot),
        "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
    }
    completed = subprocess.run([PHP_CGI, "-d", "sendmail_path=cat >> %s" % outbox], input=body, capture_output=True,
                               check=False, env=environment)
    answer = completed.stdout.decode()
    assert "Status: 403" in answer and "X-Form-Captcha: no Captcha token was sent" in answer, answer
    assert not outbox.exists(), "php-cgi ran the page without the guard"


def test_a_form_the_guard_cannot_stand_in_front_of_fails_before_deploying(tmp_path, siteverify):
    """A WordPress form reaches its plugin through admin-post.php's hook: enforce with the defaults fails naming
    the form and what to set, deploys nothing and never says the guard protects anything."""
    docroot = tmp_path / "www"
    shutil.copytree(str(REPO / "tests" / "fixtures" / "docroots" / "wordpress_plugin"), str(docroot))
    original = tree(docroot)
    run = play_role(tmp_path, docroot, siteverify, "present")
    assert run.failed_hosts() == {"localhost"}, run
    assert "The guard would not stop 1 form(s) that send mail: wp-content/plugins/acme-contact/acme-contact.php " \
           "line 20 posts to wp-admin/admin-post.php (action acme_contact)" in run.output, run
    assert "Set form_captcha_protect to list wp-admin/admin-post.php." in run.output, run
    assert "The guard protects" not in run.output
    assert tree(docroot) == original
