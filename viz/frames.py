"""The states the backprop explorer shows: the start, each forward value, each backprop step, a closing summary.

Every number and sentence is computed here from the stepper; the page only shows them.
A frame lists the grads that changed since the previous one, so a page with many
nodes and steps stays small.
"""

from autograd import forward_trace
from autograd.quiz import step_questions

MAX_SUMMARY_LEAVES = 12  # beyond this the summary names the largest gradients only


def record_frames(stepper, nodes, number, forward) -> list:
    """Every state the page shows: the start, each forward row (if asked), each backprop step, the summary.

    A backprop step's frame also holds its quiz questions (`step_questions`) under "questions".
    """
    index = {node: i for i, node in enumerate(nodes)}
    size = len(nodes)
    grads = [(number(n.grad), repr(n.grad)) for n in nodes]
    frames = [_frame("start", "Before the forward pass" if forward else "Before backprop",
                     _introduction(stepper, size, number, forward), None, [], 0 if forward else size,
                     list(enumerate(grads)))]
    if forward:
        frames += [_frame("forward", f"Forward pass: value {i} of {size}", [("head", str(row))], index[row.node], [],
                          i, []) for i, row in enumerate(forward_trace(stepper.root), 1)]
    try:
        for step in stepper:
            now = [(number(n.grad), repr(n.grad)) for n in nodes]
            changed = [(i, grad) for i, (grad, old) in enumerate(zip(now, grads)) if grad != old]
            grads = now
            heading = f"Backprop: step {step.number} of {step.total}" + (" (done)" if stepper.done else "")
            frames.append(_frame("backward", heading, _explanation(step), index[step.node],
                                 sorted({index[edge.parent] for edge in step.edges}), size, changed))
            frames[-1]["questions"] = step_questions(step)
        leaves = [i for i, node in enumerate(nodes) if node.op_info is None]
        frames.append(_frame("summary", "Done: what the gradients mean", _summary(stepper, nodes, leaves, number),
                             None, leaves, size, []))
    finally:
        stepper.reset()
    return frames


def _frame(phase, heading, lines, active, updated, shown, grads) -> dict:
    """One state of the page; `grads` lists (node index, (number, exact repr)) for the grads that changed."""
    return dict(phase=phase, heading=heading, lines=lines, active=active, updated=updated, shown=shown,
                grads=[(i, f"grad {text}", exact) for i, (text, exact) in grads])


def _introduction(stepper, size, number, forward) -> list:
    """The start page's text: what backprop (and the forward pass, if shown) will do."""
    root = stepper.names[stepper.root]
    seed = f"{root}.grad = {number(stepper.grad)}" + (f" (d{root}/d{root})" if stepper.grad == 1 else "")
    backprop = (f"{len(stepper)} steps: each passes one node's gradient back to its parents, "
                f"parent.grad += upstream * local derivative.")
    lines = [f"Backprop from {root} takes {backprop}", f"It starts with {seed}."]
    if forward:
        lines = [f"Forward pass: {size} values, computed one at a time in the order they were made.",
                 f"Then backprop from {root} in {backprop}", lines[1]]
    return [("plain", line) for line in lines] + [("hint", "Press Next or \u2192.")]


def _explanation(step) -> list:
    """The stepper's explanation of `step` as (kind, line): a head line, then local and update lines per edge."""
    lines = str(step).split("\n")
    kinds = ["head"] + ["local", "update"] * len(step.edges)
    return list(zip(kinds if len(kinds) == len(lines) else ["plain"] * len(lines), lines))


def _summary(stepper, nodes, leaves, number) -> list:
    """The closing text: every leaf's gradient (the largest, for many leaves) and what its sign says."""
    root = stepper.names[stepper.root]
    shown = sorted(leaves, key=lambda i: -abs(nodes[i].grad))[:MAX_SUMMARY_LEAVES]
    lines = [("plain", f"Each leaf's grad is d{root}/d(leaf): how much {root} changes per unit change of that "
                       f"leaf, the others held fixed.")]
    for i in sorted(shown):
        node, name = nodes[i], stepper.names[nodes[i]]
        effect = (f"{root} rises as {name} rises" if node.grad > 0 else f"{root} falls as {name} rises"
                  if node.grad < 0 else f"{root} does not move with {name} here")
        lines.append(("update", f"{name}.grad = {number(node.grad)}: {effect}"))
    if len(leaves) > len(shown):
        lines.append(("plain", f"(the {len(shown)} largest of {len(leaves)} leaves' grads)"))
    lines.append(("hint", f"To lower {root}, move each leaf a little against its grad: gradient descent."))
    return lines
