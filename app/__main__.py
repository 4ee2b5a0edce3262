"""``python -m app`` serves the web app."""

from app.main import main

raise SystemExit(main())
