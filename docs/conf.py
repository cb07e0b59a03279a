"""The sphinx-karabakh handbook: an annotated reading of five commentaries on the 2020 truce.

Built from ``../seeds`` (the five source documents and their ``sources.toml``) with warnings as
errors: ``make handbook``. Every quotation on these pages is verified against the sources by the
build, and the quoted passages' hashes are pinned in ``karabakh.lock``.
"""

from __future__ import annotations

project = "Karabakh truce handbook"
author = "The sphinx-karabakh research team"
copyright = "2026, the sphinx-karabakh research team; quoted passages belong to their authors"
language = "en"

extensions = ["myst_parser", "sphinx_karabakh"]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "karabakh.lock"]
myst_enable_extensions = ["attrs_block", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- sphinx-karabakh --------------------------------------------------------------------------
# The sources: a directory of documents with a sources.toml beside them (relative to this file).
karabakh_sources = "../seeds"
# The lock file pins the hash of every quoted passage; a changed source then reports drift.
karabakh_lockfile = "karabakh.lock"
# The bibliography shows each URL's status from the latest link-check report, when there is one
# (`make linkcheck` writes it); "not checked" otherwise.
karabakh_linkcheck_report = "../build/citecheck/output.json"

# The link check (`make linkcheck`, builder ``citecheck``): short timeouts and a global deadline
# so that a run without network ends quickly and reports unreachable hosts as broken/timeout.
karabakh_linkcheck_timeout = 5.0
karabakh_linkcheck_deadline = 30.0
karabakh_linkcheck_workers = 8
karabakh_linkcheck_per_host = 2

# Seed 004's citation audit lists citations that resolve to no entry: those are findings shown on
# the audit page, not errors in this handbook, so this one subtype must not fail the -W build.
suppress_warnings = ["karabakh.citation", "karabakh.reference"]

# -- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "Karabakh truce handbook"
html_static_path = ["_static"]
html_css_files = ["handbook.css"]
html_favicon = "_static/favicon.svg"
html_last_updated_fmt = None
html_show_sourcelink = True
html_theme_options = {
    "navigation_with_keys": True,
    "light_css_variables": {
        "color-brand-primary": "#2f5d62",
        "color-brand-content": "#2f5d62",
    },
    "dark_css_variables": {
        "color-brand-primary": "#8fc1c5",
        "color-brand-content": "#8fc1c5",
    },
}
