import gzip

import numpy as np
import pytest

from keras_gan.data import load_arrays
from keras_gan.data import read_idx


def idx_bytes(array, code=0x08, big_endian_dtype=">u1"):
    header = bytes([0, 0, code, array.ndim])
    header += np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(big_endian_dtype).tobytes()


@pytest.mark.parametrize("compress", [True, False])
def test_reads_uint8_images(tmp_path, compress):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = idx_bytes(array)
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, array)


def test_reads_big_endian_int16_in_native_order(tmp_path):
    array = np.array([-2, 300, 7], dtype=np.int16)
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes(array, code=0x0B, big_endian_dtype=">i2"))
    out = read_idx(path)
    assert out.dtype == np.int16 and out.dtype.isnative
    assert out.tolist() == [-2, 300, 7]


def test_result_is_writable(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    out = read_idx(path)
    out[0] = 1  # would fail on a read-only frombuffer view


@pytest.mark.parametrize(
    "raw, pattern",
    [
        (b"\x01\x00\x08\x01" + b"\x00\x00\x00\x01" + b"\x00", "two zero bytes"),
        (b"\x00\x00", "two zero bytes"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", r"type code .*Received 0x07"),
        (b"\x00\x00\x08\x00", "at least one dimension"),
        (
            b"\x00\x00\x08\x02\x00\x00\x00\x01",
            r"12-byte IDX header.*8-byte file",
        ),
        (
            b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02",
            r"Expected 3 data bytes .*Received 2 bytes",
        ),
        (
            b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02",
            r"Expected 1 data bytes .*Received 2 bytes",
        ),
    ],
)
def test_malformed_files_raise(tmp_path, raw, pattern):
    path = tmp_path / "bad.idx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=pattern):
        read_idx(path)


def test_truncated_gzip_raises(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int64).astype(np.uint8)))
    path = tmp_path / "bad.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"gzip.*bad\.gz"):
        read_idx(path)


def write_fashion_dir(directory, n_train=12, n_test=6):
    directory.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        (directory / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
        # Plain (uncompressed) labels: both forms are found.
        (directory / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_bytes(labels))


def test_fashion_mnist_reads_idx_dir_from_env(tmp_path, monkeypatch):
    write_fashion_dir(tmp_path / "fm")
    monkeypatch.setenv("KERAS_GAN_FASHION_MNIST_DIR", str(tmp_path / "fm"))
    images, labels = load_arrays("fashion_mnist")
    assert images.shape == (12, 28, 28, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and labels.tolist() == list(range(10)) + [
        0,
        1,
    ]
    images, labels = load_arrays("fashion_mnist", split="test")
    assert images.shape == (6, 28, 28, 1) and labels.shape == (6,)
