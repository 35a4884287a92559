"""A reference answer to the CIFAR-10 CNN homework's CNN_model(): for instructors only.

It lives with the grader, which students do not receive (cifar/make_handout.py leaves it out
and refuses any folder that holds it).  Train it as a student would with
``python cifar/Train_CNN_cifar.py --solution grader/cnn_reference_solution.py``.

The homework prescribes no architecture; this is a small, sensible one, cheap enough to train
for a whole class: two blocks of a 3 x 3 convolution (32, then 64 filters, no padding), ReLU
and 2 x 2 max pooling, a Dense layer of 128 ReLU units with Dropout(0.5), a softmax of 10,
Adam with its default learning rate 0.001.  Its first layer, BatchNormalization on the input,
standardises each colour channel, so that it trains on the handout's raw 0-255 pixels (with
them, the same network without it stays at chance with some seeds) and on --scale alike; its
momentum of 0.9 (Keras' default is 0.99) lets the averages it tests with settle within the
first hundred steps, so that short trial runs are tested as they trained.

Size: 315,734 parameters (315,728 trainable).  Cost per image, forward: 4,188,800
multiply-adds (8.4 MFLOPs): 777,600 in the first convolution (30 x 30 x 32 outputs of 27),
3,115,008 in the second (13 x 13 x 64 of 288), 294,912 + 1,280 in the Dense layers; a
training step costs about three times that.
"""

import keras
from keras import Input, Sequential
from keras.layers import (Activation, BatchNormalization, Convolution2D, Dense, Dropout, Flatten,
                          MaxPooling2D)

input_shape = (32, 32, 3)
size_out = 10


def CNN_model():
    model = Sequential()
    model.add(Input(shape=input_shape))
    model.add(BatchNormalization(momentum=0.9))  # raw 0-255 pixels or scaled: standardised
    model.add(Convolution2D(32, (3, 3)))  # 30 x 30 x 32
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))  # 15 x 15 x 32
    model.add(Convolution2D(64, (3, 3)))  # 13 x 13 x 64
    model.add(Activation("relu"))
    model.add(MaxPooling2D((2, 2)))  # 6 x 6 x 64
    model.add(Flatten())  # 2304 values
    model.add(Dense(128))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(size_out))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(),
                  metrics=["accuracy"])
    return model
