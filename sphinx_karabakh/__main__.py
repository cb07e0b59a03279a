"""``python -m sphinx_karabakh`` is the ``sphinx-karabakh`` command."""

from sphinx_karabakh.cli import main

raise SystemExit(main())
