"""``python -m knock_data``: the same as the ``knock-data`` command."""

from knock_data._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
