"""Exceptions and warnings raised by `keras_gan.data`."""


class DatasetUnavailableError(RuntimeError):
    """A named dataset could not be loaded (not cached and not downloadable).

    The message always says where to put the files for offline use and which
    offline sources work instead, so it can be shown to a user as is.
    """


class SkippedImagesWarning(UserWarning):
    """Some image files could not be read and were skipped.

    Raised through `warnings.warn` by the folder loader when
    `skip_bad_files=True`.

    Args:
        message: the warning text.
        paths: the skipped files, as strings.
    """

    def __init__(self, message, paths=()):
        super().__init__(message)
        self.paths = tuple(paths)
