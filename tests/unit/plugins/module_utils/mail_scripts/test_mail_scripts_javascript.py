# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Forms sent by JavaScript: the scripts a page loads and the URLs their requests post to."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import javascript


@pytest.mark.parametrize("text, urls", [
    ("fetch('api/send.php', {method: 'POST', body: data})", ["api/send.php"]),
    ('fetch(`/contact/send.php?lang=fr`, {method: "POST"})', ["/contact/send.php"]),
    ("xhr.open('POST', 'mail.php', true)", ["mail.php"]),
    ('$.post("send.php", $(this).serialize())', ["send.php"]),
    ("jQuery.ajax({url: 'handler.php', type: 'POST'})", ["handler.php"]),
    ("axios.post('/api/contact.php', payload)", ["/api/contact.php"]),
    ("fetch(form.action, {method: 'POST'})", []),
    ("fetch('https://api.example.org/send', {})", []),
    ("xhr.open('GET', 'list.php')", []),
])
def test_handler_urls(text, urls):
    assert javascript.handler_urls(text) == urls


def test_loaded_scripts_leave_remote_ones_out():
    markup = ('<script src="js/a.js?v=2"></script><script src="https://www.google.com/recaptcha/api.js"></script>'
              "<script defer src='/b.js#x'></script>")
    assert javascript.loaded_scripts(markup) == ["js/a.js", "/b.js"]
