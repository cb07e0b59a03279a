extensions = ["sphinx_karabakh.sphinx"]
project = "quotes-rst"
exclude_patterns = ["texts", "_build"]
karabakh_sources = "texts"
