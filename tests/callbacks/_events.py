"""Reads TensorBoard event files back for assertions."""

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def read_events(log_dir):
    """Returns `{tag: [steps]}` for every tensor/scalar/image tag in a run."""
    acc = EventAccumulator(str(log_dir), size_guidance={"tensors": 0, "images": 0, "scalars": 0})
    acc.Reload()
    tags = acc.Tags()
    found = {}
    for tag in tags["tensors"]:
        found[tag] = [e.step for e in acc.Tensors(tag)]
    for tag in tags["scalars"]:
        found[tag] = [e.step for e in acc.Scalars(tag)]
    for tag in tags["images"]:
        found[tag] = [e.step for e in acc.Images(tag)]
    return found
