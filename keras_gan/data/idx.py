"""Reader for the IDX format of (Fashion-)MNIST, gzipped or plain.

Format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the
number of dimensions, then one big-endian uint32 per dimension, then the data
in big-endian C order.
"""

import gzip
import zlib

import numpy as np

_GZIP_MAGIC = b"\x1f\x8b"

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    # Sniff the content rather than trusting the ".gz" suffix: Debian's
    # files are gzipped, some mirrors ship them decompressed under the same
    # name.
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(
            f"Expected a valid gzip-compressed IDX file. Could not decompress {path}: {err}."
        ) from err


def read_idx(path):
    """Reads an IDX file into a numpy array.

    Args:
        path: path to the file, gzip-compressed or not.

    Returns:
        A numpy array with the file's shape, in native byte order (uint8 for
        MNIST images and labels).

    Raises:
        ValueError: when the header is malformed, the type code is unknown,
            or the data length does not match the header's dimensions.

    Example:

    >>> labels = read_idx("train-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> labels.shape
    (60000,)
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"Expected an IDX file starting with two zero bytes, a type code "
            f"and a dimension count. Received {path} starting with "
            f"{raw[:4]!r}."
        )
    code, ndim = raw[2], raw[3]
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _DTYPES)
        raise ValueError(
            f"Expected an IDX type code in ({known}). Received 0x{code:02X} in {path}."
        )
    if ndim == 0:
        raise ValueError(
            f"Expected an IDX file with at least one dimension. Received 0 dimensions in {path}."
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"Expected a {header}-byte IDX header for {ndim} dimensions. "
            f"Received a {len(raw)}-byte file: {path}."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, offset=4))
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    received = len(raw) - header
    if received != expected:
        raise ValueError(
            f"Expected {expected} data bytes for shape {shape} of "
            f"{dtype.name} in {path}. Received {received} bytes (truncated "
            f"or corrupt file?)."
        )
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    # frombuffer over bytes is read-only; copy once into native byte order.
    return data.astype(dtype.newbyteorder("="))
