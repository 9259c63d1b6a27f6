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


class AssumedRangeWarning(UserWarning):
    """The pixel value range of a pipeline was guessed as 0..1.

    Raised through `warnings.warn` by `load_dataset` when a float
    `tf.data.Dataset` or `PyDataset` is given without `value_range=` and
    its first batch lies within [0, 1]. Pass `value_range=` to decide.
    """
