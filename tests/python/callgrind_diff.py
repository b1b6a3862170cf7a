#!/usr/bin/env python3
"""Where one `bench --profile-calls` side spends more than the other, per call.

Run callgrind on each side into a directory of its own (BENCHMARKS.md, "What is left is
code"), e.g.:

    (mkdir -p /tmp/cg/ours && cd /tmp/cg/ours && valgrind --tool=callgrind \
        --separate-threads=yes --cache-sim=yes \
        "$OLDPWD/target/release/bench" --quick --profile-calls get_many ours)
    (mkdir -p /tmp/cg/raw && cd /tmp/cg/raw && valgrind ... --profile-calls get_many raw)
    python3 tests/python/callgrind_diff.py /tmp/cg/ours /tmp/cg/raw --event I1mr

Each directory's client thread is the file that holds `bench::calls` with the largest
total. Costs are exclusive (a function's own instructions or misses, not its callees'),
divided by the calls made (1 800 with `--quick`). `--by symbol` (the default) groups by
function; `--by file` and `--by line` group by source file and line, which needs a bench
built with line tables (`CARGO_PROFILE_RELEASE_DEBUG=line-tables-only`, in a target
directory of its own) and attributes inlined code to the file it came from.
"""

import argparse
import collections
import glob
import os
import re
import sys

NAME = re.compile(r"\((\d+)\)(?: (.*))?")


def summary(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return 0


def client_file(directory):
    """The callgrind file of the thread that ran `bench::calls`."""
    files = []
    for path in glob.glob(os.path.join(directory, "callgrind.out.*")):
        with open(path, errors="replace") as f:
            if "bench::calls" in f.read():
                files.append(path)
    if not files:
        sys.exit(f"{directory}: no callgrind.out.* file holds bench::calls")
    return max(files, key=summary)


def costs(path, event, by):
    """Exclusive cost of `event`, grouped `by` symbol, file or line."""
    names = {"fl": {}, "fn": {}}
    fn = fl = fi = None
    line = 0
    index = None
    skip_next = False
    out = collections.Counter()

    def name(kind, text):
        m = NAME.match(text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    with open(path, errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if raw.startswith("events:"):
                events = raw.split()[1:]
                if event not in events:
                    sys.exit(f"{path}: no event {event} (recorded: {' '.join(events)})")
                index = events.index(event)
            elif raw.startswith("fl="):
                fl = fi = name("fl", raw[3:])
            elif raw.startswith(("fi=", "fe=")):
                fi = name("fl", raw[3:])
            elif raw.startswith("fn="):
                fn = name("fn", raw[3:])
                fi = fl
            elif raw.startswith(("cfi=", "cfl=")):
                name("fl", raw[4:])
            elif raw.startswith("cfn="):
                name("fn", raw[4:])
            elif raw.startswith("calls="):
                skip_next = True  # the next cost line is the call's inclusive cost
            elif raw and (raw[0].isdigit() or raw[0] in "+-*"):
                parts = raw.split()
                position = parts[0]
                if position[0] in "+-":
                    line += int(position)
                elif position != "*":
                    line = int(position)
                if skip_next:
                    skip_next = False
                    continue
                if index is None or index + 1 >= len(parts):
                    continue
                cost = int(parts[index + 1])
                if by == "symbol":
                    key = re.sub(r"'\d+$", "", fn or "?")
                elif by == "file":
                    key = fi or "?"
                else:
                    key = f"{fi or '?'}:{line}"
                out[key] += cost
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ours")
    p.add_argument("raw")
    p.add_argument("--event", default="Ir", help="Ir, I1mr, D1mr, D1mw, ... (default Ir)")
    p.add_argument("--by", choices=["symbol", "file", "line"], default="symbol")
    p.add_argument("--calls", type=int, default=1800, help="calls per side (--quick: 1800)")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    ours = costs(client_file(args.ours), args.event, args.by)
    raw = costs(client_file(args.raw), args.event, args.by)
    total = (sum(ours.values()) - sum(raw.values())) / args.calls
    print(f"{args.event} per call, ours over raw: {total:+.1f}")
    print(f"{'over raw':>10} {'ours':>10}  {args.by}")
    keys = sorted(set(ours) | set(raw), key=lambda k: -abs(ours[k] - raw[k]))
    for k in keys[: args.top]:
        diff = (ours[k] - raw[k]) / args.calls
        print(f"{diff:+10.1f} {ours[k] / args.calls:10.1f}  {k}")


if __name__ == "__main__":
    main()
