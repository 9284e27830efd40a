# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The walk of a document root: file kinds, exclude globs, size limit, symbolic links."""

from __future__ import annotations

import os

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.mail_scripts import walker


def make(root, files):
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def relatives(files):
    return [walked.relative for walked in files]


def test_reads_php_html_env_and_user_ini_only(tmp_path):
    make(tmp_path, {"a.php": "", "b.HTML": "", "c.phtml": "", "lib/d.inc": "", ".env": "", ".env.local": "",
                    ".user.ini": "", "img/logo.png": "", "notes.txt": "", "robots.txt": ""})
    files, skipped = walker.walk(str(tmp_path))
    assert relatives(files) == [".env", ".env.local", ".user.ini", "a.php", "b.HTML", "c.phtml", "lib/d.inc"]
    assert [walked.kind for walked in files] == ["env", "env", "user_ini", "php", "html", "php", "php"]
    assert skipped == []


def test_exclude_globs_prune_directories(tmp_path):
    make(tmp_path, {"vendor/x/a.php": "", "wp-content/cache/p.html": "", "app/cache/q.php": "",
                    "keep.php": "", "old.bak.php": ""})
    files, _skipped = walker.walk(str(tmp_path), exclude=["vendor/**", "**/cache", "*.bak.php"])
    assert relatives(files) == ["keep.php"]


def test_files_over_the_size_limit_are_listed_as_skipped(tmp_path):
    make(tmp_path, {"big.php": "x" * 101, "small.php": "x" * 100})
    files, skipped = walker.walk(str(tmp_path), max_file_size=100)
    assert relatives(files) == ["small.php"]
    assert skipped == [{"file": "big.php", "reason": "larger than max_file_size (101 bytes)"}]


def test_symlinks_never_lead_out_of_the_root(tmp_path):
    outside = tmp_path / "outside"
    root = tmp_path / "www"
    make(outside, {"secret.php": "<?php mail();", "dir/x.php": ""})
    make(root, {"real.php": "", "sub/y.php": ""})
    os.symlink(str(outside / "secret.php"), str(root / "link-out.php"))
    os.symlink(str(outside / "dir"), str(root / "dir-out"))
    os.symlink(str(root / "real.php"), str(root / "alias.php"))
    os.symlink(str(root / "sub"), str(root / "sub-again"))
    os.symlink(str(root), str(root / "sub" / "loop"))
    files, skipped = walker.walk(str(root))
    assert relatives(files) == ["alias.php", "real.php", "sub/y.php"]
    assert skipped == [
        {"file": "dir-out", "reason": "symlink out of path, not followed"},
        {"file": "link-out.php", "reason": "symlink out of path, not followed"},
        {"file": "sub-again", "reason": "symlink to a directory, not followed"},
        {"file": "sub/loop", "reason": "symlink to a directory, not followed"},
    ]


def test_a_root_given_through_a_symlink_is_walked(tmp_path):
    make(tmp_path / "home" / "www", {"a.php": ""})
    os.symlink(str(tmp_path / "home" / "www"), str(tmp_path / "www"))
    files, _skipped = walker.walk(str(tmp_path / "www"))
    assert relatives(files) == ["a.php"]
