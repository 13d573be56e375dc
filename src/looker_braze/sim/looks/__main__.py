"""Write a generated Look and print its truth and how fast it was written.

    python -m looker_braze.sim.looks --rows 1000000 --out look.json --unknown-share 0.1

Doubles as the generator's benchmark: rows/s and MB/s, wall and CPU time, peak memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time

from looker_braze.sim.looks import LookSpec, compute_truth, write_look
from looker_braze.sim.population import IDENTIFIER_KINDS


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m looker_braze.sim.looks", description=__doc__)
    parser.add_argument("--out", required=True, help="file to write the json_detail document to")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--id-kind", choices=IDENTIFIER_KINDS, default="external_id")
    parser.add_argument("--known-users", type=int, default=None)
    for share in ("unknown", "duplicate", "invalid-id", "invalid-attribute", "null"):
        parser.add_argument(f"--{share}-share", type=float, default=0.0)
    for flag in ("lite", "pivoted", "malformed-tags"):
        parser.add_argument(f"--{flag}", action="store_true")
    parser.add_argument("--fields-last", action="store_true", help="write fields after data")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    spec = LookSpec(
        rows=args.rows,
        seed=args.seed,
        id_kind=args.id_kind,
        known_users=args.known_users,
        unknown_share=args.unknown_share,
        duplicate_share=args.duplicate_share,
        invalid_id_share=args.invalid_id_share,
        invalid_attribute_share=args.invalid_attribute_share,
        null_share=args.null_share,
        lite=args.lite,
        pivoted=args.pivoted,
        malformed_tags=args.malformed_tags,
        fields_first=not args.fields_last,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    truth = write_look(spec, args.out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    started = time.perf_counter()
    compute_truth(spec)
    truth_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{spec.format}: {truth.rows:,} rows, {truth.bytes / 1e6:,.1f} MB -> {args.out}")
    print(
        f"written in {wall:.2f} s wall / {cpu:.2f} s CPU: {truth.rows / wall:,.0f} rows/s, "
        f"{truth.bytes / 1e6 / wall:,.0f} MB/s"
    )
    print(f"truth alone {truth_s:.2f} s; peak RSS {peak_mb:.0f} MB")
    for name, value in dataclasses.asdict(truth).items():
        print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
