"""`EvaluationSettings`: how an evaluation loads real images and draws fakes.

The settings that `evaluate_generator`, the classifier extractor, the
reference statistics and `GANMetrics` all need travel as one frozen object
instead of five keyword arguments relayed from function to function, as
torch-fidelity (https://github.com/toshas/torch-fidelity) keeps its
options in one place (`defaults.py`).
"""

import dataclasses

from keras_gan._checks import check_int


@dataclasses.dataclass(frozen=True)
class EvaluationSettings:
    """The real images' loading, the cache and the generated images' seed.

    Args:
        image_size: None, an int or `(H, W)` the real images are loaded at
            (the GAN's image size; see `load_arrays`). Also the classifier
            extractor's input size. Defaults to None (the data's own size).
        channels: None, 1 or 3: the real images' channels (see
            `load_arrays`). Defaults to None.
        cache_dir: cache folder of the classifier and the reference
            statistics. Defaults to None (`$KERAS_GAN_CACHE`, else
            `$XDG_CACHE_HOME/keras-gan`, else `~/.cache/keras-gan`).
        seed: seed of the generated images (`generate(n=..., seed=seed)`).
            Defaults to 0.
        batch_size: images per forward pass of the feature extractor.
            Defaults to None (the extractor's own `batch_size`).

    Raises:
        ValueError: for a `batch_size` that is not None or an int >= 1.

    Example:

    >>> settings = EvaluationSettings(image_size=32, channels=3)
    >>> settings.replace(seed=1).seed
    1
    """

    image_size: object = None
    channels: object = None
    cache_dir: object = None
    seed: int = 0
    batch_size: object = None

    def __post_init__(self):
        # The other fields are checked where they are used (`load_arrays`,
        # the generator), with the messages those give.
        object.__setattr__(
            self,
            "batch_size",
            check_int("batch_size", self.batch_size, minimum=1, allow_none=True),
        )

    def replace(self, **changes):
        """Returns a copy with `changes` applied (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)

    @property
    def real_images(self):
        """`load_arrays`' keyword arguments for the real images."""
        return {"image_size": self.image_size, "channels": self.channels}

    @classmethod
    def merge(cls, settings=None, **keywords):
        """Returns `settings` with the keyword arguments of the older API.

        Callers that still pass `image_size=`, `channels=`, `cache_dir=`,
        `seed=` or `batch_size=` one by one get the same settings: a keyword
        left at its default changes nothing.

        Args:
            settings: an `EvaluationSettings`, or None for the defaults.
            **keywords: fields of `EvaluationSettings`.

        Returns:
            An `EvaluationSettings`.

        Raises:
            ValueError: if `settings` is not an `EvaluationSettings`, or a
                keyword and `settings` give two different non-default
                values.

        Example:

        >>> EvaluationSettings.merge(None, image_size=32).image_size
        32
        """
        if settings is None:
            settings = cls()
        if not isinstance(settings, cls):
            raise ValueError(
                f"Expected `settings` to be an EvaluationSettings. Received: {settings!r}"
            )
        defaults = cls()
        changes = {}
        for name, value in keywords.items():
            if value == getattr(defaults, name):
                continue
            if getattr(settings, name) != getattr(defaults, name):
                raise ValueError(
                    f"Expected `{name}` once: in `settings` or as a keyword. "
                    f"Received settings.{name}={getattr(settings, name)!r} "
                    f"and {name}={value!r}."
                )
            changes[name] = value
        return settings.replace(**changes) if changes else settings
