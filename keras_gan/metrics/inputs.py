"""`MetricInputs`: everything a registered metric may read, in one object.

A metric reads what it needs from one frozen object (features, class
probabilities, labels) instead of taking every possible input as an
argument, so a new kind of input is one more field, not one more
parameter of every metric. As in torch-fidelity
(https://github.com/toshas/torch-fidelity), whose metrics read the feature
and logit outputs they need from one shared set of extracted values.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class MetricInputs:
    """The real and generated samples a registered metric is computed on.

    Every field is optional: each metric reads the fields it needs and
    raises `ValueError` (see `require`) when one of them is None.

    Attributes:
        real_features: array `(num_real, dim)` of real features, or None.
        fake_features: array `(num_fake, dim)` of generated features, or
            None.
        real_probs: class probabilities of the real samples, shape
            `(num_real, num_classes)`, or None.
        fake_probs: class probabilities of the generated samples, shape
            `(num_fake, num_classes)`, or None.
        real_labels: integer labels of the real samples, shape
            `(num_real,)`, or None.

    Example:

    >>> import numpy as np
    >>> inputs = MetricInputs(real_features=np.zeros((4, 2)))
    >>> inputs.fake_probs is None
    True
    """

    real_features: object = None
    fake_features: object = None
    real_probs: object = None
    fake_probs: object = None
    real_labels: object = None

    def require(self, field, metric, description):
        """Returns the field `field`, or raises if it is None.

        Args:
            field: the field's name, e.g. `"fake_probs"`.
            metric: the registered name of the metric that needs it.
            description: what the field holds, for the message, e.g.
                `"class probabilities of the generated samples, shape
                (num_fake, num_classes)"`.

        Returns:
            The field's value.

        Raises:
            ValueError: if the field is None.

        Example:

        >>> MetricInputs(fake_probs=[[1.0]]).require("fake_probs", "is", "probs")
        [[1.0]]
        """
        value = getattr(self, field)
        if value is None:
            raise ValueError(f"Metric {metric!r} needs `{field}` ({description}); received None.")
        return value


FIELDS = tuple(field.name for field in dataclasses.fields(MetricInputs))
"""The names of `MetricInputs`' fields, in order."""
