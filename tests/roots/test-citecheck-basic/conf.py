# Test root for the citecheck builder: links point at a local test server (SERVER is replaced
# in a temporary copy by the test); only the link-check feature is loaded.
project = "citecheck test"
extensions = ["myst_parser", "sphinx_karabakh.sphinx.citecheck"]
karabakh_linkcheck_bibfiles = ["refs.bib"]
karabakh_linkcheck_timeout = 1.0
karabakh_linkcheck_deadline = 30
karabakh_linkcheck_ignore = [r"/page/ignored$"]
