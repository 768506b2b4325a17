"""Exception types raised by the library. The CLI and the UI turn each into a one-line message.

Every message says what to do next.
"""


class RagError(Exception):
    """Base class: anything the user can fix by doing what the message says."""


class SettingsError(RagError):
    """A setting is unknown or has a value that cannot work."""


class IndexMissingError(RagError):
    """No index has been built in the index folder yet."""


class IndexCorruptError(RagError):
    """The index files cannot be read; `rag index` rebuilds them."""


class IndexMismatchError(RagError):
    """The index was built with other settings (model, chunking) or an older format."""


class IndexOutdatedError(IndexMismatchError):
    """The index was written by another version of this program (format or chunker): safe to rebuild."""


class IndexBusyError(RagError):
    """Another `rag index` holds the lock on this index folder."""


class CorpusError(RagError):
    """The corpus folder is missing or holds no readable article."""


class ModelUnavailableError(RagError):
    """A model package is not installed or its weights cannot be read."""


class InputError(RagError):
    """A question, quote or upload cannot be used as given."""
