extensions = ["sphinx_karabakh"]
project = "bib-rst"
