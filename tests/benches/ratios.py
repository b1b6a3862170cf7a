"""Prints the conversion ratios of the last `cargo bench -p dynamongo-tests --bench conversion`.

Usage: python3 tests/benches/ratios.py [target/criterion]
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median(group, bench):
    est = json.loads((root / group / bench / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"]


for group in ["user", "wide30"]:
    for op in ["to_item", "from_item"]:
        gen, hand, serde = (median(group, f"{op}_{v}") for v in ["generated", "hand_written", "serde_dynamo"])
        print(f"{group} {op}: generated {gen:.0f} ns, hand-written {hand:.0f} ns, serde_dynamo {serde:.0f} ns; "
              f"vs hand-written {gen / hand:.2f}x, vs serde_dynamo {gen / serde:.2f}x")
