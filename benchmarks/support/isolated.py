"""A benchmark's own audit key and config folder, never the user's.

Creating or changing an archive makes or reads the key that seals its audit log ($TEXTFILE_KEY, else
`key` in the config folder, $XDG_CONFIG_HOME on Linux): a benchmark that left them as they are would
make a key in the user's config folder, or seal its throwaway archives with the user's own key. Set
in `os.environ`, so every process the benchmark starts (its children, `textfile` itself, a reading
process) inherits them. Standard library only: whatsapp.py imports it under the peers' Python too.
"""

from __future__ import annotations

import os
from pathlib import Path


def isolate(folder: Path) -> None:
    """TEXTFILE_KEY and XDG_CONFIG_HOME in `folder`, for this process and all it starts. A folder kept
    between runs keeps its key with its archives (an archive sealed with one key refuses changes under
    another)."""
    os.environ["TEXTFILE_KEY"] = str(Path(folder).absolute() / "key")
    os.environ["XDG_CONFIG_HOME"] = str(Path(folder).absolute() / "config")
