# Test root: the citecheck builder with the quotes feature; source URLs point at the local test
# server (SERVER and the passages are filled in by the test in a temporary copy).
project = "citecheck sources"
extensions = ["sphinx_karabakh"]
exclude_patterns = ["texts", "_build"]
karabakh_sources = "texts"
karabakh_linkcheck_timeout = 1.0
karabakh_linkcheck_deadline = 30
karabakh_linkcheck_cache = ""
