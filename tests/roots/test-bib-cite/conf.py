extensions = ["sphinx_karabakh", "sphinxcontrib.bibtex"]
project = "bib-cite"
karabakh_bibtex_files = {"_generated/paper.bib": "paper.txt"}
bibtex_bibfiles = ["_generated/paper.bib"]
bibtex_default_style = "unsrt"
suppress_warnings = ["karabakh.reference"]
