"""Correct: NN_model(activation, optimizer) without defaults, as the handout calls it."""
import tensorflow as tf

with tf.device("/cpu:0"):
    from tensorflow.keras import layers


def NN_model(activation, optimizer):
    model = tf.keras.Sequential([tf.keras.Input(shape=(3072,)),
                                 layers.Dense(3000, activation=activation),
                                 layers.Dense(2000, activation=activation),
                                 layers.Dense(10, activation="softmax")])
    model.compile(loss=tf.keras.losses.CategoricalCrossentropy(), optimizer=optimizer,
                  metrics=["accuracy"])
    return model
