"""The convolutional network shared by Train_CNN.py and Test_CNN.py (TensorFlow 1.x style).

Machine Learning in Practice #4, the CNN lab (the book's chapter 5, TensorFlow's "Deep MNIST
for experts"): two convolution and pooling layers, a fully connected layer of 1024 units with
dropout, and a softmax output, trained with Adam.  ``CNN_comp_graph(x_in, y_in, keep_prob)``
returns ``(accuracy, train)`` as ``NN_comp_graph`` does, and prints the shapes of the six
layers as the 2019 file did.

``keep_prob`` keeps its 2019 meaning, the fraction of the fully connected units kept: a
placeholder fed 0.5 while training, a plain 1.0 when testing (no dropout at all).  Today's
``tf.nn.dropout`` takes the fraction dropped instead, so the graph passes it
``rate=1 - keep_prob``.  Graph mode is switched on when this module is imported, as
TensorFlow 1 always was: the 2019 Test_CNN.py, and a call on numpy arrays, work unchanged.
"""

from nnlab.quiet_tensorflow import import_tensorflow_v1

tf = import_tensorflow_v1()
tf.disable_eager_execution()  # TensorFlow 2 runs eagerly; placeholders and Sessions need graphs


def weight_variable(shape, name=None):
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial, name=name)


def bias_variable(shape, name=None):
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial, name=name)


def CNN_comp_graph(x_in, y_in, keep_prob):
    """The 2019 network on x_in (rows of 784 pixels) and y_in (one-hot labels): keep_prob is a
    placeholder fed 0.5 while training, a plain 1.0 when testing."""
    y_in = tf.cast(y_in, tf.float32)  # numpy labels (a 2019-style test) may be float64
    x_image = tf.reshape(tf.cast(x_in, tf.float32), [-1, 28, 28, 1])

    # First layer: 32 filters of 5 x 5 pixels, then max pooling over 2 x 2: 28 x 28 -> 14 x 14.
    W_conv1 = weight_variable([5, 5, 1, 32], name="W_conv1")
    b_conv1 = bias_variable([32], name="b_conv1")
    c1 = tf.nn.conv2d(x_image, W_conv1, strides=[1, 1, 1, 1], padding="SAME", name="c1")
    conv1 = tf.nn.relu(c1 + b_conv1, name="conv1")
    pool1 = tf.nn.max_pool(conv1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME",
                           name="pool1")

    # Second layer: 64 filters of 5 x 5 x 32, then max pooling: 14 x 14 -> 7 x 7.
    W_conv2 = weight_variable([5, 5, 32, 64], name="W_conv2")
    b_conv2 = bias_variable([64], name="b_conv2")
    c2 = tf.nn.conv2d(pool1, W_conv2, strides=[1, 1, 1, 1], padding="SAME", name="c2")
    conv2 = tf.nn.relu(c2 + b_conv2, name="conv2")
    pool2 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME",
                           name="pool2")

    print("c1:", c1.shape)
    print("conv1:", conv1.shape)
    print("pool1:", pool1.shape)
    print("c2:", c2.shape)
    print("conv2:", conv2.shape)
    print("pool2:", pool2.shape)

    # Fully connected layer of 1024 units on the 7 * 7 * 64 values, with dropout.
    W_fc1 = weight_variable([7 * 7 * 64, 1024], name="W_fc1")
    b_fc1 = bias_variable([1024], name="b_fc1")
    pool2_flat = tf.reshape(pool2, [-1, 7 * 7 * 64])
    fc1 = tf.nn.relu(tf.matmul(pool2_flat, W_fc1) + b_fc1, name="fc1")
    # 2019: tf.nn.dropout(fc1, keep_prob); today's dropout takes the fraction dropped instead
    fc1_drop = tf.nn.dropout(fc1, rate=1 - keep_prob, name="fc1_drop")

    # Output layer: softmax over the 10 classes.
    W_fc2 = weight_variable([1024, 10], name="W_fc2")
    b_fc2 = bias_variable([10], name="b_fc2")
    logits = tf.matmul(fc1_drop, W_fc2) + b_fc2
    y_conv = tf.nn.softmax(logits, name="y_conv")

    # cross_entropy = -tf.reduce_sum(y_in * tf.log(y_conv))  # the slide's: NaN once a
    # probability underflows to 0; the same cost computed from the logits cannot be NaN.
    cross_entropy = tf.reduce_sum(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_in, logits=logits), name="cost")
    train = tf.train.AdamOptimizer(1e-4).minimize(cross_entropy, name="train")

    prediction = tf.argmax(y_conv, 1, name="prediction")
    correct = tf.equal(prediction, tf.argmax(y_in, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    return accuracy, train
