"""Clocks and memory gauges for the review benchmark (benchmarks/review.py), and the scan split into
its parts.

- `clock`: wall and CPU seconds of one call (CPU: this process's, which is all a scan uses).
- `memory`/`reset_peak`: the process's RSS now and its peak since the last reset, read from
  /proc/self/status (Linux resets the peak through /proc/self/clear_refs); elsewhere the peak of
  the process's life, which overstates nothing that was measured first.
- `scan_parts`: while it is open, the parts of `review.scan.scan` are timed where the scan calls
  them (module attributes wrapped and put back after, textfile itself unchanged): the opt keywords
  recorded, the signatures, each group's rules, the reconciling of each group's flags (lexicon, hours,
  people, in the order the scan calls them), the audit entry, and inside the people rules the
  opt changes read back. What is left of the scan's time is `other`.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple


class Timing(NamedTuple):
    wall: float
    cpu: float


def clock(work, *args):
    """(Timing, what work(*args) returned)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = work(*args)
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), value


def memory(field: str) -> float:
    """VmRSS or VmHWM of this process, MB (elsewhere than Linux: the peak so far)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Start VmHWM again from the RSS now (Linux 4.0 on); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


GROUPS = ("lexicon", "hours", "opt_outs", "consent")
# the parts in the order a scan reaches them (a nested part indented, after the part it is in)
ORDER = (
    "edited messages found",
    "opt keywords recorded",
    "signatures",
    "lexicon rules (FTS5)",
    "flags written: lexicon",
    "hours rules",
    "flags written: hours",
    "opt-out rules",
    "  of which: opt changes read",
    "flags written: opt_outs",
    "consent rules",
    "flags written: consent",
    "audit entry",
)


def _targets():
    """(module, attribute, the part's name) for each part timed; `_reconcile` is named by call order."""
    from textfile import audit
    from textfile.review import consent, rules, scan

    return [
        (rules, "record_opt_changes", "opt keywords recorded"),
        (scan, "signatures", "signatures"),
        (scan, "_edited", "edited messages found"),
        (rules, "lexicon_holds", "lexicon rules (FTS5)"),
        (rules, "hours_holds", "hours rules"),
        (rules, "opt_out_holds", "opt-out rules"),
        (rules, "consent_holds", "consent rules"),
        (consent, "opt_changes", "  of which: opt changes read"),
        (scan, "_reconcile", "flags written"),
        (audit, "append", "audit entry"),
    ]


@contextmanager
def scan_parts(parts: dict[str, float]):
    """Add each part's wall seconds to `parts` while open (see the module's docstring)."""
    targets = _targets()
    calls = {"flags written": 0}

    def timed(original, name):
        @functools.wraps(original)
        def run(*args, **kwargs):
            label = name
            if name == "flags written":
                label = f"flags written: {GROUPS[calls[name] % len(GROUPS)]}"
                calls[name] += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - start

        return run

    originals = [(module, attribute, getattr(module, attribute)) for module, attribute, _ in targets]
    for (module, attribute, name), (_, _, original) in zip(targets, originals):
        setattr(module, attribute, timed(original, name))
    try:
        yield parts
    finally:
        for module, attribute, original in originals:
            setattr(module, attribute, original)
