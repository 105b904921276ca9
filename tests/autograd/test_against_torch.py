"""Random expression DAGs: values and gradients equal PyTorch float64 to 1e-12."""

import math

import pytest
from hypothesis import assume, given, settings

from autograd import Value, backward
from tests.autograd.cases import torch_twin
from tests.autograd.programs import programs, run_torch, run_values

torch = pytest.importorskip("torch")


def close(ours, theirs, scale):
    return abs(ours - theirs) <= 1e-12 * max(abs(theirs), scale)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_graphs_match_torch(program):
    leaves, steps = program
    our_leaves, our_nodes = run_values(leaves, steps)
    root = sum(our_nodes[len(leaves):], Value(0.0))  # every node feeds the output
    assume(all(math.isfinite(n.data) for n in our_nodes) and abs(root.data) < 1e12)
    backward(root)
    assume(all(math.isfinite(leaf.grad) for leaf in our_leaves))

    torch_leaves, torch_nodes = run_torch(leaves, steps, torch_twin)
    torch_root = sum(torch_nodes[len(leaves):])
    torch_root.backward()

    # Scale for cancellation: the largest magnitude the computation passed through.
    scale = max(abs(n.data) for n in our_nodes) + 1.0
    for ours, theirs in zip(our_nodes, torch_nodes):
        assert close(ours.data, theirs.item(), scale), (ours, theirs)
    grad_scale = max(abs(leaf.grad) for leaf in our_leaves) + 1.0
    for ours, theirs in zip(our_leaves, torch_leaves):
        their_grad = 0.0 if theirs.grad is None else theirs.grad.item()
        assert close(ours.grad, their_grad, grad_scale), (ours, their_grad)
