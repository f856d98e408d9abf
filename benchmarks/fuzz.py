"""Fuzzing: every importer fed thousands of hostile exports (tests/fuzz_build.py's strategies).

The properties of tests/test_fuzz_importers.py with many more examples: each export is imported
through the CLI into a copy of an archive holding the fixtures (one in --process-every through
`python -m textfile`, as a user runs it), and must end in exit 0, or exit 1 with one line
`Error: <file>: <reason>`; never a traceback; a refusal leaves the archive's content exactly as it
was; an import repeated adds nothing; each ends within --deadline. Prints, per format: inputs tried,
imported (exit 0), refused (exit 1), crashes (tracebacks), hangs, archive changed on refusal, other
broken promises (output, idempotence), the slowest input; then the refusal reasons seen most (numbers
and quoted values blurred, so that alike reasons count together). For a format with a broken
promise, the property runs again from the same seed so that hypothesis shrinks the first failure:
the minimal export and the traceback are printed. Exit 1 when any promise broke.

    .venv/bin/python benchmarks/fuzz.py                       # 2,000 per format (`make fuzz`)
    .venv/bin/python benchmarks/fuzz.py --examples 200 --format android --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_build import STRATEGIES, attempt, make_template  # noqa: E402
from hypothesis import Phase, given, seed, settings  # noqa: E402

BROKEN = ("crash", "hang", "changed on refusal", "bad output", "not idempotent")


def blur(reason: str) -> str:
    """A refusal reason with its particulars (line numbers, byte values, quoted names) blurred."""
    reason = re.sub(r"(?<!\w)'[^']*'|\"[^\"]*\"", "'…'", reason)
    return re.sub(r"\d+", "N", reason)[:160]


def explore(fmt: str, examples: int, at_seed: int, deadline: float, process_every: int, template: Path) -> dict:
    """Run `examples` exports of `fmt`, counting outcomes; nothing stops the run."""
    found = {"outcomes": Counter(), "reasons": Counter(), "broken": [], "slowest": (0.0, None)}

    @settings(settings.get_profile("fuzz"), max_examples=examples, phases=[Phase.generate], database=None)
    @seed(at_seed)
    @given(export=STRATEGIES[fmt])
    def run(export):
        tried = sum(found["outcomes"].values()) + 1
        outcome = attempt(
            export, template, deadline=deadline, process=bool(process_every) and tried % process_every == 0
        )
        found["outcomes"][outcome.status] += 1
        if outcome.status == "refused":
            found["reasons"][blur(outcome.detail)] += 1
        elif not outcome.held:
            found["broken"].append((outcome, export))
        if outcome.seconds > found["slowest"][0]:
            found["slowest"] = (outcome.seconds, export)

    run()
    return found


def shrink(fmt: str, statuses: set[str], examples: int, at_seed: int, deadline: float, template: Path) -> str | None:
    """The first of these broken promises in the same run, shrunk by hypothesis: its falsifying example
    and traceback. (Not hangs: every try of a hang takes the deadline, and hypothesis would take hours.)"""

    @settings(settings.get_profile("fuzz"), max_examples=examples, phases=[Phase.generate, Phase.shrink])
    @seed(at_seed)
    @given(export=STRATEGIES[fmt])
    def check(export):
        outcome = attempt(export, template, deadline=deadline)
        assert outcome.status not in statuses, f"{outcome.status}: {outcome.detail}"

    try:
        check()
    except Exception as exc:  # (an AssertionError, or an ExceptionGroup of several)
        return "".join(traceback.format_exception(exc))
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="inputs per format (default 2000)")
    parser.add_argument("--format", choices=sorted(STRATEGIES), action="append", help="only this format (repeatable)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: a new one, printed)")
    parser.add_argument(
        "--deadline",
        type=float,
        default=10.0,
        help="seconds an import may take before it counts as a hang (default 10)",
    )
    parser.add_argument(
        "--process-every",
        type=int,
        default=100,
        help="every Nth input through `python -m textfile` (0: none; default 100)",
    )
    parser.add_argument("--no-shrink", action="store_true", help="do not rerun a broken promise for its minimal input")
    args = parser.parse_args()
    at_seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    formats = args.format or list(STRATEGIES)
    print(f"seed {at_seed}, {args.examples:,} inputs per format, deadline {args.deadline:g} s", flush=True)

    rows, reasons, failures = [], defaultdict(Counter), []
    with tempfile.TemporaryDirectory(prefix="textfile-fuzz-template-") as tmp:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):  # the user's own config and data folders are never used
            os.environ[name] = str(Path(tmp) / name.lower())
        os.environ["TEXTFILE_KEY"] = str(Path(tmp) / "key")  # (nor the key a user's $TEXTFILE_KEY names)
        template = make_template(Path(tmp))
        for fmt in formats:
            started = time.monotonic()
            found = explore(fmt, args.examples, at_seed, args.deadline, args.process_every, template)
            outcomes = found["outcomes"]
            other = outcomes["bad output"] + outcomes["not idempotent"]
            rows.append(
                (
                    fmt,
                    sum(outcomes.values()),
                    outcomes["imported"],
                    outcomes["refused"],
                    outcomes["crash"],
                    outcomes["hang"],
                    outcomes["changed on refusal"],
                    other,
                    f"{found['slowest'][0]:.2f}",
                    f"{time.monotonic() - started:.0f}",
                )
            )
            reasons[fmt] = found["reasons"]
            print(f"{fmt}: done, {rows[-1][1]:,} inputs in {rows[-1][-1]} s", flush=True)
            if found["broken"]:
                failures.append((fmt, found))

        headers = (
            "format",
            "tried",
            "exit 0",
            "refused",
            "crashes",
            "hangs",
            "changed on refusal",
            "other broken",
            "slowest s",
            "total s",
        )
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        print()
        for row in [headers, *rows]:
            print(
                "  ".join(
                    str(cell).rjust(width) if i else str(cell).ljust(width)
                    for i, (cell, width) in enumerate(zip(row, widths))
                )
            )
        for fmt in formats:
            print(f"\nrefusal reasons seen most, {fmt}:")
            for reason, count in reasons[fmt].most_common(10):
                print(f"  {count:6,}  {reason}")

        for fmt, found in failures:
            print(f"\n== {fmt}: {len(found['broken'])} broken promise(s)")
            statuses = Counter(o.status for o, _ in found["broken"])
            for status, count in statuses.items():
                print(f"  {status}: {count}")
            for status in statuses:  # the first three of each
                for outcome, export in [b for b in found["broken"] if b[0].status == status][:3]:
                    print(
                        f"-- {outcome.status} ({outcome.seconds:.1f} s): {repr(export)[:3000]}\n{outcome.detail[:6000]}"
                    )
            if not args.no_shrink and (to_shrink := set(statuses) - {"hang"}):
                shrunk = shrink(fmt, to_shrink, args.examples, at_seed, args.deadline, template)
                print(
                    f"-- shrunk by hypothesis:\n{shrunk}"
                    if shrunk
                    else "-- hypothesis did not find it again from the seed (see above)"
                )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
