"""Neural networks on the gradwalk engine: models, losses, optimizers, toy data, training, saving.

>>> import nn
>>> X, y = nn.make_moons(100, seed=0)
>>> model = nn.MLP(2, [8, 1], seed=0)
>>> history = nn.fit(model, X, y, loss="bce_with_logits", lr=0.05, epochs=5, progress=False)
>>> history.epochs, len(nn.predict(model, X))
(5, 100)
"""

import os as _os

from autograd.modes import skip_frames_in as _skip_frames_in

from . import losses, micrograd, optim
from .data import (batches, make_and, make_blobs, make_circles, make_moons, make_or, make_spiral, make_xor,
                   train_test_split)
from .history import History
from .io import ModelFileError, load, save, to_torch
from .losses import (bce_with_logits, binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse,
                     softmax)
from .module import MLP, Layer, Module, Neuron
from .perceptron import Perceptron
from .optim import SGD, Adam, CosineAnnealingLR, ExponentialLR, StepLR
from .train import accuracy, fit, model_outputs, predict, predict_proba
from .validate import manual_seed

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "Perceptron",
    "mse", "binary_cross_entropy", "bce_with_logits", "hinge", "softmax", "cross_entropy", "l2_penalty",
    "SGD", "Adam", "StepLR", "ExponentialLR", "CosineAnnealingLR",
    "make_moons", "make_circles", "make_blobs", "make_spiral", "make_xor", "make_and", "make_or",
    "train_test_split", "batches",
    "fit", "History", "predict", "predict_proba", "accuracy", "model_outputs",
    "save", "load", "to_torch", "ModelFileError",
    "manual_seed", "losses", "optim", "micrograd",
]

# Anomaly mode names the user's line that made a Value, not a model's forward() in this package.
_skip_frames_in(_os.path.dirname(__file__))
