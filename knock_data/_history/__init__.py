"""The history layer: every refresh kept as a snapshot, versions over time, smart refresh.

Knock's API shows only the present; this layer keeps what each refresh saw, in a folder of
Hive-partitioned Parquet that any engine reads, and decides which cached copies are worth
fetching again. Modules, from the bottom up:

- ``columns``: what one observation holds, the stored schema, the row hash.
- ``folder``: the folder's layout, its manifest and owner (a key scope, never the key), and
  crash-safe chunk writes.
- ``writer``: one run's observations, written in chunks as the run goes.
- ``reading``: the chunks into one Arrow table, and the observations, versions and as-of
  frames.
- ``store``: :class:`History`, the facade over all of the above.
- ``policy``: :class:`RefreshPolicy`, which copies are due, by the analysis layer's one
  definition of closed and dormant.

It reads the frame layer (``to_frame``, the export's personal-data rules) and the analysis
layer (the closed/dormant definition), never the fetch layer: the client records into a
history and asks a policy through the public names and two duck-typed methods
(``History.open_run``, ``RefreshPolicy.due``).
"""

__all__: list[str] = []
