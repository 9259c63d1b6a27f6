"""Datasets for GAN training: named datasets, image folders, numpy files and
arrays, as NHWC arrays or batched `tf.data` pipelines scaled to [-1, 1].

Example:

>>> from keras_gan.data import load_dataset
>>> dataset = load_dataset("mnist_sample", batch_size=256)  # offline
>>> batch = next(iter(dataset))  # float32, shape (256, 28, 28, 1), in [-1, 1]
"""

from keras_gan.data.class_names import class_names
from keras_gan.data.errors import AssumedRangeWarning
from keras_gan.data.errors import DatasetUnavailableError
from keras_gan.data.errors import SkippedImagesWarning
from keras_gan.data.folder import IMAGE_EXTENSIONS
from keras_gan.data.folder import last_skipped_files
from keras_gan.data.folder_cache import FolderImages
from keras_gan.data.idx import read_idx
from keras_gan.data.loading import SOURCES
from keras_gan.data.loading import load_arrays
from keras_gan.data.loading import load_dataset
from keras_gan.data.loading import make_dataset
from keras_gan.data.loading import open_arrays
from keras_gan.data.loading import steps_per_epoch
from keras_gan.data.scaling import scale_batch
from keras_gan.data.scaling import scale_images

__all__ = [
    "AssumedRangeWarning",
    "DatasetUnavailableError",
    "FolderImages",
    "IMAGE_EXTENSIONS",
    "SOURCES",
    "SkippedImagesWarning",
    "class_names",
    "last_skipped_files",
    "load_arrays",
    "load_dataset",
    "make_dataset",
    "open_arrays",
    "read_idx",
    "scale_batch",
    "scale_images",
    "steps_per_epoch",
]
