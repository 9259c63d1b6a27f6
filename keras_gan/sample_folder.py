"""Samples as a folder of PNG files, for tools that score image folders.

clean-fid and torch-fidelity read folders of image files. `write_samples`
writes one PNG per image (grey or RGB, the generator's image size),
batched, seeded and resumable: image `i` always comes from row `i` of
`numpy.random.default_rng(seed).standard_normal((n, latent_dim))` (the
noise `generate(n, seed=seed)` draws), so a folder filled in several
interrupted runs is the same as one filled at once, and its first `k`
files are those a run with `n=k` writes.
"""

import json
import numbers
import os

import numpy as np

from keras_gan._checks import check_int
from keras_gan.files import atomic_path

# Hidden, so that tools globbing `*.png` never see it or the temporary files.
INFO_FILE = ".keras_gan_samples.json"
TMP_PREFIX = ".tmp-"


def sample_file_name(index):
    """The file name of image `index`: `000000.png`, `000001.png`, ...

    Example:

    >>> sample_file_name(42)
    '000042.png'
    """
    return f"{index:06d}.png"


def _folder_info(sampler, seed, labels):
    return {
        "seed": seed,
        "label": labels,
        "latent_dim": int(sampler.latent_dim),
        "num_classes": getattr(sampler, "num_classes", None),
    }


def _check_folder(out_dir, info):
    path = os.path.join(out_dir, INFO_FILE)
    if not os.path.isfile(path):
        return
    with open(path) as f:
        found = json.load(f)
    if found != info:
        raise ValueError(
            f"{out_dir!r} holds samples written with other settings "
            f"({found}); resuming would mix them with {info}. Use another "
            "folder, or the same seed and label."
        )


def write_samples(sampler, out_dir, n, seed=0, labels=None, batch_size=500, verbose=1):
    """Writes `n` generated images to `out_dir` as PNG files, resumably.

    Files are `000000.png`, `000001.png`, ... (see `sample_file_name`),
    each written under a temporary name and renamed when complete. Files
    already in the folder are skipped, so an interrupted call continues
    where it stopped when called again with the same arguments (a folder
    holding samples of another seed or label is refused).

    Args:
        sampler: an object with the GAN protocol: a `GAN`, a
            `ConditionalGAN` or a `keras_gan.saving.GeneratorSampler`
            (`latent_dim`, `generate(z=..., batch_size=...)`, and for a
            conditional generator `num_classes`, `class_names` and
            `generate(labels=...)`).
        out_dir: the folder; created if missing.
        n: the number of images.
        seed: seed of the noise. Defaults to 0.
        labels: a conditional generator's class for every image, a number
            or a class name. Defaults to `None`: image `i` has class
            `i mod num_classes`.
        batch_size: images per generator call. Defaults to 500.
        verbose: 1 shows a progress bar, 0 nothing. Defaults to 1.

    Returns:
        The number of files written by this call (`n` minus those found).

    Raises:
        ValueError: for a non-positive `n` or `batch_size`, `labels` with
            an unconditional generator or naming no class, or a folder
            written with another seed or label.

    Example:

    >>> sampler = GeneratorSampler(load_generator("logs/run/generator.keras"))
    >>> write_samples(sampler, "logs/run/samples_50k", n=50000)
    """
    import keras

    from keras_gan.images import _to_pil
    from keras_gan.images import to_uint8
    from keras_gan.sampling import label_index

    n = check_int("n", n)
    batch_size = check_int("batch_size", batch_size)
    num_classes = getattr(sampler, "num_classes", None)
    if labels is not None:
        if num_classes is None:
            raise ValueError(
                "This generator is not conditional: it takes no labels. "
                f"Received: labels={labels!r}"
            )
        if not isinstance(labels, (str, numbers.Integral)):
            raise ValueError(
                "Expected one label for a sample folder (a number or a class "
                f"name). Received: {labels!r}"
            )
        # Refused now if it names no class; recorded as the class number.
        labels = label_index(labels, sampler.class_names)
    out_dir = os.fspath(out_dir)
    info = _folder_info(sampler, seed, labels)
    _check_folder(out_dir, info)
    os.makedirs(out_dir, exist_ok=True)
    with atomic_path(os.path.join(out_dir, INFO_FILE)) as tmp:
        with open(tmp, "w") as f:
            json.dump(info, f)
    names = set(os.listdir(out_dir))
    for name in names:
        # Left by a process killed in the middle of a write.
        if name.startswith(TMP_PREFIX) and name.endswith(".png"):
            os.remove(os.path.join(out_dir, name))
    rng = np.random.default_rng(seed)
    progbar = keras.utils.Progbar(n, verbose=verbose, unit_name="image")
    written = 0
    for start in range(0, n, batch_size):
        count = min(batch_size, n - start)
        # Drawn for every batch, written or skipped, so that image i always
        # has noise row i.
        z = rng.standard_normal((count, sampler.latent_dim), dtype=np.float32)
        todo = [j for j in range(count) if sample_file_name(start + j) not in names]
        if todo:
            kwargs = {}
            if num_classes is not None:
                indices = start + np.asarray(todo)
                kwargs["labels"] = (indices % num_classes).tolist() if labels is None else labels
            images = sampler.generate(z=z[todo], batch_size=batch_size, **kwargs)
            for j, pixels in zip(todo, to_uint8(images)):
                path = os.path.join(out_dir, sample_file_name(start + j))
                with atomic_path(path) as tmp:
                    _to_pil(pixels).save(tmp)
                written += 1
        progbar.update(start + count)
    return written
