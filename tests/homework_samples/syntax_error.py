"""Does not parse."""
def NN_model()
    return None
