"""What the forkserver of the rendering workers imports once, before it forks them (`render.Renderer`).

WeasyPrint takes about 0.35 s of CPU to import: imported here, every worker has it for nothing.
A WeasyPrint that cannot be imported (Pango missing, say) must not end the server, which would
leave the workers nothing to start from and the user an "unexpected EOF": each worker then meets
the error in its own set-up and reports it in one line.
"""

import textfile.transcript.render  # noqa: F401

try:
    import weasyprint  # noqa: F401
except Exception:  # noqa: BLE001 — reported by each worker, as said above
    pass
