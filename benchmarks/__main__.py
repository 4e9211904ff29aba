"""Run every benchmark module (benchmarks/bench_*.py, each with a `main(argv)`), or the ones named.

python -m benchmarks            # all
python -m benchmarks lookup     # benchmarks/bench_lookup.py only
"""

import importlib
import pkgutil
import sys

import benchmarks


def main(argv: list[str]) -> int:
    names = sorted(
        m.name.removeprefix("bench_") for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    chosen = [name for name in names if not argv or name in argv]
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
