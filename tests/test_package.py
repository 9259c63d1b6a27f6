"""`import keras_gan`: cheap, every public submodule reachable, and saved
models loadable with `keras.saving.load_model` as for any Keras model."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import keras

import keras_gan
from keras_gan import GAN
from keras_gan import ConditionalGAN
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator
from tests.test_conditional import cond_discriminator
from tests.test_conditional import cond_generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python(code, cwd):
    # A fresh interpreter: nothing registered, nothing imported yet.
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "could not register" not in result.stderr, result.stderr[-3000:]
    return result.stdout


def test_import_loads_no_keras_and_reaches_every_public_submodule():
    out = _python(
        """
        import sys
        import keras_gan
        print("keras" in sys.modules, "tensorflow" in sys.modules)
        for name in ("presets", "saving", "interpolation", "options", "cli",
                     "training", "evaluation", "images", "data", "models",
                     "losses", "metrics", "augment", "distribute", "hardware"):
            assert getattr(keras_gan, name).__name__ == "keras_gan." + name, name
        print("ok")
        """,
        cwd=ROOT,
    )
    # `keras-gan --help` imports the package: it must not load TensorFlow.
    assert out.splitlines() == ["False False", "ok"]
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        keras_gan.nope  # noqa: B018
    assert {"presets", "saving", "interpolation", "GAN"} <= set(dir(keras_gan))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    # A GAN with an EMA, a ConditionalGAN and a bare generator, saved here;
    # each is loaded again in fresh processes below.
    folder = tmp_path_factory.mktemp("saved")
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=1.0)
    gan.compile()
    gan.save(folder / "gan.keras")
    cgan = ConditionalGAN(cond_generator(), cond_discriminator(), class_names=("a", "b"), seed=0)
    cgan.compile()
    cgan.save(folder / "cgan.keras")
    gan.sampling_generator.save(folder / "generator.keras")
    z = gan.sample_noise(4, seed=1)
    np.save(folder / "z.npy", z)
    np.save(folder / "gan.npy", gan.generate(z=z))
    np.save(folder / "cgan.npy", cgan.generate(z=z, labels=[0, 1, 0, 1]))
    return folder


LOAD_ALL = """
    import numpy as np
    z = np.load("z.npy")
    gan = keras.saving.load_model("gan.keras")
    cgan = keras.saving.load_model("cgan.keras")
    generator = keras.saving.load_model("generator.keras")
    print(type(gan).__name__, type(cgan).__name__, cgan.class_names)
    # Same weights, fresh process: float32 rounding at most.
    np.testing.assert_allclose(gan.predict(z, verbose=0), np.load("gan.npy"), atol=1e-5)
    np.testing.assert_allclose(generator.predict(z, verbose=0), np.load("gan.npy"), atol=1e-5)
    np.testing.assert_allclose(
        cgan.generate(z=z, labels=[0, 1, 0, 1]), np.load("cgan.npy"), atol=1e-5)
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import keras, keras_gan",
        "import keras_gan, keras",
        "from keras_gan.gan import GAN; import keras",
    ],
)
def test_load_model_after_import_keras_gan(saved, imports):
    # Whichever is imported first, nothing else is needed: Keras finds the
    # classes that `.keras` files name. With `from keras_gan.gan import GAN`
    # first, Keras is loaded by keras-gan's own half-imported module, and the
    # registration waits for it (no warning, ConditionalGAN registered too).
    out = _python(imports + "\n" + textwrap.dedent(LOAD_ALL), cwd=saved)
    assert out.split()[:2] == ["GAN", "ConditionalGAN"]


def test_without_keras_gan_the_gan_needs_registering(saved):
    # The control: Keras alone cannot know the class (the generator alone
    # is plain Keras layers and loads).
    out = _python(
        """
        import keras
        keras.saving.load_model("generator.keras")
        try:
            keras.saving.load_model("gan.keras")
        except TypeError as error:
            print("refused:", "Could not locate class 'GAN'" in str(error))
        """,
        cwd=saved,
    )
    assert out.strip() == "refused: True"


def test_requirements_resolve_on_the_public_index():
    # A local version label (`torch==2.13.0+cpu`) exists only on the index
    # that built it: pip on an ordinary machine stops with "No matching
    # distribution". And a torch range that admits newer releases pulls a
    # multi-GB CUDA build where 2.13.0 is what the tests run on.
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert not [r for r in requirements if "+" in r]
    torches = {r for r in requirements if r.split("[")[0].split("=")[0].strip() == "torch"}
    assert torches == {"torch==2.13.0"}
