# Test root for Ctrl-C during the citecheck builder's check (issue 9): slow links that are still
# in flight when the test sends SIGINT, and pages answered at once.  SERVER is replaced by the
# local server's address in a temporary copy.
project = "citecheck interrupt"
extensions = ["sphinx_karabakh.sphinx.citecheck"]
karabakh_linkcheck_timeout = 60.0
karabakh_linkcheck_deadline = 120
karabakh_linkcheck_cache = ""
