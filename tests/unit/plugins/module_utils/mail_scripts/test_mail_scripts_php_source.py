# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The views of a PHP file: code without comments nor string contents, literals, markup with PHP markers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts.php_source import (
    DYNAMIC_MARK,
    SELF_MARK,
    parse_html,
    parse_php,
)


def test_views_keep_offsets_and_lines():
    text = "<p>a</p>\n<?php\n// note\n$x = 'y';\n?>\n<b>\n"
    source = parse_php(text)
    assert len(source.code) == len(source.markup) == len(text)
    assert source.code.count("\n") == source.markup.count("\n") == text.count("\n")
    assert source.line_of(text.index("$x")) == 4


def test_comments_are_blanked_in_every_style():
    source = parse_php("<?php\n// mail(1)\n# mail(2)\n/* mail(3)\n mail(4) */\n/** mail(5) */ go();\n")
    assert "mail" not in source.code
    assert "go();" in source.code


def test_php8_attribute_is_code_not_a_comment():
    source = parse_php("<?php\n#[Route('/contact')]\nfunction contact() {}\n")
    assert "#[Route(" in source.code


def test_string_contents_are_blanked_and_kept_as_literals():
    source = parse_php("<?php $a = 'it\\'s mail()'; $b = \"say \\\"mail()\\\"\"; $c = `ls`;")
    assert "mail" not in source.code
    assert [literal.value for literal in source.strings] == ["it's mail()", 'say "mail()"', "ls"]
    assert source.string_at(source.code.index("'")) == "it's mail()"


def test_heredoc_and_nowdoc_are_strings():
    text = "<?php\n$a = <<<EOT\nmail(\nEOT;\n$b = <<<'X'\n  <form action=\"a.php\">\n  X;\nsend();\n"
    source = parse_php(text)
    assert "mail(" not in source.code and "<form" not in source.code
    assert "send();" in source.code
    assert [literal.value for literal in source.strings] == ["mail(\n", '  <form action="a.php">\n']
    assert '<form action="a.php">' in source.markup


def test_close_tag_ends_a_line_comment():
    source = parse_php("<?php // note ?><form action=\"x.php\"></form><?php mail(); ?>")
    assert "<form" in source.markup
    assert "mail();" in source.code


def test_a_close_tag_inside_a_string_does_not_end_php():
    source = parse_php("<?php $s = '?>'; mail(); ?>after")
    assert "mail();" in source.code
    assert source.markup.endswith("after")


def test_inline_html_is_not_code():
    source = parse_php("<p>write to mail(me)</p><?php echo 1; ?>")
    assert "mail" not in source.code
    assert "mail(me)" in source.markup


def test_markup_markers_for_php_blocks():
    self_block = parse_php('<form action="<?= htmlspecialchars($_SERVER["PHP_SELF"]) ?>">')
    dynamic_block = parse_php('<form action="<?php echo $url; ?>">')
    assert SELF_MARK in self_block.markup and DYNAMIC_MARK not in self_block.markup
    assert DYNAMIC_MARK in dynamic_block.markup and SELF_MARK not in dynamic_block.markup


def test_echoed_markup_is_in_the_markup_view():
    source = parse_php("<?php\necho '<form method=\"post\" action=\"send.php\">';\necho '</form>';\n")
    assert '<form method="post" action="send.php">' in source.markup
    assert source.line_of(source.markup.index("<form")) == 2


def test_html_and_script_comments_are_blanked_in_markup():
    source = parse_html('<!-- <form action="a.php"> -->\n<script>\n// grecaptcha.execute(k)\n'
                        '/* turnstile.render() */ var u = "https://x";\n</script>')
    assert "<form" not in source.markup
    assert "grecaptcha" not in source.markup and "turnstile" not in source.markup
    assert 'var u = "https://x";' in source.markup


def test_xml_declaration_is_not_php():
    source = parse_php('<?xml version="1.0"?>\n<form action="a.php"></form>')
    assert '<form action="a.php">' in source.markup


_PIECES = ["<?php ", "?>", "<?= ", "<?xml", "//", "#", "#[", "/*", "*/", "'", '"', "`", "\\", "<<<EOT\n", "EOT;",
           "<<<'X'\n", "X\n", "\n", " ", "mail(", "<form action=\"a.php\">", "</form>", "$_SERVER['PHP_SELF']",
           "<!--", "-->", "<script>", "</script>", "é", "\r\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_any_text_keeps_its_offsets_and_lines_in_every_view(text):
    source = parse_php(text)
    newlines = [index for index, char in enumerate(text) if char == "\n"]
    for view in (source.code, source.markup):
        assert len(view) == len(text)
        assert [index for index, char in enumerate(view) if char == "\n"] == newlines
    for literal in source.strings:
        assert text[literal.inner_offset:literal.inner_offset + len(literal.raw)] == literal.raw
