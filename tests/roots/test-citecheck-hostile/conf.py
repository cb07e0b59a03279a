# Test root for hostile links in the citecheck builder (issue 9): names that the test's fake
# resolver answers (docs.test changes its answer, meta.test points at the metadata address) and a
# javascript: link.  PORT is replaced by the local server's port in a temporary copy.
project = "citecheck hostile"
extensions = ["myst_parser", "sphinx_karabakh.sphinx.citecheck"]
karabakh_linkcheck_timeout = 2.0
karabakh_linkcheck_deadline = 30
karabakh_linkcheck_processes = 1
