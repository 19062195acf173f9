"""Classifiers of assignment 2: the fully connected network and the three-layer convolutional network."""
