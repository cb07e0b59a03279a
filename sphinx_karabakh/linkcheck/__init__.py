"""Link-check stage: documents -> URLs (with every place cited) -> verdicts; cache; reports.
The core knows nothing of Sphinx."""
