"""The reference answer to the CIFAR-10 homework's NN_model(): for instructors only.

Train_NN_cifar.py uses it with --reference, and cifar/grade_homework.py measures students
against it.  Hand students Train_NN_cifar.py without this file (see the README).
"""

from Train_NN_cifar import size_hidden1, size_hidden2, size_in, size_out


def NN_model(activation="sigmoid", optimizer="sgd"):
    from keras import Input, Sequential
    from keras.layers import Dense

    model = Sequential()
    model.add(Input(shape=(size_in,)))  # Keras 3 wants an Input layer, not Dense(input_dim=...)
    model.add(Dense(units=size_hidden1, activation=activation))
    model.add(Dense(units=size_hidden2, activation=activation))
    model.add(Dense(units=size_out, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer=optimizer)
    return model
