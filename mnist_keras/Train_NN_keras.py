"""Train the MNIST digit classifier with Keras and save it to model/mnist_NN_model.h5.

Machine Learning in Practice #3, "Keras Library": the same network as the TensorFlow lab,
written with Keras, TensorFlow's high-level wrapper.  Builds a Sequential model (as the
2019 script, the softmax network without hidden layer; --hidden for the one with 100
sigmoid units), compiles it with categorical cross entropy and "sgd", fits 15 epochs of
mini-batches of 100, prints the accuracy on the training data and saves the model for
Test_NN_keras.py.

    python Train_NN_keras.py                     # the course: softmax only, sgd, 15 epochs
    python Train_NN_keras.py --hidden            # the hidden-layer model of the slide
    python Train_NN_keras.py --hidden --activation relu --optimizer adam
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the suite's root

from nnlab import cli, lab
from nnlab.i18n import _
from nnlab.training import run_training

size_in = 784
size_hidden = 100
size_out = 10


def NN_model_without_hidden_layer(optimizer="sgd"):
    from keras import Input, Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Input(shape=(size_in,)))  # Keras 3 wants an Input layer, not Dense(input_dim=...)
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model


def NN_model_with_hidden_layer(hidden_units=size_hidden, activation="sigmoid", optimizer="sgd"):
    from keras import Input, Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Input(shape=(size_in,)))
    model.add(Dense(units=hidden_units, activation=activation))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model


# The model main() builds: edit this line (or pass --hidden / --no-hidden) to switch.
NN_model = NN_model_without_hidden_layer
# NN_model = NN_model_with_hidden_layer


def main(argv=None):
    # 1. Load the data: rows of 784 pixels scaled to [0, 1], labels one-hot (and the flags).
    run = lab.KerasTraining(__doc__, argv, "mnist_NN_model.h5", epochs=15, images=False,
                            validation_split=0.0, flags=[cli.network(
                                hidden_units=size_hidden,
                                model_choice="the line `NN_model = ...` in this file")])
    x_train, y_train = run.data.x_train, run.data.y_train

    # 2. Build and compile the model (NN_model above, or what --hidden/--no-hidden ask for).
    model = run.chosen_model(NN_model, NN_model_with_hidden_layer, NN_model_without_hidden_layer,
                             hidden_options=("hidden_units", "activation"))
    model.summary()

    # 3. Train, then measure on the training data.
    history = model.fit(x_train, y_train, batch_size=run.batch_size, epochs=run.epochs,
                        validation_split=run.validation_split, **run.fit_options(model))
    score = model.evaluate(x_train, y_train, batch_size=100, verbose=0)
    print(_("Accuracy:"), f"{score[1]:.4f}")

    # 4. Save the whole model (graph and weights) for Test_NN_keras.py, and the curves.
    with run.saving(model, history, {"hidden": run.hidden}) as path:
        model.save(path)


if __name__ == "__main__":
    run_training(main)
