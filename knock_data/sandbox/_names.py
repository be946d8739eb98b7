"""The sandbox's naming tables: a name and a time zone for each community, a name per agent.

Knock sends ids only; an analyst keeps a table of names beside them. The sandbox's ids
depend on its seed, so its tables are made for a seed here, from the same random stream
that :func:`generate_prospects` draws the communities and agents from first. Pass them to
:func:`knock_data.with_names`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from knock_data.sandbox._data import DEFAULT_SEED, build_communities

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["naming_tables"]

# One name per community, in the order build_communities draws them (the city is in the
# name, so a chart legend says where each community is).
_COMMUNITY_NAMES = (
    "Maple Court (Austin)",
    "Cherry Creek Flats (Denver)",
    "Saguaro Commons (Phoenix)",
    "Peachtree Lofts (Atlanta)",
    "Lakeview Terrace (Seattle)",
    "Harbor Point (Boston)",
    "Music Row Residences (Nashville)",
)
# Leasing agents, handed out to the communities' agents in order.
_AGENT_NAMES = (
    "Dana Smith",
    "Luis Ortega",
    "Priya Raman",
    "Marcus Bell",
    "Hannah Kowalski",
    "Erin Walsh",
    "Tomás Herrera",
    "Grace Liu",
    "Jamal Carter",
    "Sofia Rossi",
    "Kevin O'Neill",
    "Aisha Bello",
    "Noah Fischer",
    "Mei Tanaka",
    "Carlos Mendes",
    "Olivia Grant",
    "Sam Whitfield",
    "Nadia Haddad",
    "Ben Adeyemi",
    "Chloé Martin",
    "Ryan Park",
    "Leah Goldberg",
    "Diego Alvarez",
    "Ingrid Solberg",
)


def naming_tables(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The sandbox's naming tables for ``seed``, as :func:`knock_data.with_names` takes them.

    Returns
    -------
    dict
        ``"communities"``: a frame of ``community_id``, ``name``, ``timezone`` (IANA),
        ``city`` and ``state``, one row per community; ``"agents"``: a frame of
        ``agent_username``, ``name`` and ``community_id``, one row per agent. Pass both with
        ``kd.with_names(frame, **naming_tables())``, or write them with ``to_csv`` to see
        what a naming file looks like.

    Examples
    --------
    >>> from knock_data.sandbox import naming_tables
    >>> tables = naming_tables()
    >>> tables["communities"].loc[0, ["community_id", "name", "timezone"]].tolist()
    ['191b65d2686d11e9', 'Maple Court (Austin)', 'America/Chicago']
    >>> tables["agents"].loc[0, ["agent_username", "name"]].tolist()
    ['2be16a9e-b3ab-4b1f-9632-575aca1a3d20', 'Dana Smith']
    """
    import pandas as pd

    communities = build_communities(random.Random(seed))
    community_rows = []
    agent_rows = []
    agent_names = iter(_AGENT_NAMES)
    for community, name in zip(communities, _COMMUNITY_NAMES, strict=True):
        community_id, city, state = community.community_id, community.city, community.state
        zone = community.zone.key
        community_rows.append(
            {
                "community_id": community_id,
                "name": name,
                "timezone": zone,
                "city": city,
                "state": state,
            }
        )
        for username in community.agents:
            agent_rows.append(
                {
                    "agent_username": username,
                    "name": next(agent_names),
                    "community_id": community_id,
                }
            )
    return {
        "communities": pd.DataFrame(community_rows, dtype="string"),
        "agents": pd.DataFrame(agent_rows, dtype="string"),
    }
