"""Writes and deletes files in its working folder, then tries to write beside itself."""
import os

OUTSIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "escaped.txt")


def NN_model():
    with open("scratch_notes.txt", "w") as file:
        file.write("mine to write")
    os.makedirs("tmp_folder", exist_ok=True)
    os.remove("scratch_notes.txt")
    os.rmdir("tmp_folder")
    with open(OUTSIDE, "w") as file:
        file.write("escaped the sandbox")
