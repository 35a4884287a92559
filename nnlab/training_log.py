"""What happens during training, kept for the curves picture and, with --logdir, TensorBoard."""


class History:
    """Named curves of (x, y) points: cost, training accuracy, test accuracy, ..."""

    def __init__(self):
        self.curves = {}

    def add(self, name, x, y):
        xs, ys = self.curves.setdefault(name, ([], []))
        xs.append(x)
        ys.append(float(y))

    @classmethod
    def from_keras(cls, keras_history):
        """The per-epoch numbers of model.fit(...).history, epochs counted from 1."""
        history = cls()
        for name, values in keras_history.history.items():
            for epoch, value in enumerate(values, 1):
                history.add(name, epoch, value)
        return history


def tensorboard_tag(name):
    """"cost" -> "training_cost", "gradient norm w" -> "gradient_norm/w", and so on."""
    fixed = {"cost": "training_cost", "training accuracy (batch)": "training_accuracy"}
    if name in fixed:
        return fixed[name]
    if name.startswith("gradient norm "):
        return "gradient_norm/" + name[len("gradient norm "):]
    return name.replace(" ", "_")


class TF1TrainingLog:
    """Records what happens inside the network while Train_NN.py trains; TensorBoard in TF1 style.

    Every `log_every` steps, on the current mini-batch: the cost, the accuracy, the norm of the
    cost's gradient for each weight matrix (`gradient_norm/w_hidden`, `gradient_norm/w`) and,
    given the outputs of a sigmoid hidden layer, the fraction of them that are saturated
    (below 0.01 or above 0.99): the numbers that say whether the hidden layer is learning.
    Every `test_every` steps and at the end: the accuracy on the test data.  With a `logdir`,
    the computation graph and these scalars go to TensorBoard event files through
    tf.compat.v1.summary.
    """

    def __init__(self, tf, session, logdir, cost, accuracy, inside=True, sigmoid_outputs=None,
                 log_every=10, test_every=100):
        self.session, self.log_every, self.test_every = session, log_every, test_every
        self.history = History()
        self.fetches = {"cost": cost, "training accuracy (batch)": accuracy}
        weights = [variable for variable in tf.trainable_variables()
                   if inside and variable.op.name in ("w_hidden", "w")]
        for variable, gradient in zip(weights, tf.gradients(cost, weights)):
            self.fetches[f"gradient norm {variable.op.name}"] = tf.norm(gradient)
        if sigmoid_outputs is not None and inside:
            saturated = tf.logical_or(sigmoid_outputs < 0.01, sigmoid_outputs > 0.99)
            self.fetches["saturated hidden units"] = tf.reduce_mean(tf.cast(saturated, tf.float32))
        self.train_summary = tf.summary.merge([tf.summary.scalar(tensorboard_tag(name), node)
                                               for name, node in self.fetches.items()])
        self.test_summary = tf.summary.scalar("test_accuracy", accuracy)
        self.accuracy = accuracy
        self.writer = tf.summary.FileWriter(logdir, session.graph) if logdir else None

    def step(self, step, batch_feed, test_feed, last=False):
        if step % self.log_every == 0 or last:
            summary, values = self.session.run([self.train_summary, self.fetches],
                                               feed_dict=batch_feed)
            for name, value in values.items():
                self.history.add(name, step, value)
            self._write(summary, step)
        if step % self.test_every == 0 or last:
            summary, accuracy = self.session.run([self.test_summary, self.accuracy],
                                                 feed_dict=test_feed)
            self.history.add("test accuracy", step, accuracy)
            self._write(summary, step)

    def learning_curves(self):
        """Cost and accuracies, for the curves picture."""
        return {name: curve for name, curve in self.history.curves.items()
                if not name.startswith(("gradient", "saturated"))}

    def inside_curves(self):
        """Gradient norms and saturation, for the gradients picture."""
        return {name: curve for name, curve in self.history.curves.items()
                if name.startswith(("gradient", "saturated"))}

    def _write(self, summary, step):
        if self.writer:
            self.writer.add_summary(summary, step)

    def close(self):
        if self.writer:
            self.writer.close()


def keras_callbacks(logdir):
    """Keras' own TensorBoard callback when a log folder is asked for."""
    if not logdir:
        return []
    import keras
    return [keras.callbacks.TensorBoard(log_dir=logdir)]
