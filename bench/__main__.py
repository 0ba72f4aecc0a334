"""``python -m bench [--quick] [--scenarios ...] [--servers ...] [--profile]``; see bench/floor.py."""

from bench.floor import main

raise SystemExit(main())
