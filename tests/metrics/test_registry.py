"""Tests for the keras_gan.metrics registry, re-exports and import hygiene."""

import ast
import pathlib

import numpy as np
import pytest

import keras_gan.metrics as metrics
from keras_gan.metrics import _registry

METRICS_DIR = pathlib.Path(metrics.__file__).parent
BUILTIN = ["fid", "kid", "is", "pr", "dc", "modes"]


@pytest.fixture
def restore_registry():
    saved_registry, saved_names = dict(_registry._REGISTRY), list(_registry.METRICS)
    yield
    _registry._REGISTRY.clear()
    _registry._REGISTRY.update(saved_registry)
    _registry.METRICS[:] = saved_names


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    return dict(
        real_features=rng.normal(size=(40, 4)),
        fake_features=rng.normal(size=(30, 4)) + 0.2,
        real_probs=np.eye(5)[rng.integers(0, 5, size=40)],
        fake_probs=rng.dirichlet(np.ones(5), size=30),
        real_labels=rng.integers(0, 5, size=40),
    )


def test_builtin_metrics_are_registered():
    assert sorted(metrics.METRICS) == sorted(BUILTIN)
    for name in BUILTIN:
        assert callable(metrics.get_metric(name))


def test_unknown_name_lists_known_metrics():
    with pytest.raises(ValueError, match=r"Unknown metric 'fdi'; known metrics: .*'fid'.*'modes'"):
        metrics.get_metric("fdi")


@pytest.mark.parametrize("name", BUILTIN)
def test_uniform_call_signature(name, inputs):
    result = metrics.get_metric(name)(metrics.MetricInputs(**inputs))
    assert isinstance(result, dict) and result
    for value in result.values():
        assert isinstance(value, (float, int, list))


@pytest.mark.parametrize("name", BUILTIN)
def test_the_call_before_metric_inputs_still_works_with_a_warning(name, inputs):
    fn = metrics.get_metric(name)
    with pytest.warns(DeprecationWarning, match=r"pass one keras_gan\.metrics\.MetricInputs"):
        old = fn(
            inputs["real_features"],
            inputs["fake_features"],
            real_probs=inputs["real_probs"],
            fake_probs=inputs["fake_probs"],
            real_labels=inputs["real_labels"],
        )
    assert old == fn(metrics.MetricInputs(**inputs))
    with pytest.raises(TypeError):
        fn(inputs["real_features"], inputs["fake_features"], None)


def test_compute_metrics_takes_one_inputs_object(inputs):
    options = {"kid": {"subsets": 5, "subset_size": 10}, "is": {"splits": 3}}
    assert metrics.compute_metrics(
        BUILTIN, inputs=metrics.MetricInputs(**inputs), metric_kwargs=options
    ) == metrics.compute_metrics(BUILTIN, **inputs, metric_kwargs=options)
    with pytest.raises(
        ValueError,
        match=r"either `inputs` or the arrays .* Received `inputs` and \['real_features'\]",
    ):
        metrics.compute_metrics(
            ["fid"], inputs["real_features"], inputs=metrics.MetricInputs(**inputs)
        )


def test_compute_metrics_merges_all_results(inputs):
    result = metrics.compute_metrics(
        BUILTIN,
        **inputs,
        metric_kwargs={"kid": {"subsets": 5, "subset_size": 10}, "is": {"splits": 3}},
    )
    assert set(result) == {
        metrics.KEY_FID,
        metrics.KEY_KID_MEAN,
        metrics.KEY_KID_STD,
        metrics.KEY_IS_MEAN,
        metrics.KEY_IS_STD,
        metrics.KEY_PRECISION,
        metrics.KEY_RECALL,
        metrics.KEY_DENSITY,
        metrics.KEY_COVERAGE,
        metrics.KEY_MODE_HISTOGRAM,
        metrics.KEY_MODE_KL,
        metrics.KEY_MODES_COVERED,
        metrics.KEY_NUM_CLASSES,
    }
    assert result[metrics.KEY_FID] == metrics.fid_from_features(
        inputs["real_features"], inputs["fake_features"]
    )


def test_compute_metrics_accepts_a_single_name(inputs):
    assert set(metrics.compute_metrics("pr", inputs["real_features"], inputs["fake_features"])) == {
        "precision",
        "recall",
    }


def test_compute_metrics_validation(inputs):
    with pytest.raises(ValueError, match=r"Metric names must be unique; received \['fid', 'fid'\]"):
        metrics.compute_metrics(["fid", "fid"])
    with pytest.raises(ValueError, match=r"Unknown metric 'nope'"):
        metrics.compute_metrics(["fid", "nope"])
    with pytest.raises(
        ValueError,
        match=r"`metric_kwargs` has entries for metrics that were not requested: \['kid'\]",
    ):
        metrics.compute_metrics(["fid"], metric_kwargs={"kid": {}})
    with pytest.raises(ValueError, match=r"Metric 'is' needs `fake_probs`"):
        metrics.compute_metrics(["is"], inputs["real_features"], inputs["fake_features"])
    with pytest.raises(TypeError):
        metrics.compute_metrics(
            ["fid"],
            inputs["real_features"],
            inputs["fake_features"],
            metric_kwargs={"fid": {"seed": 0}},
        )


def test_register_metric(restore_registry):
    @metrics.register_metric("mean_gap")
    def mean_gap(inputs, scale=1.0):
        gap = abs(np.mean(inputs.real_features) - np.mean(inputs.fake_features))
        return {"mean_gap": float(scale * gap)}

    assert "mean_gap" in metrics.METRICS
    assert metrics.get_metric("mean_gap") is mean_gap
    assert mean_gap.__name__ == "mean_gap"
    assert metrics.compute_metrics(["mean_gap"], [[1.0]], [[3.0]]) == {"mean_gap": 2.0}
    assert metrics.compute_metrics(
        ["mean_gap"], [[1.0]], [[3.0]], metric_kwargs={"mean_gap": {"scale": 2}}
    ) == {"mean_gap": 4.0}


def test_a_metric_with_the_signature_before_metric_inputs_still_registers(restore_registry):
    with pytest.warns(
        DeprecationWarning, match=r"'old_gap' is registered with the signature .* deprecated"
    ):

        @metrics.register_metric("old_gap")
        def old_gap(real_features, fake_features, **kwargs):
            return {"old_gap": float(abs(np.mean(real_features) - np.mean(fake_features)))}

    assert metrics.get_metric("old_gap") is old_gap
    assert metrics.compute_metrics(["old_gap"], [[1.0]], [[3.0]]) == {"old_gap": 2.0}


def test_register_metric_rejects_bad_names_and_duplicates(restore_registry):
    with pytest.raises(ValueError, match=r"non-empty string; received ''"):
        metrics.register_metric("")
    with pytest.raises(ValueError, match=r"non-empty string; received 3"):
        metrics.register_metric(3)
    with pytest.raises(
        ValueError,
        match=r"Metric name 'fid' is already registered to keras_gan.metrics.fid.fid_metric",
    ):
        metrics.register_metric("fid")(lambda *args, **kwargs: {})
    with pytest.raises(ValueError, match=r"Only callables can be registered"):
        metrics.register_metric("x")(42)


def test_all_names_are_exported():
    for name in metrics.__all__:
        assert hasattr(metrics, name)


def _module_files():
    return sorted(METRICS_DIR.glob("*.py"))


# The staged metric maths: pure NumPy, cheap to import. Feature extractors and
# caches live beside it and may use Keras and the standard library.
CORE = (
    "fid",
    "kid",
    "inception_score",
    "precision_recall",
    "density_coverage",
    "mode_coverage",
    "_neighbours",
    "_registry",
    "_validation",
    "inputs",
)


@pytest.mark.parametrize(
    "path", [p for p in _module_files() if p.stem in CORE], ids=lambda p: p.name
)
def test_no_tensorflow_keras_scipy_or_assert(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Assert), f"assert at {path.name}:{node.lineno}"
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            allowed = {
                "numpy",
                "numbers",
                "keras_gan",
                "",
                "dataclasses",
                "functools",
                "inspect",
                "warnings",
            }
            assert root in allowed, f"{path.name} imports {root}"


def test_the_metric_modules_are_all_core():
    # What moved to keras_gan.evaluation is answered by keras_gan._moved's
    # import hook, not by files here.
    assert {p.stem for p in _module_files()} == set(CORE) | {"__init__"}


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: p.name)
def test_module_docstrings(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path.name} has no module docstring"
    if not path.name.startswith("_"):
        assert "https://" in docstring, f"{path.name} cites no reference"
