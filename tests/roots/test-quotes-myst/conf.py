extensions = ["myst_parser", "sphinx_karabakh.sphinx"]
project = "quotes-myst"
exclude_patterns = ["texts", "_build"]
karabakh_sources = "texts"
