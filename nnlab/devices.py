"""Which device trains: the GPU where TensorFlow sees one, else the CPU, in one short line.

Nothing here chooses a device: TensorFlow places every operation on the first GPU it sees
by itself.  These functions only find out where the work really runs, from the network's
own variables (Keras) or from a traced run of the graph (TensorFlow 1.x style), so that a
script can say "Training on the GPU (NVIDIA H100 80GB HBM3)" or "Training on the CPU".
"""

import re

from nnlab.i18n import _
from nnlab.quiet_tensorflow import import_tensorflow

DEVICE = re.compile(r"device:(CPU|GPU):(\d+)", re.IGNORECASE)
# The operations that do the work (TensorFlow fuses a convolution or a product into the ReLU
# after it, which keeps the ReLU's name)
WORK = ("Conv2D", "MatMul", "Relu", "MaxPool", "Softmax")


def describe(device_name):
    """"/job:localhost/replica:0/task:0/device:GPU:0" -> "the GPU (NVIDIA H100 80GB HBM3)"."""
    found = DEVICE.search(device_name or "")
    if not found or found.group(1).upper() == "CPU":
        return _("the CPU")
    tf = import_tensorflow()
    index = int(found.group(2))
    gpus = tf.config.list_physical_devices("GPU")
    name = None
    if index < len(gpus):
        name = tf.config.experimental.get_device_details(gpus[index]).get("device_name")
    return _("the GPU ({name})").format(name=name) if name else \
        _("GPU {index}").format(index=index)


def keras_device(model):
    """Where a built Keras model's weights live, which is where it trains."""
    weights = model.weights
    return describe(weights[0].value.device if weights else None)


def tf1_device(session, fetch, feed):
    """Where the convolutions and matrix products of `fetch` run: one run of it on the first
    row of each array of `feed`, traced by TensorFlow's executor (tf.compat.v1 graph mode; the
    software trace needs no GPU profiling library)."""
    tf = import_tensorflow().compat.v1
    small_feed = {placeholder: value[:1] if hasattr(value, "__len__") else value
                  for placeholder, value in feed.items()}
    metadata = tf.RunMetadata()
    session.run(fetch, feed_dict=small_feed, run_metadata=metadata,
                options=tf.RunOptions(trace_level=tf.RunOptions.SOFTWARE_TRACE))
    operations = {operation.name: operation.type for operation in session.graph.get_operations()}
    used = [device.device for device in metadata.step_stats.dev_stats
            if any(operations.get(node.node_name) in WORK for node in device.node_stats)] or \
        [device.device for device in metadata.step_stats.dev_stats if device.node_stats]
    gpus = [name for name in used if "GPU" in name.upper()]
    return describe((gpus or used or [None])[0])
