"""`python -m models_registry` runs the CLI."""

from .cli import main

raise SystemExit(main())
