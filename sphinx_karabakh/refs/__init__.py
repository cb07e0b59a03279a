"""Refs stage: document -> reference section -> reference strings -> fields -> BibTeX;
in-text citations -> entries (the citation audit). Knows nothing of Sphinx."""
