"""Typed errors of the core. Only the CLI turns them into messages and exit codes (1 for these;
integrity failures, found by `verify`, exit 3)."""


class TextfileError(Exception):
    "Something the user asked for cannot be done."

    exit_code = 1


class ArchiveNotFound(TextfileError):
    "No archive at that location (run `textfile init`)."


class ArchiveExists(TextfileError):
    "An archive already exists at that location."


class ArchiveBusy(TextfileError):
    "Another process held the archive's write lock for longer than the busy timeout."


class InvalidInput(TextfileError):
    "An argument's value is not acceptable."


class InvalidHandle(InvalidInput):
    "A phone number or email address is not valid."


class NotFound(TextfileError):
    "A client, matter or conversation of that name does not exist."


class Conflict(TextfileError):
    "The change would contradict what the archive already holds."


class IntegrityFailed(TextfileError):
    "The archive fails its checks, and the answer asked for would rest on it (which phone threads are safe to delete)."

    exit_code = 3


class ProcessFailed(TextfileError):
    "A process started for part of the work (a rendering worker) could not start, or ended before it was done."


class ImportFailed(TextfileError):
    "A source file cannot be imported; the archive is unchanged."

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormat(ImportFailed):
    "No importer recognizes the file."
