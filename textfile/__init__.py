"""textfile: a compliance archiver for text messages."""

__version__ = "0.1.0"
