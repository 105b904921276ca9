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
# The serial drivers (forward_blocks, backward_blocks) run a range of blocks on the calling
# thread, a batch of one block without any thread launch; each task of the parallel drivers
# (forward, backward) is the serial driver on one block. numba optimises a function again
# with everything it calls, so this one level between the op code and the caller keeps the
# first (cold) compile short, the serial drivers' above all, which training on small data needs first.
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


@njit(inline="always")
def _named(instructions, layers):
    """Instructions and Layers named again from the tuples they travel as.

    Their int fields come as one table each, (5, T) and (8, L), row i being field i: fewer arrays to pass.
    """
    table, constant = instructions
    counts, slots, weight_params, bias_params = layers
    return (Instructions(table[0], table[1], table[2], table[3], table[4], constant),
            Layers(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], slots,
                   weight_params, bias_params))


@njit(cache=CACHE, error_model="numpy", no_cpython_wrapper=True)
def _gather_weights(params, weights, biases, layers):
    """The dense layers' weights and biases, copied from params into the order the layers read them."""
    _counts, _slots, weight_params, bias_params = layers
    for m in range(weight_params.shape[0]):
        weights[m] = params[weight_params[m]]
    for m in range(bias_params.shape[0]):
        biases[m] = params[bias_params[m]]


@njit(cache=CACHE, error_model="numpy")
def forward_blocks(vals, X, params, weights, biases, instructions, layers, leaves, block, first, last):
    """Blocks first..last-1 of samples through the tape, one after another.

    A batch's serial driver (every block: it gathers the weights first), and each task of
    the parallel driver (one block of several, after the driver gathered them).
    """
    n_samples = vals.shape[1]
    if first == 0 and last * block >= n_samples:
        _gather_weights(params, weights, biases, layers)
    instructions, layers = _named(instructions, layers)
    leaves = Leaves(*leaves)
    n_params = params.shape[0]
    for blk in range(first, last):
        lo, hi = blk * block, min(blk * block + block, n_samples)
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


@njit(cache=CACHE, parallel=True, error_model="numpy")
def forward(vals, X, params, weights, biases, instructions, layers, leaves, block):
    """Every block of samples through the tape, the blocks in parallel."""
    _gather_weights(params, weights, biases, layers)
    for blk in prange((vals.shape[1] + block - 1) // block):
        first = np.int64(blk)  # prange counts in uint64: the serial call's type, so forward_blocks compiles once
        forward_blocks(vals, X, params, weights, biases, instructions, layers, leaves, block, first, first + 1)


@njit(cache=CACHE, error_model="numpy", no_cpython_wrapper=True)
def _add_gradient_rows(grads, rows, column_params, params, l2):
    """Every block's row of grads added into grads, each column summed in block order (overwrites rows[0]),
    then the gradient of l2 * sum(p * p).

    The order is fixed, so results do not depend on the number of threads; whole rows are
    added at a time, which vectorises, and only the totals are scattered into grads.
    """
    total = rows[0]
    for blk in range(1, rows.shape[0]):
        row = rows[blk]
        for m in range(total.shape[0]):
            total[m] += row[m]
    for m in range(total.shape[0]):
        grads[column_params[m]] += total[m]
    if l2 != 0.0:
        for i in range(grads.shape[0]):  # as backward() of p * p: l2 * p once per operand
            decay = l2 * params[i]
            grads[i] = grads[i] + decay + decay


@njit(cache=CACHE, error_model="numpy")
def backward_blocks(vals, seed, seed_slot, cone, grads, input_grads, weights, instructions, layers, gradients, rows,
                    params, l2, block, first, last):
    """Backpropagate blocks first..last-1 of samples, each into its row of `rows`.

    `rows` holds one row of grads per block (Gradients.column_params says whose), which
    each block overwrites; adding them in block order makes results independent of the
    number of threads. A batch's serial driver (every block: it then adds the rows into
    grads, with the gradient of l2 * sum(p * p)), and each task of the parallel driver (one
    block of several; the driver adds them).
    """
    instructions, layers = _named(instructions, layers)
    gradients = Gradients(*gradients)
    n_params, n_weights = gradients.param_slots.shape[0], layers.weight_params.shape[0]
    n_slots, n_samples = vals.shape
    max_in = 1
    max_out = 1
    for d in range(layers.n_inputs.shape[0]):
        max_in = max(max_in, layers.n_inputs[d])
        max_out = max(max_out, layers.n_outputs[d])
    g = np.empty((n_slots, block))
    x_rows = np.empty((block, max_in))
    live = np.empty(max_out, np.int64)
    need = np.empty(max_in, np.int64)
    needs_grad = gradients.needs_grad
    for blk in range(first, last):
        lo, hi = blk * block, min(blk * block + block, n_samples)
        n = hi - lo
        for r in range(n_slots):
            for lane in range(n):
                g[r, lane] = 0.0
        for lane in range(n):
            g[seed_slot, lane] = seed[lo + lane]
        param_grads = rows[blk, :n_params]
        weight_grads = rows[blk, n_params:n_params + n_weights]
        bias_grads = rows[blk, n_params + n_weights:]
        for m in range(weight_grads.shape[0]):
            weight_grads[m] = 0.0
        for m in range(bias_grads.shape[0]):
            bias_grads[m] = 0.0
        for t in range(instructions.opcode.shape[0] - 1, -1, -1):
            opcode, out = instructions.opcode[t], instructions.out[t]
            left, right = instructions.left[t], instructions.right[t]
            if opcode == DENSE:
                _dense_backward(vals, g, lo, hi, _layer(layers, instructions.layer[t]), layers.slots, weights,
                                needs_grad, cone, weight_grads, bias_grads, x_rows, live, need,
                                instructions.constant[t])
            elif cone[out]:
                second = right if right >= 0 else left
                backward_op(opcode, g[left], g[second], g[out], vals[left, lo:hi], vals[second, lo:hi],
                            vals[out, lo:hi], instructions.constant[t], n, needs_grad[left],
                            right >= 0 and needs_grad[second])
        for m in range(n_params):
            total = 0.0
            gs = g[gradients.param_slots[m]]
            for lane in range(n):
                total += gs[lane]
            param_grads[m] = total
        for m in range(gradients.input_slots.shape[0]):
            gs = g[gradients.input_slots[m]]
            for lane in range(n):
                input_grads[lo + lane, m] = gs[lane]
    if first == 0 and last * block >= n_samples:
        _add_gradient_rows(grads, rows, gradients.column_params, params, l2)


@njit(cache=CACHE, parallel=True, error_model="numpy")
def backward(vals, seed, seed_slot, cone, grads, input_grads, weights, instructions, layers, gradients, rows, params,
             l2, block):
    """Propagate `seed` (d loss / d output, per sample) back; add parameter grads to `grads`, the blocks in parallel.

    Only instructions whose result is in `cone` (the slots the seeded output depends on) run:
    the others have upstream 0, and 0 times an infinite local derivative would be NaN.
    """
    for blk in prange(rows.shape[0]):
        first = np.int64(blk)  # prange counts in uint64: the serial call's type, so backward_blocks compiles once
        backward_blocks(vals, seed, seed_slot, cone, grads, input_grads, weights, instructions, layers, gradients,
                        rows, params, l2, block, first, first + 1)
    _add_gradient_rows(grads, rows, gradients[2], params, l2)  # gradients[2]: Gradients.column_params
