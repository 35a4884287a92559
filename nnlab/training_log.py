"""What happens during training, kept for the curves picture and, with --logdir, TensorBoard."""

import time

from nnlab.i18n import N_, _
from nnlab.progress import StepProgress


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


class StepAccuracyLog:
    """The 2019 CNN lab's "Accuracy at step N" without flooding a terminal, and the curves.

    Train_CNN.py measures, every 10th step, the accuracy on that step's batch with dropout still
    on (as the 2019 script did) and hands it to `accuracy_at_step`.  It is shown in the progress
    bar (on a terminal) and printed as a plain line "Accuracy at step N: ..." at about `lines`
    steps of the run (on a terminal too, above the bar).  At those steps, and at the end, the
    accuracy of `test_feed` (a fixed part of the test data, without dropout) is measured for
    the curves picture, always: every run of the graph draws dropout's random numbers, even
    with keep_prob fed 1.0, so measuring only when pictures are asked for would make
    --no-pictures train another network.  With a `logdir`, the graph and both accuracies also
    go to TensorBoard ("training_accuracy", "test_accuracy").
    """

    BATCH = "accuracy on the step's batch (dropout on)"

    def __init__(self, tf, session, accuracy, test_feed, steps, test_name, logdir=None,
                 measure_every=10, lines=10):
        self.tf, self.session, self.accuracy, self.test_feed = tf, session, accuracy, test_feed
        self.steps, self.test_name = steps, test_name
        self.say_every = measure_every * max(1, steps // (measure_every * lines))
        self.progress = StepProgress(steps, lines=0, label=N_("accuracy on the batch"))
        self.history = History()
        self.writer = tf.summary.FileWriter(logdir, session.graph) if logdir else None
        self.last_test = None

    def accuracy_at_step(self, step, batch_accuracy):
        """Measured before the training step `step` (counted from 0, as in 2019)."""
        self.history.add(self.BATCH, step, batch_accuracy)
        self._write("training_accuracy", step, batch_accuracy)
        self.progress.update(step, float(batch_accuracy))
        if step % self.say_every == 0:
            eta = "" if self.progress.terminal or not step else f" ({self.progress.eta()})"
            self.progress.say(_("Accuracy at step {step}: {accuracy}").format(
                step=step, accuracy=f"{batch_accuracy:.4f}") + eta)
            self._test(step)

    def finish(self):
        """The bar's last step, the last test point, and the time the whole run took."""
        self.progress.update(self.steps)
        self._test(self.steps)
        if self.writer:
            self.writer.close()
        if not self.progress.terminal:
            seconds = time.perf_counter() - self.progress.start
            self.progress.say(_("{steps} steps done in {seconds}s ({milliseconds} ms a "
                                "step)").format(steps=self.steps, seconds=f"{seconds:.1f}",
                                                milliseconds=f"{1000 * seconds / self.steps:.1f}"))

    def _test(self, step):
        if step != self.last_test:
            self.last_test = step
            accuracy = self.session.run(self.accuracy, feed_dict=self.test_feed)
            self.history.add(self.test_name, step, accuracy)
            self._write("test_accuracy", step, accuracy)

    def _write(self, tag, step, value):
        if self.writer:
            summary = self.tf.Summary(value=[self.tf.Summary.Value(tag=tag,
                                                                   simple_value=float(value))])
            self.writer.add_summary(summary, step)


def keras_callbacks(logdir):
    """Keras' own TensorBoard callback when a log folder is asked for."""
    if not logdir:
        return []
    import keras
    return [keras.callbacks.TensorBoard(log_dir=logdir)]
