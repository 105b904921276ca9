# The tape interpreter: numba source, compiled once per op table.
#
# This file is not imported as a module. autograd/tape/kernels.py puts the op dispatch
# it generates from the op table (forward_op, backward_op, DENSE, CACHE) in front
# of this text and loads the result as one module whose file name carries a hash
# of ops.py, plan.py, kernels.py and this file. numba's on-disk cache is keyed on that file, so a
# changed op table can never load a kernel compiled from an older one.
#
# Layout: vals[slot, sample]; samples are processed in blocks of B columns, so
# every instruction is a loop over a contiguous vector of B samples. Blocks run in
# parallel (prange); each block writes its own columns of vals and its own row of
# the per-block gradient buffers, which the caller sums in block order, so results
# do not depend on the number of threads. No fastmath: results match the Value path.
# The work of one block is one function (forward_block, backward_block); a parallel driver
# (forward, backward) runs the blocks with prange, a serial one (forward_one_block,
# backward_one_block) runs a batch of one block on the calling thread: no thread launch.
# The drivers take the plan's structures (autograd/tape/plan.py) as plain tuples, which numba
# types as fast as separate arrays, and name them again inside; the int fields of Instructions
# and Layers come as one table each (row i is field i), as every array passed costs its unboxing.
# flake8: noqa: F821  (forward_op, backward_op, activate, chain_from_output, DENSE, CACHE: the generated prefix)

import numpy as np
from numba import njit, prange

from autograd.tape.plan import Gradients, Instructions, Layers, Leaves


# Inside the parallel kernels, array expressions (np.zeros, slice assignments) are written
# as plain loops: numba would make each a parallel loop of its own, which costs compile time,
# and a slice assignment also compiles a shape-mismatch message (~1.6 s).
#
# Row views (vals[slot, lo:hi]) are taken outside the innermost loops: every view
# is a new array whose reference count numba updates atomically.
#
# The dense layers' kernels (_dense_forward, _dense_backward) are in dense_source.py,
# which kernels.py appends to this text.


@njit(inline="always")
def _layer(layers, d):
    """Layer d's eight numbers, as a tuple the dense functions take by value (a NamedTuple of arrays would be
    reference-counted array by array at every call)."""
    return (layers.n_inputs[d], layers.n_outputs[d], layers.input_start[d], layers.output_start[d],
            layers.weight_start[d], layers.bias_start[d], layers.bias_first[d], layers.activation[d])


@njit(cache=CACHE, error_model="numpy")
def _gather_weights(params, weights, biases, layers):
    """The dense layers' weights and biases, copied from params into the order the layers read them."""
    for m in range(layers.weight_params.shape[0]):
        weights[m] = params[layers.weight_params[m]]
    for m in range(layers.bias_params.shape[0]):
        biases[m] = params[layers.bias_params[m]]


@njit(cache=CACHE, error_model="numpy")
def forward_block(vals, X, params, weights, biases, instructions, layers, leaves, lo, hi):
    """Fill the leaves of samples lo..hi, then run every instruction over them."""
    n_params = params.shape[0]
    for c in range(leaves.input_slots.shape[0]):
        row = vals[leaves.input_slots[c]]
        for s in range(lo, hi):
            row[s] = X[s, c]
    for m in range(leaves.fill_slots.shape[0]):
        source = leaves.fill_sources[m]
        value = params[source] if source < n_params else leaves.constants[source - n_params]
        row = vals[leaves.fill_slots[m]]
        for s in range(lo, hi):
            row[s] = value
    for t in range(instructions.opcode.shape[0]):
        opcode, left, right = instructions.opcode[t], instructions.left[t], instructions.right[t]
        if opcode == DENSE:
            _dense_forward(vals, lo, hi, _layer(layers, instructions.layer[t]), layers.slots, weights, biases,
                           instructions.constant[t])
        else:
            second = right if right >= 0 else left
            out = instructions.out[t]
            forward_op(opcode, vals[out, lo:hi], vals[left, lo:hi], vals[second, lo:hi], instructions.constant[t],
                       hi - lo)


@njit(cache=CACHE, error_model="numpy")
def _gradient_rows(n_blocks, layers, gradients):
    """One row of parameter, weight and bias grads per block (each block zeroes its own)."""
    return (np.empty((n_blocks, gradients.param_slots.shape[0])), np.empty((n_blocks, layers.weight_params.shape[0])),
            np.empty((n_blocks, layers.bias_params.shape[0])))


@njit(cache=CACHE, error_model="numpy")
def _add_gradient_rows(grads, param_rows, weight_rows, bias_rows, layers, gradients):
    """Every block's rows added into grads, in block order."""
    _add_blocks(grads, param_rows, gradients.param_of_slot)
    _add_blocks(grads, weight_rows, layers.weight_params)
    _add_blocks(grads, bias_rows, layers.bias_params)


@njit(cache=CACHE, parallel=True, error_model="numpy")
def forward(vals, X, params, weights, biases, instructions, layers, leaves, block):
    """Every block of samples through the tape, the blocks in parallel."""
    # Named here, not by a helper: numba's parallel lowering cannot name a NamedTuple a helper returns.
    table, constant = instructions  # the int fields as one (5, T) table (row i is field i): fewer arrays to pass
    instructions = Instructions(table[0], table[1], table[2], table[3], table[4], constant)
    counts, slots, weight_params, bias_params = layers  # the per-layer ints as one (8, L) table
    layers = Layers(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], slots,
                    weight_params, bias_params)
    leaves = Leaves(*leaves)
    _gather_weights(params, weights, biases, layers)
    n_samples = vals.shape[1]
    for blk in prange((n_samples + block - 1) // block):
        forward_block(vals, X, params, weights, biases, instructions, layers, leaves, blk * block,
                      min(blk * block + block, n_samples))


@njit(cache=CACHE, error_model="numpy")
def forward_one_block(vals, X, params, weights, biases, instructions, layers, leaves, block):
    """forward, on the calling thread: for a batch of one block."""
    table, constant = instructions  # the int fields as one (5, T) table (row i is field i): fewer arrays to pass
    instructions = Instructions(table[0], table[1], table[2], table[3], table[4], constant)
    counts, slots, weight_params, bias_params = layers  # the per-layer ints as one (8, L) table
    layers = Layers(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], slots,
                    weight_params, bias_params)
    leaves = Leaves(*leaves)
    _gather_weights(params, weights, biases, layers)
    n_samples = vals.shape[1]
    for blk in range((n_samples + block - 1) // block):
        forward_block(vals, X, params, weights, biases, instructions, layers, leaves, blk * block,
                      min(blk * block + block, n_samples))


@njit(cache=CACHE, error_model="numpy")
def _add_blocks(grads, partial, index):
    """grads[index[m]] += partial[:, m] summed over the blocks in block order (overwrites partial[0]).

    The order is fixed, so results do not depend on the number of threads; whole rows are
    added at a time, which vectorises, and only the totals are scattered into grads.
    """
    total = partial[0]
    for blk in range(1, partial.shape[0]):
        row = partial[blk]
        for m in range(total.shape[0]):
            total[m] += row[m]
    for m in range(total.shape[0]):
        grads[index[m]] += total[m]


@njit(cache=CACHE, error_model="numpy")
def backward_block(vals, seed, seed_slot, cone, input_grads, weights, instructions, layers, gradients, lo, hi,
                   param_grads, weight_grads, bias_grads):
    """Backpropagate samples lo..hi; their parameter grads go to this block's rows of the per-block buffers."""
    n_slots = vals.shape[0]
    n = hi - lo
    max_in = 1
    max_out = 1
    for d in range(layers.n_inputs.shape[0]):
        max_in = max(max_in, layers.n_inputs[d])
        max_out = max(max_out, layers.n_outputs[d])
    g = np.empty((n_slots, n))
    for r in range(n_slots):
        for lane in range(n):
            g[r, lane] = 0.0
    x_rows = np.empty((n, max_in))
    live = np.empty(max_out, np.int64)
    need = np.empty(max_in, np.int64)
    for lane in range(n):
        g[seed_slot, lane] = seed[lo + lane]
    for m in range(weight_grads.shape[0]):
        weight_grads[m] = 0.0
    for m in range(bias_grads.shape[0]):
        bias_grads[m] = 0.0
    needs_grad = gradients.needs_grad
    for t in range(instructions.opcode.shape[0] - 1, -1, -1):
        opcode, out = instructions.opcode[t], instructions.out[t]
        left, right = instructions.left[t], instructions.right[t]
        if opcode == DENSE:
            _dense_backward(vals, g, lo, hi, _layer(layers, instructions.layer[t]), layers.slots, weights,
                            needs_grad, cone, weight_grads, bias_grads, x_rows, live, need, instructions.constant[t])
        elif cone[out]:
            second = right if right >= 0 else left
            backward_op(opcode, g[left], g[second], g[out], vals[left, lo:hi], vals[second, lo:hi], vals[out, lo:hi],
                        instructions.constant[t], n, needs_grad[left], right >= 0 and needs_grad[second])
    for m in range(gradients.param_slots.shape[0]):
        total = 0.0
        gs = g[gradients.param_slots[m]]
        for lane in range(n):
            total += gs[lane]
        param_grads[m] = total
    for m in range(gradients.input_slots.shape[0]):
        for lane in range(n):
            input_grads[lo + lane, m] = g[gradients.input_slots[m], lane]


@njit(cache=CACHE, parallel=True, error_model="numpy")
def backward(vals, seed, seed_slot, cone, grads, input_grads, weights, instructions, layers, gradients, block):
    """Propagate `seed` (d loss / d output, per sample) back; add parameter grads to `grads`.

    Only instructions whose result is in `cone` (the slots the seeded output depends on) run:
    the others have upstream 0, and 0 times an infinite local derivative would be NaN.
    One row of parameter grads per block, zeroed by its block (np.zeros here would be a
    parallel loop of its own, a thread launch), summed in block order at the end.
    """
    table, constant = instructions  # the int fields as one (5, T) table (row i is field i): fewer arrays to pass
    instructions = Instructions(table[0], table[1], table[2], table[3], table[4], constant)
    counts, slots, weight_params, bias_params = layers  # the per-layer ints as one (8, L) table
    layers = Layers(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], slots,
                    weight_params, bias_params)
    gradients = Gradients(*gradients)
    n_samples = vals.shape[1]
    param_rows, weight_rows, bias_rows = _gradient_rows((n_samples + block - 1) // block, layers, gradients)
    for blk in prange(param_rows.shape[0]):
        backward_block(vals, seed, seed_slot, cone, input_grads, weights, instructions, layers, gradients, blk * block,
                       min(blk * block + block, n_samples), param_rows[blk], weight_rows[blk], bias_rows[blk])
    _add_gradient_rows(grads, param_rows, weight_rows, bias_rows, layers, gradients)


@njit(cache=CACHE, error_model="numpy")
def backward_one_block(vals, seed, seed_slot, cone, grads, input_grads, weights, instructions, layers, gradients,
                       block):
    """backward, on the calling thread: for a batch of one block."""
    table, constant = instructions  # the int fields as one (5, T) table (row i is field i): fewer arrays to pass
    instructions = Instructions(table[0], table[1], table[2], table[3], table[4], constant)
    counts, slots, weight_params, bias_params = layers  # the per-layer ints as one (8, L) table
    layers = Layers(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], slots,
                    weight_params, bias_params)
    gradients = Gradients(*gradients)
    n_samples = vals.shape[1]
    param_rows, weight_rows, bias_rows = _gradient_rows((n_samples + block - 1) // block, layers, gradients)
    for blk in range(param_rows.shape[0]):
        backward_block(vals, seed, seed_slot, cone, input_grads, weights, instructions, layers, gradients, blk * block,
                       min(blk * block + block, n_samples), param_rows[blk], weight_rows[blk], bias_rows[blk])
    _add_gradient_rows(grads, param_rows, weight_rows, bias_rows, layers, gradients)
