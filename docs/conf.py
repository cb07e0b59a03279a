"""The sphinx-karabakh handbook: an annotated reading of five commentaries on the 2020 truce."""

from __future__ import annotations

project = "Karabakh truce handbook"
author = "sphinx-karabakh developers"
extensions = ["myst_parser", "sphinx_karabakh"]
html_theme = "furo"
html_title = "Karabakh truce handbook"
