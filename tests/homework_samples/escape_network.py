"""Escape (round 4): reaches listeners on this machine by every kind of socket (TCP, UDP, a
Unix socket with a path, an abstract Unix socket), to send out what it saw or to talk to
another process.  Every attempt is printed; nothing may arrive."""
import gc
import socket

from tensorflow import keras


def unix(address):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(5)
    connection.connect(address)
    connection.sendall(b"unix")


def NN_model():
    for thing in gc.get_objects():  # the tripwire reports, the operating system must stop
        if type(thing).__name__ == "Tripwire":
            thing.refuse = lambda what: None
    attempts = {
        "tcp": lambda: socket.create_connection(("127.0.0.1", int("@TCP_PORT@")),
                                                timeout=5).sendall(b"tcp"),
        "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"udp", ("127.0.0.1", int("@UDP_PORT@"))),
        "unix": lambda: unix("@UNIX_PATH@"),
        "abstract": lambda: unix("\0@ABSTRACT@"),
        "pair": lambda: socket.socketpair()[0].send(b"pair"),
    }
    for what, attempt in attempts.items():
        try:
            attempt()
            print(f"{what}: sent")
        except OSError as error:
            print(f"{what}: refused ({type(error).__name__})")
    model = keras.Sequential([keras.Input(shape=(3072,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model
