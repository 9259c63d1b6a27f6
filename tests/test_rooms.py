"""Tests follow the rooms: each library module has its test module.

A module `keras_gan/x/name.py` (or `_name.py`) is tested by a file
`test_name.py` somewhere under tests/, or by the module named in
`TESTED_IN`, where one test module covers several small ones. A new library
module without either fails here.
"""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Library modules whose tests live in a module of another name, and why.
TESTED_IN = {
    "keras_gan/_ada.py": "tests/test_augment.py",  # ADA's controller beside the augmentations
    "keras_gan/_optimizer_pair.py": "tests/test_saving.py",
    "keras_gan/_registration.py": "tests/test_package.py",  # fresh-process import orders
    "keras_gan/_regularisers.py": "tests/test_phases.py",
    "keras_gan/_serialization.py": "tests/test_saving.py",
    "keras_gan/_step/jax_backend.py": "tests/test_step.py",  # the Protocol, per backend
    "keras_gan/_step/tf_backend.py": "tests/test_step.py",
    "keras_gan/_step/torch_backend.py": "tests/test_step.py",
    "keras_gan/callbacks/_protocol.py": "tests/callbacks/test_gan_metrics.py",
    "keras_gan/callbacks/gan_checkpoint.py": "tests/callbacks/test_checkpoint.py",
    "keras_gan/checkpoints.py": "tests/callbacks/test_checkpoint.py",
    "keras_gan/data/class_names.py": "tests/data/test_named_sources.py",
    "keras_gan/data/errors.py": "tests/data/test_folder.py",
    "keras_gan/data/keras_datasets.py": "tests/data/test_named_sources.py",
    "keras_gan/data/loading.py": "tests/data/test_load_dataset.py",
    "keras_gan/data/mnist_sample.py": "tests/data/test_named_sources.py",
    "keras_gan/data/numpy_files.py": "tests/data/test_arrays.py",
    "keras_gan/data/transforms.py": "tests/data/test_arrays.py",  # through load_arrays
    "keras_gan/evaluation/extractors/_base.py": "tests/evaluation/test_extractors.py",
    "keras_gan/evaluation/extractors/classifier.py": "tests/evaluation/test_extractors.py",
    "keras_gan/evaluation/extractors/inception.py": "tests/evaluation/test_extractors.py",
    "keras_gan/evaluation/generator.py": "tests/test_evaluation.py",
    "keras_gan/evaluation/results.py": "tests/test_evaluation.py",
    "keras_gan/metrics/_neighbours.py": "tests/metrics/test_precision_recall.py",
    "keras_gan/metrics/_validation.py": "tests/metrics/test_registry.py",
    "keras_gan/sampling.py": "tests/test_gan.py",
}


def _library_modules():
    return sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "keras_gan").rglob("*.py")
        if p.name != "__init__.py"
    )


def test_every_library_module_has_its_test_module():
    test_names = {p.name for p in (ROOT / "tests").rglob("test_*.py")}
    untested = [
        module
        for module in _library_modules()
        if f"test_{pathlib.PurePath(module).stem.lstrip('_')}.py" not in test_names
        and module not in TESTED_IN
    ]
    assert not untested, (
        f"Library modules without a test module (add one, or TESTED_IN): {untested}"
    )


def test_the_map_names_real_modules_and_tests():
    modules = set(_library_modules())
    stale = [m for m in TESTED_IN if m not in modules]
    missing = [t for t in TESTED_IN.values() if not (ROOT / t).is_file()]
    assert not stale and not missing, (stale, missing)
