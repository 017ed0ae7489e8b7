"""`python -m console` is the same as `hitl`."""

from console.cli import main

raise SystemExit(main())
