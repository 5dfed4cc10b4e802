"""`simulate --batch`'s own loop over the first N lines of a cases file, output discarded, and
nothing else: the program to count CPU instructions of, which the machine's load does not move
(wall and CPU seconds on a shared machine vary by more than a change of a few per cent).

    python -m benchmarks.bench_simulate -n 100000 --keep /tmp/cases.jsonl
    valgrind --tool=callgrind --callgrind-out-file=/dev/null python -m benchmarks.simulate_lines /tmp/cases.jsonl 100000
    valgrind --tool=callgrind --callgrind-out-file=/dev/null python -m benchmarks.simulate_lines /tmp/cases.jsonl 0

The difference of the two `Collected` counts divided by N is the cost of a case, start-up left
out. Give valgrind the interpreter itself (`python -c "import sys; print(sys.executable)"`), not a
shim script, and compile the package's bytecode first (`python -m compileall -q auditor`).
"""
from __future__ import annotations

import io
import itertools
import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.simulate_lines CASES.jsonl N", file=sys.stderr)
        return 2
    from auditor.commands.simulate import write_decisions
    from auditor.evaluate.batch import BatchRunner

    with open(args[0], "rb") as stream:
        data = b"".join(itertools.islice(stream, int(args[1])))
    # Written to the null device as the command writes to its output: encoded, not kept.
    with open(os.devnull, "w", encoding="utf-8") as out:
        write_decisions(BatchRunner(), io.BytesIO(data), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
