"""The ``knock-data`` command line (also ``python -m knock_data``).

One module per subcommand, each with an ``add_<name>(commands)`` function that declares the
subcommand's arguments and sets ``handler`` to the function that runs it:

===============  ===============================================================
Module           Subcommand
===============  ===============================================================
``sandbox``      ``knock-data sandbox``: serve synthetic prospects until Ctrl-C
``demo``         ``knock-data demo``: fetch, export, print tables, draw charts
``fetch``        ``knock-data fetch IDS_FILE -o prospects.csv``
``cache``        ``knock-data cache info|clear``
``history``      ``knock-data history info DIR``
===============  ===============================================================

``app`` builds the parser from that list and dispatches; ``args`` holds the argument types
and options the subcommands share; ``report`` writes the demo's tables and charts. The
subcommands reuse the library's choices (environments, PII options) rather than restating
them, and a :class:`~knock_data.KnockError` becomes a one-paragraph message and exit status
1, never a traceback.
"""

from knock_data._cli.app import main

__all__ = ["main"]
