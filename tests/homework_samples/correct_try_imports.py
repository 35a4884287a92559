"""Correct, with the imports inside try/except ImportError, as careful students write them."""
try:
    import keras
    from keras.models import Sequential
    from keras.layers import Dense, Activation
except ImportError:
    from tensorflow import keras
    from tensorflow.keras.models import Sequential
    from tensorflow.keras.layers import Dense, Activation

if keras is not None:
    size_in = 3072


def NN_model():
    model = Sequential()
    model.add(keras.Input(shape=(size_in,)))
    model.add(Dense(3000, activation="sigmoid"))
    model.add(Dense(2000, activation="sigmoid"))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"], optimizer="sgd")
    return model
