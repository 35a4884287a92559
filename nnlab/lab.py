"""What a lesson file does besides the lesson: one call at each step of its slide.

A lesson file reads like its slide: load the data, build the graph (or the Keras model),
train, save; or restore, measure.  Everything else — flags with their defaults in --help
(answered before TensorFlow loads), the quiet TensorFlow import, data from wherever it is
(--data, $MNIST_DATA, Keras' cache, a mirror), progress without flooding a terminal, the
device that trains, saving that never leaves half a model, notes beside it, pictures, the
overfitting verdict — is done by a run object of this module, called once or twice:

TensorFlow 1.x style (mnist/Train_CNN.py, mnist/Test_CNN.py)::

    run = lab.TF1Training(__doc__, argv, "mnist_CNN_model.ckpt", steps=10000, keep_prob=0.5)
    x_train, y_train = run.data.x_train, run.data.y_train   # rows of 784 pixels in [0, 1], one-hot
    ...placeholders, the graph (tf.set_random_seed(run.seed)), a Session...
    progress = run.progress(sess, accuracy, test_feed)      # says the device; bar, lines, curves
    for i in range(run.steps): ...get_batch(..., run.batch_size, i)...
        every 10 steps: progress.accuracy_at_step(i, accuracy on the batch)
    with run.saving() as path:                              # notes, pictures, never half-written
        tf.train.Saver().save(sess, path)

    run = lab.TF1Testing(__doc__, argv, "mnist_CNN_model.ckpt", "Train_CNN.py")
    ...placeholders, the graph, a Session...
    with run.restoring() as path:                           # shapes checked, one-line errors
        tf.train.Saver().restore(sess, path)
    run.report(sess, x_in, test_accuracy, train_accuracy)   # verdict, samples, pictures

Keras (mnist_keras/*_CNN_keras.py, cifar/*_CNN_cifar.py)::

    run = lab.KerasTraining(__doc__, argv, "mnist_CNN_model.h5", epochs=8)
    model.fit(x_train, y_train, batch_size=..., epochs=..., **run.fit_options(model))
    with run.saving(model, history) as path:
        model.save(path)

    run = lab.KerasTesting(__doc__, argv, "mnist_CNN_model.h5", "Train_CNN_keras.py", (28, 28, 1))
    model = run.load_model()
    run.report(model, test_accuracy, train_accuracy)

The MLP lesson files can move onto the same objects: their extra flag groups go in `flags`
(cli.network(...)), their own notes in `saving(notes)`, their network in `network`.
"""

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from nnlab import checkpoints, cli, datasets, devices, plots, report
from nnlab.choices import BUILDER_OPTIONS, CNN_NETWORK, MNIST_DATASETS
from nnlab.i18n import N_, _
from nnlab.paths import default_model_path, picture_path
from nnlab.quiet_tensorflow import import_tensorflow, import_tensorflow_v1
from nnlab.training import fit_verbosity, refuse_non_finite
from nnlab.training_log import History, StepAccuracyLog, keras_callbacks

TEST_IMAGES_FOR_CURVES = 1000  # the TF1 CNN's test-accuracy curve: a fixed part of the test data
# CNN_comp_graph.py's layers, in the order it prints their shapes, with what each computes
TF1_CNN_STAGES = {"c1": "c1 = conv2d(x_image, W_conv1)", "conv1": "conv1 = relu(c1 + b_conv1)",
                  "pool1": "pool1 = max_pool(conv1)", "c2": "c2 = conv2d(pool1, W_conv2)",
                  "conv2": "conv2 = relu(c2 + b_conv2)", "pool2": "pool2 = max_pool(conv2)"}
CNN_PICTURES = ("filters", "feature_maps", "confusion", "mistakes")
# Train_NN.py's cost curve, named for what it is: the number its progress lines show too
COST_CURVE = "cost of the step's batch, after the step"


@dataclass
class LessonData:
    """The arrays a lesson feeds (pixels as the network takes them, labels one-hot), and the
    data set they came from (uint8 images, class ids, names) for reports and pictures."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    dataset: datasets.Dataset


def load_lesson_data(parser, name, source, mirror, images=False, scale=True, train_size=None):
    """Data set `name` as a lesson feeds it: rows of pixels (TF1 graphs) or `images` of shape
    (height, width, channels) (Keras convolutions), scaled to [0, 1] unless `scale` is False,
    the first `train_size` training images only if given."""
    data = datasets.load(name, source, mirror)
    cli.check_train_size(parser, train_size, len(data.x_train))
    prepare = datasets.shaped_images if images else datasets.flat_images
    return LessonData(prepare(data.x_train[:train_size], scale),
                      datasets.one_hot(data.y_train[:train_size]),
                      prepare(data.x_test, scale), datasets.one_hot(data.y_test), data)


def class_names(data, korean=False):
    """Names for the "actual/predicted" lines: none for digits, Korean ones with --korean or
    where the messages are Korean."""
    if data.info.name == "mnist":
        return None
    return list(datasets.class_names(data.info, True if korean else None))


def picture_names(data, args):
    """The class names the pictures show: Korean ones with --korean (or in Korean), where a
    font draws them."""
    korean = getattr(args, "korean", False)
    return plots.picture_class_names(data.info.class_names_ko if korean and
                                     data.info.class_names_ko else data.info.class_names)


class TF1Training:
    """A TensorFlow 1.x training lesson's flags, data, progress, saving and pictures.

    Flags: --dataset, --data, --mirror, --steps (default `steps`) or --epochs, --batch-size,
    --seed, --keep-prob (where `keep_prob` is given), the groups of `flags`, --model (default
    model/`model_name`), --pictures, --logdir.  `network` is recorded in the notes beside the
    checkpoint (default: CNN_comp_graph.py's); `test_script` reads it.  The schedule the lesson
    follows: `steps` (from --steps or --epochs), `batch_size`, `keep_prob`, `seed`.
    """

    def __init__(self, doc, argv, model_name, steps, keep_prob=None, network=CNN_NETWORK,
                 test_script="Test_CNN.py", flags=(), shuffle=None, gradients=False):
        groups = [cli.data(), cli.training(steps=steps, shuffle=shuffle)]
        groups += [cli.keep_prob(keep_prob)] if keep_prob is not None else []
        groups += [*flags,
                   cli.model_file(default_model_path(model_name),
                                  _("where to save the checkpoint ({script} reads it "
                                    "there)").format(script=test_script),
                                  writes=True),
                   cli.training_pictures(gradients=gradients)]
        self.parser, self.args = cli.parse(doc, argv, *groups)
        self.tf = import_tensorflow_v1()  # after the flags are checked: --help answers at once
        self.network = network
        self.data = load_lesson_data(self.parser, self.args.dataset, self.args.data,
                                     self.args.mirror)
        cli.check_batch_size(self.parser, self.args.batch_size, len(self.data.x_train))
        self.batches_per_epoch = len(self.data.x_train) // self.args.batch_size
        self.steps = self.args.epochs * self.batches_per_epoch if self.args.epochs \
            else self.args.steps
        self.batch_size, self.seed = self.args.batch_size, self.args.seed
        self.keep_prob = getattr(self.args, "keep_prob", None)
        self.log = None
        self._shuffle_order = np.random.default_rng(self.seed)

    def shuffled(self, x, y, step):
        """With --shuffle, `x` and `y` in a new random order at the first step of every epoch
        (`step` counted from 0); else, and at the other steps, as they are."""
        if not getattr(self.args, "shuffle", False) or step % self.batches_per_epoch:
            return x, y
        order = self._shuffle_order.permutation(len(x))
        return x[order], y[order]

    def progress(self, session, accuracy, test_feed):
        """Say what trains on which device, then follow the steps (a StepAccuracyLog);
        `test_feed` feeds test images without dropout, for the curves."""
        args = self.args
        device = devices.tf1_device(session, accuracy, test_feed)
        dropout = f", keep_prob {self.keep_prob:g}" if self.keep_prob is not None else ""
        print(_("Training {network} on {data}, on {device}: {steps} steps of {batch} "
                "images").format(network=self.network, data=self.data.dataset.info.title,
                                 device=device, steps=f"{self.steps:,}",
                                 batch=args.batch_size) + dropout, flush=True)
        test_count = max(len(value) for value in test_feed.values() if hasattr(value, "__len__"))
        self.log = StepAccuracyLog(self.tf, session, accuracy, test_feed, self.steps,
                                   _("test accuracy ({count} test images, no dropout)").format(
                                       count=f"{test_count:,}"),
                                   logdir=args.logdir)
        return self.log

    def notes(self):
        """What Test scripts need to know about the training: network, data, schedule."""
        args = self.args
        notes = {"network": self.network, "dataset": args.dataset,
                 "data": datasets.local_source(args.dataset, args.data), "steps": self.steps,
                 "batch_size": args.batch_size, "seed": args.seed}
        if self.keep_prob is not None:
            notes["keep_prob"] = self.keep_prob
        return notes

    @contextlib.contextmanager
    def saving(self, notes=None):
        """`with run.saving() as path: tf.train.Saver().save(sess, path)`: the checkpoint and
        its notes replace the previous ones only once both are written; then the curves."""
        if self.log:
            self.log.finish()
        with checkpoints.tf1_checkpoint_saving(self.args.model, {**self.notes(), **(notes or {})}) \
                as path:
            yield path
        print(_("Model saved to {path}").format(path=self.args.model))
        if self.args.logdir:
            print(_("TensorBoard logs in {folder}: view them with tensorboard --logdir "
                    "{folder}").format(folder=self.args.logdir))
        if self.args.pictures and self.log:
            plots.save_training_curves(self.log.history.curves, "step", self.args.model)


class TF1NNTraining(TF1Training):
    """Train_NN.py's run: TF1Training with the network flags (--hidden, --hidden-units,
    --activation, --init, --optimizer, --learning-rate, --cost, --exact-symmetry), --shuffle
    (off: the course takes batches in order) and --gradients.

    `chosen_network()` is the builder NN_comp_graph.py's line `NN_comp_graph = ...` names (or the one
    --hidden/--no-hidden ask for), with the flags' options bound: called as the slide calls
    it, ``accuracy, train = NN_comp_graph(x_in, y_in)``.  `progress(...)` follows the steps
    with the cost of each step's batch *after* its update, the same number the curves picture
    draws, and stops at the first cost that is not a finite number.
    """

    def __init__(self, doc, argv, model_name, steps):
        super().__init__(doc, argv, model_name, steps, network=None, test_script="Test_NN.py",
                         shuffle=False, gradients=True, flags=[cli.network(
                             hidden_units=100, tf1=True,
                             model_choice=_("the line `NN_comp_graph = ...` in "
                                                            "NN_comp_graph.py"))])
        self.builder, self.options = None, {}

    def chosen_network(self):
        import functools

        import NN_comp_graph
        self.builder, self.options = cli.chosen_network(
            self.parser, self.args, NN_comp_graph.NN_comp_graph,
            NN_comp_graph.NN_comp_graph_with_hidden_layer,
            NN_comp_graph.NN_comp_graph_without_hidden_layer,
            lambda builder: BUILDER_OPTIONS[builder.__name__])
        self.network = self.builder.__name__
        return functools.partial(self.builder, **self.options)

    def progress(self, session, x_in, y_in):
        """Say what trains; returns the object whose `step(i, feed)` follows each step."""
        from nnlab.training_log import TF1TrainingLog
        graph = self.tf.get_default_graph()
        cost, accuracy = (graph.get_tensor_by_name(name + ":0") for name in ("cost", "accuracy"))
        print(_("Training {network} on {data}: {steps} steps of {batch} images").format(
            network=self.network, data=self.data.dataset.info.title, steps=self.steps,
            batch=self.batch_size), flush=True)
        sigmoid = graph.get_tensor_by_name("h:0") \
            if self.options.get("activation") == "sigmoid" else None
        if self.args.pictures or self.args.logdir:
            self.log = TF1TrainingLog(self.tf, session, self.args.logdir, cost, accuracy,
                                      inside=self.args.gradients, sigmoid_outputs=sigmoid)
        return CostProgress(session, cost, self.steps, self.log,
                            {x_in: self.data.x_test, y_in: self.data.y_test})

    def notes(self):
        notes = super().notes()
        del notes["network"]
        return {**notes, "builder": self.network, "options": self.options,
                "shuffle": self.args.shuffle}

    @contextlib.contextmanager
    def saving(self, notes=None):
        """`with run.saving() as path: tf.train.Saver().save(sess, path)`; then the curves
        and, with --gradients, what happened inside the network."""
        log, self.log = self.log, None  # TF1Training's saving draws StepAccuracyLog's curves
        if log:
            log.close()
        with super().saving(notes) as path:
            yield path
        if self.args.pictures and log:
            curves = {(_(COST_CURVE) if name == "cost" else name): curve
                      for name, curve in log.learning_curves().items()}
            plots.save_training_curves(curves, "step", self.args.model)
            if self.args.gradients:
                plots.save_gradients(log.inside_curves(), self.args.model)


class CostProgress:
    """After each step of Train_NN.py: the cost of the step's batch measured after its update
    (in the bar on a terminal, a line every tenth of the run in a log), the curves' points."""

    def __init__(self, session, cost, steps, log, test_feed):
        from nnlab.progress import StepProgress
        self.session, self.cost, self.steps, self.log = session, cost, steps, log
        self.test_feed = test_feed
        self.bar = StepProgress(steps, label="cost")

    def step(self, i, batch_feed):
        """Step `i` (counted from 0) has just trained on `batch_feed`."""
        step = i + 1
        batch_cost = self.session.run(self.cost, feed_dict=batch_feed)
        if not np.isfinite(batch_cost):
            self.bar.interrupt()
            raise SystemExit(_("error: the cost became {cost} at step {step}: lower "
                               "--learning-rate; no model was saved").format(cost=batch_cost,
                                                                            step=step))
        self.bar.update(step, batch_cost)
        if self.log:
            self.log.step(step, batch_feed, self.test_feed, last=step == self.steps)


class Testing:
    """What the test lessons share: flags, notes, the data as recorded, the report."""

    def __init__(self, doc, argv, model_name, train_script, model_flag_help, keras, pictures,
                 read_notes, data_sets=MNIST_DATASETS, cifar=False):
        groups = [cli.model_file(default_model_path(model_name), model_flag_help, keras=keras),
                  cli.data(data_sets, dataset_default=None)]
        if keras:
            groups += [cli.cifar_inputs(scale_default=None), cli.korean()] if cifar else \
                [cli.train_size(as_recorded=True)]
        groups += [cli.test_pictures(pictures)]
        self.parser, self.args = cli.parse(doc, argv, *groups)
        self.train_script, self.data_sets = train_script, data_sets
        self.notes = read_notes(self.args.model, train_script)
        recorded = self.notes.get("dataset", data_sets[0])
        if recorded not in data_sets:
            raise SystemExit(_("error: {path} was trained on {recorded}, not on {expected}: it was "
                               "not made by {script}").format(
                                   path=self.args.model, recorded=recorded,
                                   expected=_(" or ").join(data_sets), script=train_script))

    def load_data(self, images, scale=True, train_size=None):
        args = self.args
        dataset = getattr(args, "dataset", None) or self.notes.get("dataset", self.data_sets[0])
        source = checkpoints.recorded_data(args, self.notes, dataset)
        self.data = load_lesson_data(self.parser, dataset, source, args.mirror, images, scale,
                                     train_size)

    def say_measuring(self):
        report.say(_("Measuring accuracy on {test} test and {train} training images").format(
            test=f"{len(self.data.x_test):,}", train=f"{len(self.data.x_train):,}"))

    def print_report(self, test_accuracy, train_accuracy, predict):
        """The overfitting verdict (the lesson printed the accuracies), then random test
        images as "actual: 7, predicted: 7"; `predict(images)` gives their classes."""
        data = self.data.dataset
        report.print_overfitting_verdict(float(test_accuracy), float(train_accuracy))
        chosen = report.sample_indices(self.args.samples, len(data.x_test), self.args.seed)
        if len(chosen):
            report.print_predictions(data.y_test[chosen], predict(self.data.x_test[chosen]),
                                     class_names(data, getattr(self.args, "korean", False)))
        return chosen

    def report_mlp(self, test_accuracy, train_accuracy, predicted, weights, biases=None,
                   zero_init=False):
        """The MLP lessons' report: `predicted` classes of the test images; the first layer's
        `weights` are the softmax network's class templates, or, with `biases`, a hidden
        layer's units (printed in groups of identical ones)."""
        data = self.data.dataset
        report.print_overfitting_verdict(float(test_accuracy), float(train_accuracy))
        chosen = report.sample_indices(self.args.samples, len(data.x_test), self.args.seed)
        report.print_predictions(data.y_test[chosen], predicted[chosen],
                                 class_names(data, getattr(self.args, "korean", False)))
        hidden = None
        if biases is not None:
            weights, hidden = None, weights
            report.print_hidden_units(hidden, biases, zero_init)
        if self.args.pictures:
            plots.draw_test_pictures(data.x_test, data.y_test, predicted,
                                     picture_names(data, self.args),
                                     self.args.pictures, self.args.model, self.args.picture_dir,
                                     weights, hidden)
            plots.show_saved()

    def draw(self, chosen, predict, filters, feature_maps):
        """The pictures asked for: the first layer's filters (`filters()`: a kernel and its
        title), the feature maps of one test image (`feature_maps(image)`: rows of stages),
        the confusion matrix and the mistakes (and CIFAR-10's samples)."""
        args, data = self.args, self.data.dataset
        index = int(chosen[0]) if len(chosen) else 0
        if "filters" in args.pictures:
            kernel, title = filters()
            plots.save(plots.conv_filters(kernel, title), self.picture("filters"))
        if "feature_maps" in args.pictures:
            label = picture_names(data, args)[data.y_test[index]]
            title = plots.label(N_("Feature maps of test image {index} ({label}) after each "
                                   "convolution and pooling")).format(index=index, label=label)
            plots.save(plots.feature_maps(data.x_test[index], feature_maps(self.data.x_test[index]),
                                          title),
                       self.picture("feature_maps"))
        predicted = predict(self.data.x_test) if {"confusion", "mistakes"} & set(args.pictures) \
            else None
        if "samples" in args.pictures and len(chosen):
            plots.save(plots.predictions(data.x_test[chosen], data.y_test[chosen],
                                         predict(self.data.x_test[chosen]),
                                         picture_names(data, args)),
                       self.picture("samples"))
        if predicted is not None:
            plots.draw_test_pictures(data.x_test, data.y_test, predicted,
                                     picture_names(data, self.args),
                                     args.pictures, args.model, args.picture_dir)
        plots.show_saved()

    def picture(self, name):
        return picture_path(self.args.model, name, self.args.picture_dir)


class TF1Testing(Testing):
    """A TensorFlow 1.x test lesson's flags, notes, data, restoring and report (CNN_comp_graph's
    network: its nodes c1 ... pool2, W_conv1 and prediction are drawn and read by name)."""

    def __init__(self, doc, argv, model_name, train_script,
                 read_notes=checkpoints.read_cnn_notes, pictures=CNN_PICTURES):
        super().__init__(doc, argv, model_name, train_script,
                         _("the checkpoint written by {script}").format(script=train_script),
                         False, pictures, read_notes)
        self.tf = import_tensorflow_v1()  # after the flags are checked: --help answers at once
        self.load_data(images=False)

    @contextlib.contextmanager
    def restoring(self):
        """`with run.restoring() as path: tf.train.Saver().restore(sess, path)`."""
        with checkpoints.tf1_checkpoint_restoring(self.args.model, self.train_script) as path:
            yield path
        self.say_measuring()

    def report(self, session, x_in, test_accuracy, train_accuracy, batch_size=100):
        graph = self.tf.get_default_graph()
        prediction = graph.get_tensor_by_name("prediction:0")

        def predict(images):
            return np.concatenate([session.run(prediction, {x_in: images[start:start + batch_size]})
                                   for start in range(0, len(images), batch_size)] or [[]])

        def filters():
            kernel = session.run(next(variable for variable in self.tf.global_variables()
                                      if variable.op.name == "W_conv1"))
            return kernel, plots.label(N_(
                "The {count} filters of the first convolution, {height} x {width} pixels each "
                "(red: positive weight, blue: negative)")).format(
                    count=kernel.shape[3], height=kernel.shape[0], width=kernel.shape[1])

        def feature_maps(image):
            nodes = [graph.get_tensor_by_name(name + ":0") for name in TF1_CNN_STAGES]
            values = session.run(nodes, {x_in: image[np.newaxis]})
            stages = [(f"{TF1_CNN_STAGES[name]}\n{name}: {node.shape}", value[0])
                      for name, node, value in zip(TF1_CNN_STAGES, nodes, values)]
            return [stages[:3], stages[3:]]  # each convolution, its ReLU and its pooling

        chosen = self.print_report(test_accuracy, train_accuracy, predict)
        self.draw(chosen, predict, filters, feature_maps)


NN_PICTURES = ("confusion", "mistakes", "weights", "hidden_units")


class TF1NNTesting(TF1Testing):
    """Test_NN.py's run: the checkpoint's notes say which of NN_comp_graph.py's networks to
    rebuild (`trained_network()`, called as the slide calls it) and with which options."""

    def __init__(self, doc, argv, model_name, train_script):
        super().__init__(doc, argv, model_name, train_script, checkpoints.read_tf1_notes,
                         NN_PICTURES)

    def trained_network(self):
        import functools

        import NN_comp_graph
        builder = getattr(NN_comp_graph, self.notes["builder"])  # checked by read_tf1_notes
        return functools.partial(builder, **self.notes["options"])

    def report(self, session, x_in, test_accuracy, train_accuracy):
        """The overfitting verdict, random test images, the hidden units, the pictures."""
        graph = self.tf.get_default_graph()
        predicted = session.run(graph.get_tensor_by_name("prediction:0"),
                                {x_in: self.data.x_test})
        variables = {variable.op.name: variable for variable in self.tf.global_variables()}
        if self.notes["builder"] == "NN_comp_graph_without_hidden_layer":
            layer = session.run(variables["w"]), None
        else:
            layer = session.run([variables["w_hidden"], variables["b_hidden"]])
        self.report_mlp(test_accuracy, train_accuracy, predicted, *layer,
                        zero_init=self.notes["options"].get("init") == "zeros")


class KerasTraining:
    """A Keras training lesson's flags, data, device line, saving and curves.

    Flags: --dataset (where `data_sets` offers a choice), --data, --mirror, --train-size
    (and --scale for CIFAR-10, whose raw 0-255 pixels the 2019 handout fed), --epochs (default
    `epochs`), --batch-size, --seed, --shuffle, --validation-split, the groups of `flags`,
    --model (default model/`model_name`), --pictures, --logdir.  Inputs are images of shape
    (height, width, channels), for convolutions.
    """

    def __init__(self, doc, argv, model_name, epochs, data_sets=MNIST_DATASETS, cifar=False,
                 flags=(), images=True, validation_split=0.1):
        groups = [cli.data(data_sets), cli.cifar_inputs() if cifar else cli.train_size(),
                  cli.training(epochs=epochs, shuffle=True, validation_split=validation_split),
                  *flags,
                  cli.model_file(default_model_path(model_name),
                                 _("where to save the model: .h5 (the course) or .keras"),
                                 keras=True, writes=True),
                  cli.training_pictures()]
        self.parser, self.args = cli.parse(doc, argv, *groups)
        keras = import_tensorflow().keras  # after the flags are checked: --help answers at once
        keras.utils.set_random_seed(self.args.seed)
        self.dataset = getattr(self.args, "dataset", data_sets[0])
        self.scale = getattr(self.args, "scale", True)
        self.data = load_lesson_data(self.parser, self.dataset, self.args.data, self.args.mirror,
                                     images=images, scale=self.scale,
                                     train_size=self.args.train_size)
        cli.check_batch_size(self.parser, self.args.batch_size, len(self.data.x_train),
                             self.args.validation_split)
        self.batch_size, self.epochs = self.args.batch_size, self.args.epochs
        self.validation_split = self.args.validation_split

    def chosen_model(self, chosen, with_hidden, without_hidden, hidden_options):
        """The model of the builder --hidden/--no-hidden ask for (else `chosen`, the file's
        own choice), called with the optimizer of --optimizer/--learning-rate and, for
        `with_hidden`, the flags named in `hidden_options`."""
        from nnlab.optimizers import keras_optimizer
        builder, options = cli.chosen_network(
            self.parser, self.args, chosen, with_hidden, without_hidden,
            lambda builder: hidden_options if builder is with_hidden else ())
        self.hidden = builder is with_hidden
        return builder(optimizer=keras_optimizer(self.args.optimizer, self.args.learning_rate),
                       **options)

    def homework_model(self, model_function, input_size):
        """The handout's NN_model() or CNN_model() (or --solution's), called as the homework
        asks, with a one-line error for every way it can be wrong."""
        from nnlab.homework import build_model
        return build_model(self.parser, self.args, model_function, input_size)

    def fit_options(self, model):
        """Say which device trains; the keyword arguments of fit besides the slide's (shuffle,
        TensorBoard, a bar on a terminal and a line per epoch in a log)."""
        held_out = self.args.validation_split
        print((_("Training on {device}: {count} images of {data}, {held_out} of them held out "
                 "to validate") if held_out else
               _("Training on {device}: {count} images of {data}")).format(
            device=devices.keras_device(model), count=f"{len(self.data.x_train):,}",
            data=self.data.dataset.info.title, held_out=f"{held_out:.0%}"), flush=True)
        return {"shuffle": self.args.shuffle, "callbacks": keras_callbacks(self.args.logdir),
                "verbose": fit_verbosity()}

    @contextlib.contextmanager
    def saving(self, model, history, notes=None):
        """`with run.saving(model, history) as path: model.save(path)`: refuses a model
        whose training diverged; the model and its notes replace the previous ones in one
        step each; then the curves."""
        refuse_non_finite(history, model)
        args = self.args
        notes = {"dataset": self.dataset, "data": datasets.local_source(self.dataset, args.data),
                 "scale": self.scale, "train_size": args.train_size, **(notes or {})}
        with checkpoints.keras_model_saving(args.model, notes) as path:
            yield path
        print(_("Model saved to {path}").format(path=args.model))
        if args.pictures:
            plots.save_training_curves(History.from_keras(history).curves, "epoch", args.model)


def layer_text(layer):
    """What a Keras layer computes, in a few words: "Conv2D, 32 filters 5 x 5", "relu"."""
    config = layer.get_config()
    kind = type(layer).__name__
    if "filters" in config:
        return plots.label(N_("{kind}, {count} filters {size}")).format(
            kind=kind, count=config["filters"], size=" x ".join(map(str, config["kernel_size"])))
    if "pool_size" in config:
        return f"{kind} {' x '.join(map(str, config['pool_size']))}"
    if kind == "Activation":
        return f"Activation {config['activation']}"
    return kind


class KerasTesting(Testing):
    """A Keras test lesson's flags, notes, data as recorded, model loading and report."""

    def __init__(self, doc, argv, model_name, train_script, input_shape, data_sets=MNIST_DATASETS,
                 cifar=False, pictures=CNN_PICTURES, images=True):
        super().__init__(doc, argv, model_name, train_script,
                         _("the model written by {script} (.h5 or .keras)").format(
                             script=train_script), True, pictures,
                         checkpoints.read_notes, data_sets, cifar)
        if not os.path.isfile(self.args.model):
            raise SystemExit(_(checkpoints.NO_MODEL).format(path=self.args.model,
                                                            script=train_script))
        self.input_shape = input_shape
        import_tensorflow()  # after the flags are checked: --help answers at once
        # the model first: a wrong model file is said before any data is looked for
        self.model = checkpoints.load_keras_model(self.args.model, train_script, input_shape)
        trained_scale = self.notes.get("scale", not cifar)
        scale = trained_scale if getattr(self.args, "scale", None) is None else self.args.scale
        if cifar:
            report.warn_if_unlike_training("--scale" if scale else "--no-scale", scale,
                                           trained_scale, N_("pixels divided by 255"),
                                           N_("raw pixels"))
        self.load_data(images=images, scale=scale,
                       train_size=self.args.train_size or self.notes.get("train_size"))

    def load_model(self):
        """The model, loaded by keras.models.load_model when the run began (one line for every
        way the file can be wrong)."""
        self.say_measuring()
        return self.model

    def report(self, model, test_accuracy, train_accuracy):
        import keras

        def predict(images):
            return report.predicted_classes(model, images)

        convolutions = [layer for layer in model.layers if len(layer.output.shape) == 4]
        kernels = [layer for layer in convolutions if getattr(layer, "kernel", None) is not None
                   and len(layer.kernel.shape) == 4]

        def filters():
            kernel = keras.ops.convert_to_numpy(kernels[0].kernel)
            title = N_("The {count} filters of the first convolution ({name}), {height} x "
                       "{width} pixels each (red: positive weight, blue: negative)") \
                if kernel.shape[2] == 1 else \
                N_("The {count} filters of the first convolution ({name}), {height} x {width} "
                   "pixels each (weights as colours, each filter stretched to full range)")
            return kernel, plots.label(title).format(count=kernel.shape[3], name=kernels[0].name,
                                                     height=kernel.shape[0],
                                                     width=kernel.shape[1])

        def feature_maps(image):
            inside = keras.Model(model.inputs, [layer.output for layer in convolutions])
            values = inside.predict(image[np.newaxis], verbose=0)
            values = values if isinstance(values, list) else [values]
            rows = []
            for layer, value in zip(convolutions, values):
                if not rows or layer in kernels:  # a row for each convolution and what follows
                    rows.append([])
                rows[-1].append((f"{layer_text(layer)}\n{layer.name}: "
                                 f"{tuple(layer.output.shape)}", value[0]))
            return rows

        if not kernels:  # a network without convolutions: nothing of theirs to draw
            self.args.pictures = [name for name in self.args.pictures
                                  if name not in ("filters", "feature_maps")]
        chosen = self.print_report(test_accuracy, train_accuracy, predict)
        self.draw(chosen, predict, filters, feature_maps)

    def report_mlp_model(self, model, test_accuracy, train_accuracy):
        """The MLP lessons' report for a Keras model of Dense layers: verdict, samples, the
        first layer's weights (class templates, or hidden units), pictures."""
        predicted = report.predicted_classes(model, self.data.x_test)
        layer = model.layers[0].get_weights()
        self.report_mlp(test_accuracy, train_accuracy, predicted,
                        *(layer[:1] if len(model.layers) == 1 else layer[:2]))
