"""The hidden-layer network with every hidden unit computed by exactly the same arithmetic.

An answer to "what would zero initial weights do on exact arithmetic?", outside the lesson's
NN_comp_graph.py (``Train_NN.py --hidden --exact-symmetry``).  The slide's plain
``tf.matmul(x_in, W1)`` does not promise the same arithmetic for every column: on common
processors a fast matrix product handles the last columns of a 100-wide layer in a separate
loop that rounds differently, and training amplifies that last-digit difference until a few
units split off from the others.  Here every unit is its own product of the same shapes, and
the batch is padded with zero images to a multiple of 16 so that the vector instructions
treat every unit alike: units that start equal stay equal to the last bit.

The variables and nodes have the lesson's names (w_hidden, b_hidden, w, b, h, cost,
accuracy, ...), so Test_NN.py restores and measures the checkpoint as any other.
"""


def NN_comp_graph_with_hidden_layer(x_in, y_in, hidden_units=None, activation="sigmoid",
                                    init="zeros", optimizer="sgd", learning_rate=None,
                                    cost="sum"):
    """NN_comp_graph.NN_comp_graph_with_hidden_layer, unit by unit."""
    import NN_comp_graph as lesson
    tf = lesson.tf
    hidden_units = hidden_units or lesson.size_hidden
    if activation not in lesson.ACTIVATIONS:
        raise ValueError(f"activation must be one of {lesson.ACTIVATIONS}, not {activation!r}")
    w_hidden = lesson._weights([lesson.size_in, hidden_units], init, name="w_hidden")
    b_hidden = tf.Variable(tf.zeros([hidden_units]), name="b_hidden")
    w = lesson._weights([hidden_units, lesson.size_out], init, name="w")
    b = tf.Variable(tf.zeros([lesson.size_out]), name="b")
    x_in = tf.cast(x_in, tf.float32)
    batch = tf.shape(x_in)[0]
    x_padded = tf.pad(x_in, [[0, tf.math.floormod(-batch, 16)], [0, 0]])
    per_unit_weights = tf.transpose(w_hidden)[:, :, None]  # [units, 784, 1]
    h = getattr(tf.nn, activation)(tf.matmul(x_padded[None], per_unit_weights)
                                   + b_hidden[:, None, None])
    tf.transpose(h[:, :batch, 0], name="h")  # [batch, units], as the lesson's node
    z = tf.reduce_sum(tf.matmul(h, w[:, None, :]), axis=0)[:batch] + b
    return lesson._output_layer(z, y_in, optimizer, learning_rate, cost)
