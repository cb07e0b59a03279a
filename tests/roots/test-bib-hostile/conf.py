extensions = ["sphinx_karabakh", "sphinxcontrib.bibtex"]
project = "bib-hostile"
karabakh_bibtex_files = {"_generated/hostile.bib": "paper#1%x.txt"}
bibtex_bibfiles = ["_generated/hostile.bib", "user.bib"]  # user.bib: a .bib with script links
bibtex_default_style = "unsrt"
