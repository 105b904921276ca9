# The tape interpreter: numba source, compiled once per op table.
#
# This file is not imported as a module. autograd/kernels.py puts the op dispatch
# it generates from the op table (forward_op, backward_op, DENSE, CACHE) in front
# of this text and loads the result as one module whose file name carries a hash
# of ops.py and of this file. numba's on-disk cache is keyed on that file, so a
# changed op table can never load a kernel compiled from an older one.
#
# Layout: vals[slot, sample]; samples are processed in blocks of B columns, so
# every instruction is a loop over a contiguous vector of B samples. Blocks run in
# parallel (prange); each block writes its own columns of vals and its own row of
# the per-block gradient buffers, which the caller sums in block order, so results
# do not depend on the number of threads. No fastmath: results match the Value path.
# flake8: noqa: F821  (forward_op, backward_op, DENSE, CACHE come from the generated prefix)

import numpy as np
from numba import njit, prange


@njit(cache=CACHE, inline="always")
def _dense_forward(vals, lo, hi, d, d_int, dense_slots, wflat, bflat):
    nin, nout, in_off, out_off, w_off, b_off, bias_first = d_int[d]
    for j in range(nout):
        o = vals[dense_slots[out_off + j], lo:hi]
        row = w_off + j * nin
        if b_off >= 0 and bias_first:
            o[:] = bflat[b_off + j]
            start = 0
        else:
            o[:] = wflat[row] * vals[dense_slots[in_off], lo:hi]
            start = 1
        for i in range(start, nin):
            w = wflat[row + i]
            x = vals[dense_slots[in_off + i], lo:hi]
            for lane in range(hi - lo):
                o[lane] += w * x[lane]
        if b_off >= 0 and not bias_first:
            o += bflat[b_off + j]


@njit(cache=CACHE, parallel=True)
def forward(vals, code, out, a, b, konst, dense, d_int, dense_slots, wflat, bflat, block):
    """Run every instruction over every block of samples, filling vals in place."""
    n_samples = vals.shape[1]
    n_blocks = (n_samples + block - 1) // block
    for blk in prange(n_blocks):
        lo = blk * block
        hi = min(lo + block, n_samples)
        for t in range(code.shape[0]):
            c = code[t]
            if c == DENSE:
                _dense_forward(vals, lo, hi, dense[t], d_int, dense_slots, wflat, bflat)
            else:
                bt = b[t] if b[t] >= 0 else a[t]
                forward_op(c, vals[out[t], lo:hi], vals[a[t], lo:hi], vals[bt, lo:hi], konst[t], hi - lo)


@njit(cache=CACHE, inline="always")
def _dense_backward(vals, g, lo, hi, d, d_int, dense_slots, wflat, needs_grad, gw, gb, xt):
    nin, nout, in_off, out_off, w_off, b_off, bias_first = d_int[d]
    n = hi - lo
    # inputs' grads: gx[i] += sum_j W[j, i] * gout[j]
    for i in range(nin):
        slot = dense_slots[in_off + i]
        if needs_grad[slot]:
            gx = g[slot]
            for j in range(nout):
                w = wflat[w_off + j * nin + i]
                go = g[dense_slots[out_off + j]]
                for lane in range(n):
                    gx[lane] += w * go[lane]
    # weights' grads as row updates: gW[j, :] += gout[j, t] * x[:, t], vectorised along the row
    for i in range(nin):
        x = vals[dense_slots[in_off + i], lo:hi]
        for lane in range(n):
            xt[lane, i] = x[lane]
    for lane in range(n):
        xrow = xt[lane]
        for j in range(nout):
            gj = g[dense_slots[out_off + j], lane]
            row = w_off + j * nin
            for i in range(nin):
                gw[row + i] += gj * xrow[i]
    if b_off >= 0:
        for j in range(nout):
            go = g[dense_slots[out_off + j]]
            total = gb[b_off + j]
            for lane in range(n):
                total += go[lane]
            gb[b_off + j] = total


@njit(cache=CACHE, parallel=True)
def backward(vals, seed_slot, seed, code, out, a, b, konst, dense, d_int, dense_slots, wflat,
             needs_grad, shared_slots, n_slots, block, g_shared, g_w, g_b, g_inputs, input_slots):
    """Propagate `seed` (d loss / d output per sample) back; per-block sums of shared grads."""
    n_samples = vals.shape[1]
    n_blocks = (n_samples + block - 1) // block
    max_nin = 1
    for d in range(d_int.shape[0]):
        max_nin = max(max_nin, d_int[d, 0])
    for blk in prange(n_blocks):
        lo = blk * block
        hi = min(lo + block, n_samples)
        n = hi - lo
        g = np.zeros((n_slots, n))
        xt = np.empty((n, max_nin))
        g[seed_slot, :] = seed[lo:hi]
        gw = g_w[blk]
        gb = g_b[blk]
        for t in range(code.shape[0] - 1, -1, -1):
            c = code[t]
            if c == DENSE:
                _dense_backward(vals, g, lo, hi, dense[t], d_int, dense_slots, wflat, needs_grad, gw, gb, xt)
            else:
                bt = b[t] if b[t] >= 0 else a[t]
                backward_op(c, g[a[t]], g[bt], g[out[t]], vals[a[t], lo:hi], vals[bt, lo:hi],
                            vals[out[t], lo:hi], konst[t], n, needs_grad[a[t]], b[t] >= 0 and needs_grad[bt])
        for m in range(shared_slots.shape[0]):
            total = 0.0
            gs = g[shared_slots[m]]
            for lane in range(n):
                total += gs[lane]
            g_shared[blk, m] = total
        for m in range(input_slots.shape[0]):
            g_inputs[m, lo:hi] = g[input_slots[m]]
