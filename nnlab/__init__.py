"""Plumbing shared by the lab scripts: data, paths, command line, TensorFlow set-up, output.

Each module has one job, so that the course scripts themselves read like the slides.
"""
