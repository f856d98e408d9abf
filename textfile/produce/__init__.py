"""Productions (issue 20): the files a matter's texts are handed over in, each read from the archive
and written as bytes by a pure module here; `textfile produce` (later) records and writes them."""
