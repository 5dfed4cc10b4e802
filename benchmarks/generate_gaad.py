"""Deterministic generator of `aws iam get-account-authorization-details` output at any size.

    python -m benchmarks.generate_gaad --principals 20000 --out FILE [--seed N] [--corpus JSONL | --no-corpus]

The file is written the way the AWS CLI (v2) prints it: four-space indentation, policy documents as
decoded JSON objects, ISO dates with +00:00. Entries are produced one at a time and written as they
come, so memory stays flat however many principals are asked for. Same arguments, same bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

from benchmarks.gaad_account import Account
from benchmarks.gaad_managed import default_corpus_path, load_aws_managed

DEFAULT_SEED = 7
_ITEM_INDENT = "\n" + " " * 8


def _write_list(out: TextIO, key: str, items: Iterable[dict], last: bool = False) -> int:
    out.write(f'    "{key}": [')
    count = 0
    for item in items:
        text = json.dumps(item, indent=4, ensure_ascii=False)
        out.write(("," if count else "") + _ITEM_INDENT + text.replace("\n", _ITEM_INDENT))
        count += 1
    out.write("\n    ]" if count else "]")
    out.write("\n" if last else ",\n")
    return count


def write_gaad(account: Account, out: TextIO) -> dict[str, int]:
    """Streams the account as GAAD JSON; returns how many entries of each list were written."""
    out.write("{\n")
    counts = {
        "UserDetailList": _write_list(out, "UserDetailList", account.users()),
        "GroupDetailList": _write_list(out, "GroupDetailList", account.groups),
        "RoleDetailList": _write_list(out, "RoleDetailList", account.roles()),
    }
    # Policies come last because their AttachmentCount is only known once every principal exists.
    counts["Policies"] = _write_list(out, "Policies", account.policies(), last=True)
    out.write("}\n")
    return counts


def generate(principals: int, out_path: Path, *, seed: int = DEFAULT_SEED, corpus: Path | None = None) -> dict[str, int]:
    """Writes the file atomically (a cached benchmark input is never half-written)."""
    if principals < 1:
        raise ValueError("principals must be at least 1")
    account = Account(principals, seed, load_aws_managed(corpus))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        counts = write_gaad(account, fh)
    os.replace(tmp, out_path)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate_gaad", description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, required=True, help="users + roles")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, default=None,
                        help="AWS managed policies (JSONL); default: the shared corpus if present")
    source.add_argument("--no-corpus", action="store_true", help="use the small built-in set of AWS managed policies")
    args = parser.parse_args(argv)
    if args.principals < 1:
        parser.error("--principals must be at least 1")
    corpus = None if args.no_corpus else (args.corpus or default_corpus_path())
    counts = generate(args.principals, args.out, seed=args.seed, corpus=corpus)
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
