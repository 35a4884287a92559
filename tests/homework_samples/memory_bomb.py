"""NN_model() asks for far more memory than any limit allows."""


def NN_model():
    hoard = bytearray(64 * 2**30)
    return hoard
