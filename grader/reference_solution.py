"""The reference answer to the CIFAR-10 homework's NN_model(): for instructors only.

It lives with the grader, which students do not receive.  Train it as a student would with
``python cifar/Train_NN_cifar.py --solution grader/reference_solution.py``, or grade it
with ``python cifar/grade_homework.py grader/reference_solution.py``.
"""

from keras import Input, Sequential
from keras.layers import Dense

size_in = 3072  # 32 * 32 * 3
size_hidden1 = 3000
size_hidden2 = 2000
size_out = 10


def NN_model(activation="sigmoid", optimizer="sgd"):
    model = Sequential()
    model.add(Input(shape=(size_in,)))  # Keras 3 wants an Input layer, not Dense(input_dim=...)
    model.add(Dense(units=size_hidden1, activation=activation))
    model.add(Dense(units=size_hidden2, activation=activation))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model
