import numpy as np
import pytest

import keras
from keras import layers

from keras_gan.interpolation import class_interpolation
from keras_gan.interpolation import generate_images
from keras_gan.interpolation import interpolation_strip
from keras_gan.interpolation import latent_walk
from keras_gan.interpolation import num_classes
from keras_gan.interpolation import row_names
from keras_gan.interpolation import slerp
from keras_gan.interpolation import walk_frames
from tests.conftest import TINY_LATENT
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends

# slerp returns float32: 1e-5 is a few float32 ulps of unit-scale values,
# far below any interpolation error the tests look for. The transparent
# generators' outputs are compared with atol=1e-5 for the same reason.
RTOL = 1e-5
ATOL = 1e-5
K = 3  # classes of the conditional test generators
# Transparent generators: 64 latent values are the 8x8 image, so the tests
# read the latent path straight off the pixels.
WIDE = 64
OFFSETS = np.array([0.1, 0.2, 0.3], np.float32)  # class c adds OFFSETS[c]


def transparent_generator():
    z = keras.Input((WIDE,))
    return keras.Model(z, layers.Reshape((8, 8, 1))(z))


def transparent_conditional_generator():
    """Image = z + OFFSETS[c] for one-hot class c (mixtures mix the offsets)."""
    z = keras.Input((WIDE,))
    y = keras.Input((K,))
    embed = layers.Dense(WIDE, use_bias=False)
    offset = embed(y)
    embed.set_weights([np.repeat(OFFSETS[:, None], WIDE, axis=1)])
    x = layers.Add()([z, offset])
    return keras.Model([z, y], layers.Reshape((8, 8, 1))(x))


def tiny_conditional_generator():
    """A nonlinear [z, onehot] generator shaped like the contract's."""
    keras.utils.set_random_seed(0)
    z = keras.Input((TINY_LATENT,))
    y = keras.Input((K,))
    e = layers.Dense(4, use_bias=False)(y)
    x = layers.Concatenate()([z, e])
    x = layers.Dense(4 * 4 * 8, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((4, 4, 8))(x)
    x = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([z, y], x)


def _angle(u, v):
    cos = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return np.arccos(np.clip(cos, -1, 1))


# slerp maths


def test_slerp_endpoints_and_shapes():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 16))
    np.testing.assert_allclose(slerp(a, b, 0.0), a, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(slerp(a, b, 1.0), b, rtol=RTOL, atol=ATOL)
    assert slerp(a, b, 0.3).shape == (16,)
    assert slerp(a, b, 0.3).dtype == np.float32
    path = slerp(a, b, np.linspace(0, 1, 5))
    assert path.shape == (5, 16)
    np.testing.assert_allclose(path[0], a, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(path[-1], b, rtol=RTOL, atol=ATOL)


def test_slerp_keeps_the_norm_and_moves_at_constant_angular_speed():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 32))
    a, b = 3 * a / np.linalg.norm(a), 3 * b / np.linalg.norm(b)
    t = np.linspace(0, 1, 9)
    path = slerp(a, b, t)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, rtol=RTOL)
    # The angle from a grows linearly with t: a great circle at even speed.
    omega = _angle(a, b)
    angles = np.array([_angle(a, p) for p in path])
    np.testing.assert_allclose(angles, t * omega, atol=1e-3)
    # A straight line cuts inside the sphere: the midpoint is shorter.
    assert np.linalg.norm((a + b) / 2) < 3.0 * 0.9


def test_slerp_of_orthogonal_unit_vectors_at_half_has_norm_one():
    mid = slerp([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0.5)
    np.testing.assert_allclose(mid, [np.sqrt(0.5), np.sqrt(0.5), 0.0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.linalg.norm(mid), 1.0, rtol=RTOL)


def test_slerp_falls_back_to_a_line_where_no_circle_is_defined():
    a = np.array([1.0, 2.0, 3.0])
    t = np.linspace(0, 1, 4)
    # Nearly parallel, zero and opposite vectors: finite, on the straight line.
    for b in (a * (1 + 1e-9), 2 * a, np.zeros(3), -a):
        path = slerp(a, b, t)
        assert np.all(np.isfinite(path))
        np.testing.assert_allclose(
            path, (1 - t[:, None]) * a + t[:, None] * b, rtol=RTOL, atol=ATOL
        )


def test_slerp_is_batched_over_vectors_and_weights():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 8))
    t = np.linspace(0, 1, 5)
    path = slerp(a, b, t)
    assert path.shape == (5, 3, 8)
    for row in range(3):
        np.testing.assert_allclose(path[:, row], slerp(a[row], b[row], t), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "a, b, t, message",
    [
        (np.zeros(3), np.zeros(4), 0.5, r"same shape. Received shapes \(3,\) and \(4,\)"),
        (1.0, 2.0, 0.5, "Received shapes"),
        (np.ones(3), np.ones(3), np.ones((2, 2)), r"1-D array. Received shape \(2, 2\)"),
        (np.ones(3), np.array([1.0, np.nan, 0.0]), 0.5, "NaN or inf"),
    ],
)
def test_slerp_refuses_bad_input(a, b, t, message):
    with pytest.raises(ValueError, match=message):
        slerp(a, b, t)


def test_latent_walk_visits_the_keypoints_and_loops():
    walk = latent_walk(16, num_points=3, steps=4, seed=5)
    assert walk.shape == (12, 16) and walk.dtype == np.float32
    keypoints = np.random.default_rng(5).standard_normal((3, 16))
    for i in range(3):
        np.testing.assert_allclose(walk[4 * i], keypoints[i], rtol=RTOL, atol=ATOL)
    # The last segment leads back to the first keypoint and stops one step
    # short of it: the loop closes without a repeated or skipped frame.
    np.testing.assert_allclose(
        walk[-3:], slerp(keypoints[2], keypoints[0], [0.25, 0.5, 0.75]), rtol=RTOL, atol=ATOL
    )
    many = latent_walk(16, 3, 4, seed=5, walkers=6)
    assert many.shape == (12, 6, 16)
    np.testing.assert_array_equal(many[:, 0], walk)  # walker 0 is the single walk
    assert not np.allclose(many[:, 1], walk)
    np.testing.assert_array_equal(latent_walk(16, 3, 4, seed=5), walk)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_points": 1}, "`num_points` to be an int >= 2. Received: 1"),
        ({"steps": 0}, "`steps` to be an int >= 1. Received: 0"),
        ({"walkers": 0}, "`walkers` to be an int >= 1. Received: 0"),
        ({"steps": 2.5}, "Received: 2.5"),
    ],
)
def test_latent_walk_refuses_bad_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        latent_walk(8, **kwargs)


# Strips, walks and classes through generators


def test_strip_rows_are_slerp_paths_between_random_ends():
    strip = interpolation_strip(transparent_generator(), rows=3, steps=5, seed=0)
    assert strip.shape == (3, 5, 8, 8, 1)
    z = strip.reshape(3, 5, WIDE)
    for row in range(3):
        expected = slerp(z[row, 0], z[row, -1], np.linspace(0, 1, 5))
        np.testing.assert_allclose(z[row], expected, rtol=1e-4, atol=1e-4)
    # Rows are independent draws; the seed makes them reproducible.
    assert not np.allclose(z[0, 0], z[1, 0])
    np.testing.assert_array_equal(interpolation_strip(transparent_generator(), 3, 5, seed=0), strip)
    assert not np.allclose(interpolation_strip(transparent_generator(), 3, 5, seed=1), strip)


def test_strip_of_a_real_generator_is_in_its_range():
    keras.utils.set_random_seed(0)
    strip = interpolation_strip(tiny_generator(), rows=2, steps=4, seed=0)
    assert strip.shape == (2, 4, 8, 8, 1)
    assert np.all(np.abs(strip) <= 1) and strip.std() > 0


def test_conditional_strip_gives_row_i_class_i_mod_k():
    strip = interpolation_strip(transparent_conditional_generator(), rows=5, steps=4, seed=0)
    plain = interpolation_strip(transparent_generator(), rows=5, steps=4, seed=0)
    # Same seed, same noise: the difference is the row's class offset.
    for row in range(5):
        np.testing.assert_allclose(strip[row] - plain[row], OFFSETS[row % K], atol=1e-5)
    named = interpolation_strip(
        transparent_conditional_generator(),
        rows=2,
        steps=4,
        seed=0,
        labels=["c", 1],
        class_names=["a", "b", "C"],
    )
    np.testing.assert_allclose(named[0] - plain[0], OFFSETS[2], atol=1e-5)
    np.testing.assert_allclose(named[1] - plain[1], OFFSETS[1], atol=1e-5)
    every = interpolation_strip(transparent_conditional_generator(), 2, 4, seed=0, labels=0)
    np.testing.assert_allclose(every - plain[:2], OFFSETS[0], atol=1e-5)
    # Class weights: a half-and-half row sits between the two classes.
    mixed = interpolation_strip(
        transparent_conditional_generator(), 1, 4, seed=0, labels=np.array([[0.5, 0.0, 0.5]])
    )
    np.testing.assert_allclose(mixed[0] - plain[0], (OFFSETS[0] + OFFSETS[2]) / 2, atol=1e-5)


def test_strip_label_errors():
    with pytest.raises(ValueError, match="no `labels` for an unconditional"):
        interpolation_strip(transparent_generator(), labels=1)
    cond = transparent_conditional_generator()
    with pytest.raises(ValueError, match="`n=2` disagrees with `labels`, which hold 3"):
        interpolation_strip(cond, rows=2, labels=[0, 1, 2])
    with pytest.raises(ValueError, match=r"Unknown class 'shoe'.*one of \['a', 'b', 'c'\]"):
        interpolation_strip(cond, rows=1, labels="shoe", class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="Unknown class 3"):
        interpolation_strip(cond, rows=1, labels=3)
    with pytest.raises(ValueError, match="Expected 3 class names for this generator. Received 2"):
        interpolation_strip(cond, rows=1, labels="a", class_names=["a", "b"])
    with pytest.raises(ValueError, match="`steps` to be an int >= 2. Received: 1"):
        interpolation_strip(cond, steps=1)
    with pytest.raises(ValueError, match="`rows` to be an int >= 1. Received: 0"):
        interpolation_strip(cond, rows=0)


def test_row_names_name_the_class_each_default_row_shows():
    cond = transparent_conditional_generator()
    assert row_names(cond, 5, ["a", "b", "c"]) == ["a", "b", "c", "a", "b"]
    assert row_names(cond, 2) == ["0", "1"]
    assert row_names(transparent_generator(), 3, ["a", "b", "c"]) is None
    with pytest.raises(ValueError, match="Expected 3 class names for this generator. Received 2"):
        row_names(cond, 2, ["a", "b"])
    with pytest.raises(ValueError, match="`rows` to be an int >= 1. Received: 0"):
        row_names(cond, 0)


def test_walk_frames_follow_latent_walk_with_fixed_classes():
    frames = walk_frames(
        transparent_conditional_generator(), num_points=3, steps=2, walkers=4, seed=0
    )
    assert frames.shape == (6, 4, 8, 8, 1)
    z = latent_walk(WIDE, 3, 2, seed=0, walkers=4)
    for walker in range(4):
        np.testing.assert_allclose(
            frames[:, walker].reshape(6, WIDE) - z[:, walker], OFFSETS[walker % K], atol=1e-5
        )
    plain = walk_frames(transparent_generator(), num_points=3, steps=2, walkers=4, seed=0)
    np.testing.assert_allclose(plain.reshape(6, 4, WIDE), z, atol=1e-6)


def test_class_interpolation_fixes_the_noise_and_mixes_the_labels():
    images = class_interpolation(transparent_conditional_generator(), 0, 2, steps=5, seed=0, rows=2)
    assert images.shape == (2, 5, 8, 8, 1)
    weights = np.linspace(0, 1, 5)
    for row in range(2):
        noise = images[row, 0] - OFFSETS[0]
        for col, w in enumerate(weights):
            expected = noise + (1 - w) * OFFSETS[0] + w * OFFSETS[2]
            np.testing.assert_allclose(images[row, col], expected, atol=1e-5)
    assert not np.allclose(images[0], images[1])  # each row has its own noise


def test_class_interpolation_ends_are_the_pure_classes():
    generator = tiny_conditional_generator()
    images = class_interpolation(
        generator, "B", 2, steps=4, seed=3, rows=2, class_names=["a", "b", "c"]
    )
    # The documented noise of `seed`: one standard normal draw per row.
    z = np.random.default_rng(3).standard_normal((2, TINY_LATENT))
    eye = np.eye(K, dtype=np.float32)
    first = generate_images(generator, z, eye[[1, 1]])
    last = generate_images(generator, z, eye[[2, 2]])
    # Same inputs through the same inference graph, only batched differently:
    # float32 rounding at most.
    np.testing.assert_allclose(images[:, 0], first, atol=1e-5)
    np.testing.assert_allclose(images[:, -1], last, atol=1e-5)
    assert not np.allclose(images[:, 1], first, atol=1e-3)  # the middle is a mixture


def test_class_interpolation_refusals():
    with pytest.raises(ValueError, match="conditional generator"):
        class_interpolation(transparent_generator(), 0, 1)
    cond = transparent_conditional_generator()
    with pytest.raises(ValueError, match="Unknown class 5"):
        class_interpolation(cond, 0, 5)
    with pytest.raises(ValueError, match="Unknown class 'shirt'"):
        class_interpolation(cond, "shirt", 1)  # numbered classes have no names
    with pytest.raises(ValueError, match="`steps` to be an int >= 2"):
        class_interpolation(cond, 0, 1, steps=1)


def test_reading_classes_and_generating():
    assert num_classes(transparent_generator()) is None
    assert num_classes(transparent_conditional_generator()) == K

    class Subclassed(keras.Model):
        def call(self, z):
            return z

    with pytest.raises(ValueError, match="one input .z. or two"):
        num_classes(Subclassed())
    three = [keras.Input((2,)) for _ in range(3)]
    with pytest.raises(ValueError, match="Received 3 inputs"):
        num_classes(keras.Model(three, layers.Concatenate()(three)))
    with pytest.raises(ValueError, match="labels for a conditional"):
        generate_images(transparent_conditional_generator(), np.zeros((2, WIDE)))
    with pytest.raises(ValueError, match=r"labels of shape \(2, 3\). Received \(2, 2\)"):
        generate_images(transparent_conditional_generator(), np.zeros((2, WIDE)), np.zeros((2, 2)))
    # Batches are joined in order.
    z = np.random.default_rng(0).standard_normal((5, WIDE))
    np.testing.assert_allclose(
        generate_images(transparent_generator(), z, batch_size=2).reshape(5, WIDE), z, atol=1e-6
    )
