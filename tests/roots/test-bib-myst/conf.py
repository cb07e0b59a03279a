extensions = ["myst_parser", "sphinx_karabakh"]
project = "bib-myst"
karabakh_linkcheck_report = "report.jsonl"
karabakh_warn_unresolved_citations = False
