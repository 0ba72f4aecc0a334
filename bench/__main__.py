"""``python -m bench [--quick] [--scenarios ...] [--servers ...] [--profile]``; see bench/run.py."""

from bench.run import main

raise SystemExit(main())
