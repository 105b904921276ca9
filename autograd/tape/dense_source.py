# The tape's dense-layer kernels: numba source that autograd/tape/kernels.py appends to
# kernel_source.py's, in the same generated module (so under the same hash and cache).
#
# The dense kernels work four outputs (or inputs) and four terms per pass: each row
# read serves four outputs, which made the 64-wide layers about a quarter faster,
# and every sum still adds its terms in the same order as one at a time. They are
# called, not inlined: inlined into the parallel kernels they cost ~3 s more of
# the first (cold) compile and ran no faster.
#
# Row views (vals[slot, lo:hi]) are taken outside the innermost loops: every view
# is a new array whose reference count numba updates atomically.
# flake8: noqa: F821  (activate, chain_from_output, CACHE: the generated prefix)

from numba import njit


@njit(cache=CACHE, error_model="numpy", no_cpython_wrapper=True)
def _dense_forward(vals, lo, hi, layer, slots, weights, biases, activation_k):
    n_in, n_out, in_at, out_at, w_at, b_at, bias_first, activation = layer
    n = hi - lo
    first = 0 if b_at >= 0 and bias_first else 1  # inputs consumed by the start
    x = vals[slots[in_at], lo:hi]
    for j in range(n_out):
        o = vals[slots[out_at + j], lo:hi]
        if first == 0:
            o[:] = biases[b_at + j]
        else:
            w = weights[w_at + j * n_in]
            for lane in range(n):
                o[lane] = w * x[lane]
    # Four inputs per pass over the block and, while four outputs remain, four outputs per
    # pass; each output adds its terms in the Value path's order (start, inputs in order,
    # then the inputs after the last group of four, then a last bias).
    last = first + (n_in - first) // 4 * 4
    j = 0
    while j < n_out:
        if j + 4 <= n_out:
            o0, o1 = vals[slots[out_at + j], lo:hi], vals[slots[out_at + j + 1], lo:hi]
            o2, o3 = vals[slots[out_at + j + 2], lo:hi], vals[slots[out_at + j + 3], lo:hi]
            r0, r1, r2, r3 = w_at + j * n_in, w_at + (j + 1) * n_in, w_at + (j + 2) * n_in, w_at + (j + 3) * n_in
            for i in range(first, last, 4):
                x0, x1 = vals[slots[in_at + i], lo:hi], vals[slots[in_at + i + 1], lo:hi]
                x2, x3 = vals[slots[in_at + i + 2], lo:hi], vals[slots[in_at + i + 3], lo:hi]
                a0, a1, a2, a3 = weights[r0 + i], weights[r0 + i + 1], weights[r0 + i + 2], weights[r0 + i + 3]
                b0, b1, b2, b3 = weights[r1 + i], weights[r1 + i + 1], weights[r1 + i + 2], weights[r1 + i + 3]
                c0, c1, c2, c3 = weights[r2 + i], weights[r2 + i + 1], weights[r2 + i + 2], weights[r2 + i + 3]
                e0, e1, e2, e3 = weights[r3 + i], weights[r3 + i + 1], weights[r3 + i + 2], weights[r3 + i + 3]
                for lane in range(n):
                    v0, v1, v2, v3 = x0[lane], x1[lane], x2[lane], x3[lane]
                    o0[lane] = o0[lane] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3
                    o1[lane] = o1[lane] + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3
                    o2[lane] = o2[lane] + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3
                    o3[lane] = o3[lane] + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3
            j += 4
        else:
            o = vals[slots[out_at + j], lo:hi]
            row = w_at + j * n_in
            for i in range(first, last, 4):
                w0, w1, w2, w3 = weights[row + i], weights[row + i + 1], weights[row + i + 2], weights[row + i + 3]
                x0, x1 = vals[slots[in_at + i], lo:hi], vals[slots[in_at + i + 1], lo:hi]
                x2, x3 = vals[slots[in_at + i + 2], lo:hi], vals[slots[in_at + i + 3], lo:hi]
                for lane in range(n):
                    o[lane] = o[lane] + w0 * x0[lane] + w1 * x1[lane] + w2 * x2[lane] + w3 * x3[lane]
            j += 1
    for j in range(n_out):
        o = vals[slots[out_at + j], lo:hi]
        row = w_at + j * n_in
        for i in range(last, n_in):
            w = weights[row + i]
            x = vals[slots[in_at + i], lo:hi]
            for lane in range(n):
                o[lane] += w * x[lane]
        if b_at >= 0 and not bias_first:
            o += biases[b_at + j]
        if activation >= 0:  # the activation, in place while the row is in cache: the neuron's value is not kept
            activate(activation, o, activation_k, n)


@njit(cache=CACHE, error_model="numpy", no_cpython_wrapper=True)
def _dense_backward(vals, g, lo, hi, layer, slots, weights, needs_grad, cone, weight_grads, bias_grads, x_rows, live,
                    need, activation_k):
    n_in, n_out, in_at, out_at, w_at, b_at, bias_first, activation = layer
    n = hi - lo
    # Only the outputs in the cone pass gradients back: another output's neuron has upstream 0,
    # and 0 times an infinite weight would be NaN where the Value path passes nothing.
    m = 0
    for j in range(n_out):
        if cone[slots[out_at + j]]:
            live[m] = j
            m += 1
            if activation >= 0:  # from the activation's grad to the neuron's, in place
                out = slots[out_at + j]
                chain_from_output(activation, g[out], vals[out, lo:hi], activation_k, n)
    # inputs' grads: gx[i] += sum_j W[j, i] * gout[j], four outputs per pass and, while four
    # inputs remain, four inputs per pass, so every row of output grads read serves four inputs.
    # Each gx adds its outputs in order (the quads of outputs, then the rest one at a time).
    k = 0
    for i in range(n_in):
        if needs_grad[slots[in_at + i]]:
            need[k] = i
            k += 1
    quads = m // 4 * 4
    blocked = k // 4 * 4
    for p in range(0, blocked, 4):
        i0, i1, i2, i3 = need[p], need[p + 1], need[p + 2], need[p + 3]
        gx0, gx1 = g[slots[in_at + i0]], g[slots[in_at + i1]]
        gx2, gx3 = g[slots[in_at + i2]], g[slots[in_at + i3]]
        for q in range(0, quads, 4):
            r0, r1 = w_at + live[q] * n_in, w_at + live[q + 1] * n_in
            r2, r3 = w_at + live[q + 2] * n_in, w_at + live[q + 3] * n_in
            g0, g1 = g[slots[out_at + live[q]]], g[slots[out_at + live[q + 1]]]
            g2, g3 = g[slots[out_at + live[q + 2]]], g[slots[out_at + live[q + 3]]]
            a0, a1, a2, a3 = weights[r0 + i0], weights[r1 + i0], weights[r2 + i0], weights[r3 + i0]
            b0, b1, b2, b3 = weights[r0 + i1], weights[r1 + i1], weights[r2 + i1], weights[r3 + i1]
            c0, c1, c2, c3 = weights[r0 + i2], weights[r1 + i2], weights[r2 + i2], weights[r3 + i2]
            e0, e1, e2, e3 = weights[r0 + i3], weights[r1 + i3], weights[r2 + i3], weights[r3 + i3]
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
        gx = g[slots[in_at + i]]
        for q in range(quads if p < blocked else 0, m):
            j = live[q]
            w, go = weights[w_at + j * n_in + i], g[slots[out_at + j]]
            for t in range(n):
                gx[t] += w * go[t]
    # weights' grads as row updates, gW[j, :] += gout[j, t] * x[:, t], vectorised along the
    # row, four samples per pass; each entry still sums its samples in order.
    # x_rows = the inputs transposed, four rows at a time (twice as fast as one: fewer scattered stores).
    quads_in = n_in // 4 * 4
    for i in range(0, quads_in, 4):
        x0, x1 = vals[slots[in_at + i], lo:hi], vals[slots[in_at + i + 1], lo:hi]
        x2, x3 = vals[slots[in_at + i + 2], lo:hi], vals[slots[in_at + i + 3], lo:hi]
        for t in range(n):
            x_rows[t, i], x_rows[t, i + 1], x_rows[t, i + 2], x_rows[t, i + 3] = x0[t], x1[t], x2[t], x3[t]
    for i in range(quads_in, n_in):
        x = vals[slots[in_at + i], lo:hi]
        for t in range(n):
            x_rows[t, i] = x[t]
    # Four outputs and four samples per pass while four outputs remain: each element of x_rows
    # read serves four rows of gW.
    t4 = n // 4 * 4
    blocked = m // 4 * 4
    for q in range(0, blocked, 4):
        j0, j1, j2, j3 = live[q], live[q + 1], live[q + 2], live[q + 3]
        s0, s1 = slots[out_at + j0], slots[out_at + j1]
        s2, s3 = slots[out_at + j2], slots[out_at + j3]
        gw0 = weight_grads[w_at + j0 * n_in:w_at + (j0 + 1) * n_in]
        gw1 = weight_grads[w_at + j1 * n_in:w_at + (j1 + 1) * n_in]
        gw2 = weight_grads[w_at + j2 * n_in:w_at + (j2 + 1) * n_in]
        gw3 = weight_grads[w_at + j3 * n_in:w_at + (j3 + 1) * n_in]
        for t in range(0, t4, 4):
            a0, a1, a2, a3 = g[s0, t], g[s0, t + 1], g[s0, t + 2], g[s0, t + 3]
            b0, b1, b2, b3 = g[s1, t], g[s1, t + 1], g[s1, t + 2], g[s1, t + 3]
            c0, c1, c2, c3 = g[s2, t], g[s2, t + 1], g[s2, t + 2], g[s2, t + 3]
            e0, e1, e2, e3 = g[s3, t], g[s3, t + 1], g[s3, t + 2], g[s3, t + 3]
            for i in range(n_in):
                v0, v1, v2, v3 = x_rows[t, i], x_rows[t + 1, i], x_rows[t + 2, i], x_rows[t + 3, i]
                gw0[i] = gw0[i] + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3
                gw1[i] = gw1[i] + b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3
                gw2[i] = gw2[i] + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3
                gw3[i] = gw3[i] + e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3
    # The rest: the outputs left over take their samples four per pass, then every output the
    # samples after the last four one at a time.
    for q in range(m):
        j = live[q]
        so = slots[out_at + j]
        gwj = weight_grads[w_at + j * n_in:w_at + (j + 1) * n_in]
        if q >= blocked:
            for t in range(0, t4, 4):
                g0, g1, g2, g3 = g[so, t], g[so, t + 1], g[so, t + 2], g[so, t + 3]
                for i in range(n_in):
                    gwj[i] = (gwj[i] + g0 * x_rows[t, i] + g1 * x_rows[t + 1, i] + g2 * x_rows[t + 2, i]
                              + g3 * x_rows[t + 3, i])
        for t in range(t4, n):
            gj = g[so, t]
            for i in range(n_in):
                gwj[i] += gj * x_rows[t, i]
    if b_at < 0:
        return
    # Bias grads: each a sum over the samples in order, a chain of dependent additions; four
    # outputs' chains interleaved keep the adder busy while each waits for its last sum.
    for q in range(0, blocked, 4):
        j0, j1, j2, j3 = live[q], live[q + 1], live[q + 2], live[q + 3]
        g0, g1 = g[slots[out_at + j0]], g[slots[out_at + j1]]
        g2, g3 = g[slots[out_at + j2]], g[slots[out_at + j3]]
        t0, t1, t2, t3 = bias_grads[b_at + j0], bias_grads[b_at + j1], bias_grads[b_at + j2], bias_grads[b_at + j3]
        for t in range(n):
            t0 += g0[t]
            t1 += g1[t]
            t2 += g2[t]
            t3 += g3[t]
        bias_grads[b_at + j0], bias_grads[b_at + j1], bias_grads[b_at + j2], bias_grads[b_at + j3] = t0, t1, t2, t3
    for q in range(blocked, m):
        j = live[q]
        total = bias_grads[b_at + j]
        gj = g[slots[out_at + j]]
        for t in range(n):
            total += gj[t]
        bias_grads[b_at + j] = total
