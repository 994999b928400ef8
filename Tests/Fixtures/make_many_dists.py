#!/usr/bin/env python3
"""Writes many small valid wheels in one process, for the replication tests and benchmark.

    make_many_dists.py OUT_DIR PROJECTS VERSIONS [--prefix NAME] [--payload N] [--start-version K]

Project i (0-based) is `{prefix}-{i}`; versions are `1.K`, `1.K+1`, ... Wheels are written by
make_dist.py's `write_wheel`, so they are the same as the other tests'. Prints the count.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_dist import write_wheel  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("projects", type=int)
    p.add_argument("versions", type=int)
    p.add_argument("--prefix", default="rep")
    p.add_argument("--payload", type=int, default=0)
    p.add_argument("--start-version", type=int, default=0)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    count = 0
    for i in range(args.projects):
        for v in range(args.start_version, args.start_version + args.versions):
            write_wheel(argparse.Namespace(
                out=args.out, name=f"{args.prefix}-{i}", version=f"1.{v}", requires_python=None,
                requires_dist=[], provides_extra=[], tag="py3-none-any", payload=args.payload,
                summary="A replication test distribution"))
            count += 1
    print(count)


if __name__ == "__main__":
    sys.exit(main())
