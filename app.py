"""``python app.py`` still starts the web app, which lives in the ``app/`` package (``python -m app``).

Run as a script, this file is ``__main__``; ``import app`` below finds the
package beside it, since a package folder wins over a module of the same name.
"""

from app.main import main

if __name__ == "__main__":
    raise SystemExit(main())
