"""Private registry of metrics, re-exported by `keras_gan.metrics`.

Mirrors the `@register_metric` registry of stylegan3's `metrics/metric_main.py`
(https://github.com/NVlabs/stylegan3). Every registered metric has one
contract, stated here once:

    fn(inputs, **options) -> dict

- `inputs`: a `MetricInputs` (real and generated features, class
  probabilities, real labels); the metric reads the fields it needs and
  raises `ValueError` when one of them is None.
- `**options`: the metric's own options (`compute_metrics`'
  `metric_kwargs[name]`); an unknown option raises `TypeError`.
- Returns a dict of JSON-friendly values (floats, ints, lists of floats),
  whose keys are the metric module's `KEY_*` constants, so that a caller
  can compute any chosen set of metrics uniformly.
- Raises `ValueError` for missing or malformed inputs or options.

The signature before `MetricInputs`, `fn(real_features, fake_features, *,
real_probs=None, fake_probs=None, real_labels=None, **options)`, still works
with a DeprecationWarning: for calls of a registered metric and for metrics
registered with it.
"""

import functools
import inspect
import warnings

from keras_gan.metrics.inputs import FIELDS
from keras_gan.metrics.inputs import MetricInputs

METRICS = []
"""Names of all registered metrics, in registration order (read-only use)."""

_REGISTRY = {}


def register_metric(name):
    """Decorator that registers a metric function under `name`.

    The function follows the registry's contract (this module's
    docstring): `fn(inputs, **options) -> dict`. The decorator returns it
    wrapped so that the deprecated call `fn(real_features, fake_features,
    ...)` keeps working; a function written with that older signature is
    registered and returned unchanged, with a DeprecationWarning.

    Args:
        name: Non-empty string under which `get_metric` finds the function.

    Returns:
        A decorator that registers the function and returns it.

    Raises:
        ValueError: If `name` is not a non-empty string or is already taken
            by a different function.

    Example:

    >>> @register_metric("mean_gap")  # doctest: +SKIP
    ... def mean_gap(inputs):
    ...     gap = abs(inputs.real_features.mean() - inputs.fake_features.mean())
    ...     return {"mean_gap": float(gap)}
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"Metric name must be a non-empty string; received {name!r}.")

    def decorator(fn):
        if not callable(fn):
            raise ValueError(
                f"Only callables can be registered as metrics; received {fn!r} for name {name!r}."
            )
        old = _REGISTRY.get(name)
        if old is not None and _qualified_name(old) != _qualified_name(fn):
            raise ValueError(
                f"Metric name {name!r} is already registered to "
                f"{_qualified_name(old)}; received {_qualified_name(fn)}."
            )
        if _takes_inputs(fn):
            fn = _accepting_old_calls(fn)
        else:
            warnings.warn(
                f"Metric {name!r} is registered with the signature "
                "fn(real_features, fake_features, *, real_probs, fake_probs, "
                "real_labels, **options), which is deprecated: write "
                "fn(inputs, **options), `inputs` a keras_gan.metrics.MetricInputs.",
                DeprecationWarning,
                stacklevel=2,
            )
        _REGISTRY[name] = fn
        if name not in METRICS:
            METRICS.append(name)
        return fn

    return decorator


def get_metric(name):
    """Returns the metric function registered under `name`.

    Args:
        name: A name from `METRICS`, e.g. "fid".

    Returns:
        The registered function.

    Raises:
        ValueError: If no metric is registered under `name`; the message
            lists the known names.

    Example:

    >>> import numpy as np
    >>> fid = get_metric("fid")
    >>> x = np.random.default_rng(0).normal(size=(50, 4))
    >>> fid(MetricInputs(x, x))["fid"] < 1e-9
    True
    """
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown metric {name!r}; known metrics: {', '.join(repr(n) for n in METRICS)}."
        )
    return _REGISTRY[name]


def compute_metrics(
    names,
    real_features=None,
    fake_features=None,
    *,
    real_probs=None,
    fake_probs=None,
    real_labels=None,
    metric_kwargs=None,
    inputs=None,
):
    """Computes several registered metrics and merges their result dicts.

    Args:
        names: Iterable of registered metric names, e.g. `["fid", "kid"]`.
        real_features: Array of shape `(num_real, dim)`, or None when only
            probability-based metrics are requested. Defaults to None.
        fake_features: Array of shape `(num_fake, dim)`, or None. Defaults
            to None.
        real_probs: Class probabilities of the real samples, shape
            `(num_real, num_classes)`. Defaults to None.
        fake_probs: Class probabilities of the generated samples, shape
            `(num_fake, num_classes)`. Defaults to None.
        real_labels: Integer labels of the real samples, shape
            `(num_real,)`. Defaults to None.
        metric_kwargs: Optional dict mapping a metric name to a dict of
            extra keyword arguments for that metric only, e.g.
            `{"kid": {"subset_size": 100}}`. Defaults to None.
        inputs: a `MetricInputs` holding the five arrays above, instead of
            passing them one by one. Defaults to None.

    Returns:
        A dict merging every metric's result dict (result keys are unique
        across the built-in metrics).

    Raises:
        ValueError: If a name is unknown or repeated, if `metric_kwargs`
            names a metric not requested, if `inputs` is given with any of
            the arrays, or if a metric rejects its inputs.

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    >>> sorted(compute_metrics(["fid", "pr"], real, fake))
    ['fid', 'precision', 'recall']
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if len(set(names)) != len(names):
        raise ValueError(f"Metric names must be unique; received {names}.")
    fns = [get_metric(name) for name in names]
    metric_kwargs = check_metric_kwargs(metric_kwargs, names)
    arrays = dict(
        real_features=real_features,
        fake_features=fake_features,
        real_probs=real_probs,
        fake_probs=fake_probs,
        real_labels=real_labels,
    )
    if inputs is None:
        inputs = MetricInputs(**arrays)
    elif any(value is not None for value in arrays.values()):
        given = sorted(key for key, value in arrays.items() if value is not None)
        raise ValueError(
            f"Expected either `inputs` or the arrays {list(FIELDS)}. Received `inputs` and {given}."
        )
    results = {}
    for name, fn in zip(names, fns):
        results.update(_call(fn, inputs, metric_kwargs.get(name, {})))
    return results


def check_metric_kwargs(metric_kwargs, names):
    """Returns `metric_kwargs` as a dict, checked to name only `names`.

    Raises:
        ValueError: if `metric_kwargs` has an entry for a metric not in
            `names`.
    """
    metric_kwargs = dict(metric_kwargs or {})
    extra = sorted(set(metric_kwargs) - set(names))
    if extra:
        raise ValueError(
            f"`metric_kwargs` has entries for metrics that were not "
            f"requested: {extra}; requested: {list(names)}."
        )
    return metric_kwargs


def _qualified_name(fn):
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", repr(fn))
    return f"{module}.{qualname}" if module else qualname


def _takes_inputs(fn):
    # The registry's contract: one `inputs` argument first.
    try:
        parameters = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(parameters) and parameters[0] == "inputs"


def _call(fn, inputs, options):
    if getattr(fn, "takes_metric_inputs", False):
        return fn(inputs, **options)
    # A metric registered with the signature before `MetricInputs`.
    return fn(
        inputs.real_features,
        inputs.fake_features,
        real_probs=inputs.real_probs,
        fake_probs=inputs.fake_probs,
        real_labels=inputs.real_labels,
        **options,
    )


def _accepting_old_calls(fn):
    """Wraps `fn(inputs, **options)` to accept the deprecated call too."""

    @functools.wraps(fn)
    def metric(*args, **options):
        if len(args) == 1 and isinstance(args[0], MetricInputs):
            return fn(args[0], **options)
        if len(args) > 2:
            raise TypeError(
                f"{fn.__qualname__}() takes one MetricInputs; received "
                f"{len(args)} positional arguments."
            )
        arrays = dict(zip(FIELDS, args))
        for field in FIELDS:
            if field in options:
                if field in arrays:
                    raise TypeError(f"{fn.__qualname__}() got `{field}` twice.")
                arrays[field] = options.pop(field)
        warnings.warn(
            f"Calling the metric {fn.__qualname__} with the arrays "
            f"{sorted(arrays)} is deprecated: pass one "
            "keras_gan.metrics.MetricInputs.",
            DeprecationWarning,
            stacklevel=2,
        )
        return fn(MetricInputs(**arrays), **options)

    metric.takes_metric_inputs = True
    return metric
