"""The one URL policy: which URLs may become links (http(s), mailto, relative)."""

from __future__ import annotations

import pytest

from sphinx_karabakh.urls import link_target, safe_href, unsafe_scheme


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "\x01javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_other_schemes_never_become_links(url: str) -> None:
    assert safe_href(url) is None
    assert unsafe_scheme(url) == link_target(url).scheme != ""


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a?b#c", "https://example.org/a?b#c"),
        (" http://example.org/ ", "http://example.org/"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("../other.html#x", "../other.html#x"),
        ("#anchor", "#anchor"),
        ("//example.org/x", "//example.org/x"),
        ("page:with/colon-after-slash", None),
        ("dir/page:with-colon", "dir/page:with-colon"),
    ],
)
def test_links_that_stay_links(url: str, href: str | None) -> None:
    assert safe_href(url) == href


def test_empty_is_no_link() -> None:
    assert safe_href("   ") is None
