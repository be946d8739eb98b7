"""Write data/sample_prospect_ids.csv: prospect ids as an analyst's export would hold them.

The same bytes go to knock_data/sandbox/sample_prospect_ids.csv, the copy the package ships
so that ``knock-data demo`` runs from any folder (a test keeps the two equal).

Mostly ids of the default sandbox (``SandboxServer()``), about 3% that do not exist, a
handful of malformed cells (blank, ``12 3``, ``abc``, ``4.5``) and a few duplicates, in a
shuffled order. Deterministic: running it again writes the same bytes.

Usage: ``python scripts/make_sample_ids.py [--output PATH]`` (by default, both files)
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from knock_data.sandbox import SandboxServer

ROWS = 2000
MISSING = 60  # ids with a valid form that no prospect has (3%)
# Blank cells come both ways exports write them: an empty line (Excel) and a quoted "".
MALFORMED = ["", "12 3", "abc", "4.5", ""]
DUPLICATES = 12
SEED = 20211014
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUTS = (
    ROOT / "data" / "sample_prospect_ids.csv",
    ROOT / "knock_data" / "sandbox" / "sample_prospect_ids.csv",
)


def sample_ids() -> list[str]:
    """The column's cells, in file order."""
    rng = random.Random(SEED)
    existing = SandboxServer().prospect_ids  # the default sandbox; builds data, binds nothing
    known = set(existing)
    n_existing = ROWS - MISSING - len(MALFORMED) - DUPLICATES
    # Always hold both ids of the API document, then a random sample of the others.
    documented = ["47569637", "51316"]
    others = [i for i in existing if i not in documented]
    chosen = documented + rng.sample(others, n_existing - len(documented))
    missing = ["0"]  # the id of the document's "does not exist" example
    while len(missing) < MISSING:
        candidate = str(rng.randrange(100_000, 99_999_999))
        if candidate not in known and candidate not in missing:
            missing.append(candidate)
    duplicates = rng.sample(chosen, DUPLICATES)
    cells = chosen + missing + MALFORMED + duplicates
    rng.shuffle(cells)
    return cells


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["prospect_id"])
        blanks = 0
        for cell in sample_ids():
            if cell == "":
                blanks += 1
                writer.writerow([] if blanks == 1 else [""])  # an empty line, then ""
            else:
                writer.writerow([cell])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="one file to write instead of both")
    args = parser.parse_args()
    for path in [args.output] if args.output else DEFAULT_OUTPUTS:
        write(path)
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
