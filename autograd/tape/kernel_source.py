# The tape interpreter: numba source, compiled once per op table.
#
# This file is not imported as a module. autograd/tape/kernels.py puts the op dispatch
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
# kernels.py adds forward_one_block and backward_one_block, this text of forward and
# backward without parallel=True, for batches of one block: no thread launch.
# flake8: noqa: F821  (forward_op, backward_op, activate, chain_from_output, DENSE, CACHE: the generated prefix)

import numpy as np
from numba import njit, prange


# Inside the parallel kernels, array expressions (np.zeros, slice assignments) are written
# as plain loops: numba would make each a parallel loop of its own, which costs compile time,
# and a slice assignment also compiles a shape-mismatch message (~1.6 s).
#
# Row views (vals[slot, lo:hi]) are taken outside the innermost loops: every view
# is a new array whose reference count numba updates atomically.
#
# The dense kernels work four outputs (or inputs) and four terms per pass: each row
# read serves four outputs, which made the 64-wide layers about a quarter faster,
# and every sum still adds its terms in the same order as one at a time. They are
# called, not inlined: inlined into the parallel kernels they cost ~3 s more of
# the first (cold) compile and ran no faster.


@njit(cache=CACHE, error_model="numpy")
def _dense_forward(vals, lo, hi, d, d_int, dense_slots, wflat, bflat, act_k):
    nin, nout, in_off, out_off, w_off, b_off, bias_first, act = d_int[d]
    n = hi - lo
    first = 0 if b_off >= 0 and bias_first else 1  # inputs consumed by the start
    x = vals[dense_slots[in_off], lo:hi]
    for j in range(nout):
        o = vals[dense_slots[out_off + j], lo:hi]
        if first == 0:
            o[:] = bflat[b_off + j]
        else:
            w = wflat[w_off + j * nin]
            for lane in range(n):
                o[lane] = w * x[lane]
    # Four inputs per pass over the block and, while four outputs remain, four outputs per
    # pass; each output adds its terms in the Value path's order (start, inputs in order,
    # then the inputs after the last group of four, then a last bias).
    last = first + (nin - first) // 4 * 4
    j = 0
    while j < nout:
        if j + 4 <= nout:
            o0, o1 = vals[dense_slots[out_off + j], lo:hi], vals[dense_slots[out_off + j + 1], lo:hi]
            o2, o3 = vals[dense_slots[out_off + j + 2], lo:hi], vals[dense_slots[out_off + j + 3], lo:hi]
            r0, r1, r2, r3 = w_off + j * nin, w_off + (j + 1) * nin, w_off + (j + 2) * nin, w_off + (j + 3) * nin
            for i in range(first, last, 4):
                x0, x1 = vals[dense_slots[in_off + i], lo:hi], vals[dense_slots[in_off + i + 1], lo:hi]
                x2, x3 = vals[dense_slots[in_off + i + 2], lo:hi], vals[dense_slots[in_off + i + 3], lo:hi]
                a0, a1, a2, a3 = wflat[r0 + i], wflat[r0 + i + 1], wflat[r0 + i + 2], wflat[r0 + i + 3]
                b0, b1, b2, b3 = wflat[r1 + i], wflat[r1 + i + 1], wflat[r1 + i + 2], wflat[r1 + i + 3]
                c0, c1, c2, c3 = wflat[r2 + i], wflat[r2 + i + 1], wflat[r2 + i + 2], wflat[r2 + i + 3]
                e0, e1, e2, e3 = wflat[r3 + i], wflat[r3 + i + 1], wflat[r3 + i + 2], wflat[r3 + i + 3]
                for lane in range(n):
                    v0, v1, v2, v3 = x0[lane], x1[lane], x2[lane], x3[lane]
                    o0[lane] = o0[lane] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3
                    o1[lane] = o1[lane] + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3
                    o2[lane] = o2[lane] + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3
                    o3[lane] = o3[lane] + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3
            j += 4
        else:
            o = vals[dense_slots[out_off + j], lo:hi]
            row = w_off + j * nin
            for i in range(first, last, 4):
                w0, w1, w2, w3 = wflat[row + i], wflat[row + i + 1], wflat[row + i + 2], wflat[row + i + 3]
                x0, x1 = vals[dense_slots[in_off + i], lo:hi], vals[dense_slots[in_off + i + 1], lo:hi]
                x2, x3 = vals[dense_slots[in_off + i + 2], lo:hi], vals[dense_slots[in_off + i + 3], lo:hi]
                for lane in range(n):
                    o[lane] = o[lane] + w0 * x0[lane] + w1 * x1[lane] + w2 * x2[lane] + w3 * x3[lane]
            j += 1
    for j in range(nout):
        o = vals[dense_slots[out_off + j], lo:hi]
        row = w_off + j * nin
        for i in range(last, nin):
            w = wflat[row + i]
            x = vals[dense_slots[in_off + i], lo:hi]
            for lane in range(n):
                o[lane] += w * x[lane]
        if b_off >= 0 and not bias_first:
            o += bflat[b_off + j]
        if act >= 0:  # the activation, in place while the row is in cache: the neuron's value is not kept
            activate(act, o, act_k, n)


@njit(cache=CACHE, parallel=True, error_model="numpy")
def forward(vals, X, params, constants, wflat, bflat, ins, konst, d_int, dense_slots, w_index, b_index,
            input_slots, fill_slots, fill_sources, block):
    """Fill the leaves, then run every instruction over every block of samples."""
    n_params = params.shape[0]
    for m in range(w_index.shape[0]):
        wflat[m] = params[w_index[m]]
    for m in range(b_index.shape[0]):
        bflat[m] = params[b_index[m]]
    n_samples = vals.shape[1]
    n_blocks = (n_samples + block - 1) // block
    for blk in prange(n_blocks):
        lo = blk * block
        hi = min(lo + block, n_samples)
        for c in range(input_slots.shape[0]):
            row = vals[input_slots[c]]
            for s in range(lo, hi):
                row[s] = X[s, c]
        for m in range(fill_slots.shape[0]):
            source = fill_sources[m]
            value = params[source] if source < n_params else constants[source - n_params]
            row = vals[fill_slots[m]]
            for s in range(lo, hi):
                row[s] = value
        for t in range(ins.shape[0]):
            c, out, a, b, d = ins[t, 0], ins[t, 1], ins[t, 2], ins[t, 3], ins[t, 4]
            if c == DENSE:
                _dense_forward(vals, lo, hi, d, d_int, dense_slots, wflat, bflat, konst[t])
            else:
                bt = b if b >= 0 else a
                forward_op(c, vals[out, lo:hi], vals[a, lo:hi], vals[bt, lo:hi], konst[t], hi - lo)


@njit(cache=CACHE, error_model="numpy")
def _dense_backward(vals, g, lo, hi, d, d_int, dense_slots, wflat, needs_grad, cone, gw, gb, xt, live, need,
                    act_k):
    nin, nout, in_off, out_off, w_off, b_off, bias_first, act = d_int[d]
    n = hi - lo
    # Only the outputs in the cone pass gradients back: another output's neuron has upstream 0,
    # and 0 times an infinite weight would be NaN where the Value path passes nothing.
    m = 0
    for j in range(nout):
        if cone[dense_slots[out_off + j]]:
            live[m] = j
            m += 1
            if act >= 0:  # from the activation's grad to the neuron's, in place
                out = dense_slots[out_off + j]
                chain_from_output(act, g[out], vals[out, lo:hi], act_k, n)
    # inputs' grads: gx[i] += sum_j W[j, i] * gout[j], four outputs per pass and, while four
    # inputs remain, four inputs per pass, so every row of output grads read serves four inputs.
    # Each gx adds its outputs in order (the quads of outputs, then the rest one at a time).
    k = 0
    for i in range(nin):
        if needs_grad[dense_slots[in_off + i]]:
            need[k] = i
            k += 1
    quads = m // 4 * 4
    blocked = k // 4 * 4
    for p in range(0, blocked, 4):
        i0, i1, i2, i3 = need[p], need[p + 1], need[p + 2], need[p + 3]
        gx0, gx1 = g[dense_slots[in_off + i0]], g[dense_slots[in_off + i1]]
        gx2, gx3 = g[dense_slots[in_off + i2]], g[dense_slots[in_off + i3]]
        for q in range(0, quads, 4):
            r0, r1 = w_off + live[q] * nin, w_off + live[q + 1] * nin
            r2, r3 = w_off + live[q + 2] * nin, w_off + live[q + 3] * nin
            g0, g1 = g[dense_slots[out_off + live[q]]], g[dense_slots[out_off + live[q + 1]]]
            g2, g3 = g[dense_slots[out_off + live[q + 2]]], g[dense_slots[out_off + live[q + 3]]]
            a0, a1, a2, a3 = wflat[r0 + i0], wflat[r1 + i0], wflat[r2 + i0], wflat[r3 + i0]
            b0, b1, b2, b3 = wflat[r0 + i1], wflat[r1 + i1], wflat[r2 + i1], wflat[r3 + i1]
            c0, c1, c2, c3 = wflat[r0 + i2], wflat[r1 + i2], wflat[r2 + i2], wflat[r3 + i2]
            e0, e1, e2, e3 = wflat[r0 + i3], wflat[r1 + i3], wflat[r2 + i3], wflat[r3 + i3]
            for t in range(n):
                v0, v1, v2, v3 = g0[t], g1[t], g2[t], g3[t]
                gx0[t] = gx0[t] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3
                gx1[t] = gx1[t] + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3
                gx2[t] = gx2[t] + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3
                gx3[t] = gx3[t] + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3
    # The rest: inputs left over from the groups of four take every output one at a time,
    # the others the outputs left over from the quads.
    for p in range(k):
        i = need[p]
        gx = g[dense_slots[in_off + i]]
        for q in range(quads if p < blocked else 0, m):
            j = live[q]
            w, go = wflat[w_off + j * nin + i], g[dense_slots[out_off + j]]
            for t in range(n):
                gx[t] += w * go[t]
    # weights' grads as row updates, gW[j, :] += gout[j, t] * x[:, t], vectorised along the
    # row, four samples per pass; each entry still sums its samples in order.
    # xt = the inputs transposed, four rows at a time (twice as fast as one: fewer scattered stores).
    quads_in = nin // 4 * 4
    for i in range(0, quads_in, 4):
        x0, x1 = vals[dense_slots[in_off + i], lo:hi], vals[dense_slots[in_off + i + 1], lo:hi]
        x2, x3 = vals[dense_slots[in_off + i + 2], lo:hi], vals[dense_slots[in_off + i + 3], lo:hi]
        for t in range(n):
            xt[t, i], xt[t, i + 1], xt[t, i + 2], xt[t, i + 3] = x0[t], x1[t], x2[t], x3[t]
    for i in range(quads_in, nin):
        x = vals[dense_slots[in_off + i], lo:hi]
        for t in range(n):
            xt[t, i] = x[t]
    # Four outputs and four samples per pass while four outputs remain: each element of xt
    # read serves four rows of gW.
    t4 = n // 4 * 4
    blocked = m // 4 * 4
    for q in range(0, blocked, 4):
        j0, j1, j2, j3 = live[q], live[q + 1], live[q + 2], live[q + 3]
        s0, s1 = dense_slots[out_off + j0], dense_slots[out_off + j1]
        s2, s3 = dense_slots[out_off + j2], dense_slots[out_off + j3]
        gw0, gw1 = gw[w_off + j0 * nin:w_off + (j0 + 1) * nin], gw[w_off + j1 * nin:w_off + (j1 + 1) * nin]
        gw2, gw3 = gw[w_off + j2 * nin:w_off + (j2 + 1) * nin], gw[w_off + j3 * nin:w_off + (j3 + 1) * nin]
        for t in range(0, t4, 4):
            a0, a1, a2, a3 = g[s0, t], g[s0, t + 1], g[s0, t + 2], g[s0, t + 3]
            b0, b1, b2, b3 = g[s1, t], g[s1, t + 1], g[s1, t + 2], g[s1, t + 3]
            c0, c1, c2, c3 = g[s2, t], g[s2, t + 1], g[s2, t + 2], g[s2, t + 3]
            e0, e1, e2, e3 = g[s3, t], g[s3, t + 1], g[s3, t + 2], g[s3, t + 3]
            for i in range(nin):
                v0, v1, v2, v3 = xt[t, i], xt[t + 1, i], xt[t + 2, i], xt[t + 3, i]
                gw0[i] = gw0[i] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3
                gw1[i] = gw1[i] + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3
                gw2[i] = gw2[i] + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3
                gw3[i] = gw3[i] + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3
    # The rest: the outputs left over take their samples four per pass, then every output the
    # samples after the last four one at a time.
    for q in range(m):
        j = live[q]
        so = dense_slots[out_off + j]
        gwj = gw[w_off + j * nin:w_off + (j + 1) * nin]
        if q >= blocked:
            for t in range(0, t4, 4):
                g0, g1, g2, g3 = g[so, t], g[so, t + 1], g[so, t + 2], g[so, t + 3]
                for i in range(nin):
                    gwj[i] = gwj[i] + g0 * xt[t, i] + g1 * xt[t + 1, i] + g2 * xt[t + 2, i] + g3 * xt[t + 3, i]
        for t in range(t4, n):
            gj = g[so, t]
            for i in range(nin):
                gwj[i] += gj * xt[t, i]
    if b_off < 0:
        return
    # Bias grads: each a sum over the samples in order, a chain of dependent additions; four
    # outputs' chains interleaved keep the adder busy while each waits for its last sum.
    for q in range(0, blocked, 4):
        j0, j1, j2, j3 = live[q], live[q + 1], live[q + 2], live[q + 3]
        g0, g1 = g[dense_slots[out_off + j0]], g[dense_slots[out_off + j1]]
        g2, g3 = g[dense_slots[out_off + j2]], g[dense_slots[out_off + j3]]
        t0, t1, t2, t3 = gb[b_off + j0], gb[b_off + j1], gb[b_off + j2], gb[b_off + j3]
        for t in range(n):
            t0 += g0[t]
            t1 += g1[t]
            t2 += g2[t]
            t3 += g3[t]
        gb[b_off + j0], gb[b_off + j1], gb[b_off + j2], gb[b_off + j3] = t0, t1, t2, t3
    for q in range(blocked, m):
        j = live[q]
        total = gb[b_off + j]
        gj = g[dense_slots[out_off + j]]
        for t in range(n):
            total += gj[t]
        gb[b_off + j] = total


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


@njit(cache=CACHE, parallel=True, error_model="numpy")
def backward(vals, seed, seed_slot, cone, grads, g_inputs, wflat, ins, konst, d_int, dense_slots, w_index, b_index,
             needs_grad, shared_slots, shared_params, grad_input_slots, block):
    """Propagate `seed` (d loss / d output, per sample) back; add parameter grads to `grads`.

    Only instructions whose result is in `cone` (the slots the seeded output depends on) run:
    the others have upstream 0, and 0 times an infinite local derivative would be NaN.
    """
    n_slots, n_samples = vals.shape
    n_blocks = (n_samples + block - 1) // block
    max_nin = 1
    max_nout = 1
    for d in range(d_int.shape[0]):
        max_nin = max(max_nin, d_int[d, 0])
        max_nout = max(max_nout, d_int[d, 1])
    # One row of parameter grads per block, zeroed by its block (np.zeros here would be a
    # parallel loop of its own, a thread launch).
    g_shared = np.empty((n_blocks, shared_slots.shape[0]))
    g_w = np.empty((n_blocks, w_index.shape[0]))
    g_b = np.empty((n_blocks, b_index.shape[0]))
    for blk in prange(n_blocks):
        lo = blk * block
        hi = min(lo + block, n_samples)
        n = hi - lo
        g = np.empty((n_slots, n))
        for r in range(n_slots):
            for lane in range(n):
                g[r, lane] = 0.0
        xt = np.empty((n, max_nin))
        live = np.empty(max_nout, np.int64)
        need = np.empty(max_nin, np.int64)
        for lane in range(n):
            g[seed_slot, lane] = seed[lo + lane]
        gw = g_w[blk]
        gb = g_b[blk]
        for m in range(gw.shape[0]):
            gw[m] = 0.0
        for m in range(gb.shape[0]):
            gb[m] = 0.0
        for t in range(ins.shape[0] - 1, -1, -1):
            c, out, a, b, d = ins[t, 0], ins[t, 1], ins[t, 2], ins[t, 3], ins[t, 4]
            if c == DENSE:
                _dense_backward(vals, g, lo, hi, d, d_int, dense_slots, wflat, needs_grad, cone, gw, gb, xt, live, need,
                                konst[t])
            elif cone[out]:
                bt = b if b >= 0 else a
                backward_op(c, g[a], g[bt], g[out], vals[a, lo:hi], vals[bt, lo:hi],
                            vals[out, lo:hi], konst[t], n, needs_grad[a], b >= 0 and needs_grad[bt])
        for m in range(shared_slots.shape[0]):
            total = 0.0
            gs = g[shared_slots[m]]
            for lane in range(n):
                total += gs[lane]
            g_shared[blk, m] = total
        for m in range(grad_input_slots.shape[0]):
            for lane in range(n):
                g_inputs[lo + lane, m] = g[grad_input_slots[m], lane]
    _add_blocks(grads, g_shared, shared_params)
    _add_blocks(grads, g_w, w_index)
    _add_blocks(grads, g_b, b_index)
