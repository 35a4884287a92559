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


class TF1TrainingLog:
    """Records cost and accuracy while Train_NN.py trains; writes TensorBoard events in TF1 style.

    Every `log_every` steps: cost and accuracy of the current mini-batch; every `test_every`
    steps and at the end: accuracy on the test data.  With a `logdir`, the computation graph
    and these scalars go to TensorBoard event files through tf.compat.v1.summary.
    """

    def __init__(self, tf, session, logdir, cost, accuracy, log_every=10, test_every=100):
        self.session, self.log_every, self.test_every = session, log_every, test_every
        self.history = History()
        self.train_summary = tf.summary.merge([tf.summary.scalar("training_cost", cost),
                                               tf.summary.scalar("training_accuracy", accuracy)])
        self.test_summary = tf.summary.scalar("test_accuracy", accuracy)
        self.cost, self.accuracy = cost, accuracy
        self.writer = tf.summary.FileWriter(logdir, session.graph) if logdir else None

    def step(self, step, batch_feed, test_feed, last=False):
        if step % self.log_every == 0 or last:
            summary, cost, accuracy = self.session.run(
                [self.train_summary, self.cost, self.accuracy], feed_dict=batch_feed)
            self.history.add("cost", step, cost)
            self.history.add("training accuracy (batch)", step, accuracy)
            self._write(summary, step)
        if step % self.test_every == 0 or last:
            summary, accuracy = self.session.run([self.test_summary, self.accuracy],
                                                 feed_dict=test_feed)
            self.history.add("test accuracy", step, accuracy)
            self._write(summary, step)

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
