"""gradwalk's scalar autograd engine: Values, backprop, and the op table behind them."""

from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .graph import (backward, contributions, joint_topological_order, local_gradients, node_names,
                    topological_order, zero_grad)
from .higher import grad
from .ops import OPS, TABLE, Op
from .modes import AnomalyError, detect_anomaly, enable_grad, name_scope, no_grad, set_detect_anomaly
from .stepper import BackpropStepper
from .tape import Tape, compile
from .trace import forward_trace
from .value import Value

__all__ = [
    "Value", "backward", "local_gradients", "contributions", "topological_order", "joint_topological_order",
    "zero_grad", "node_names",
    "no_grad", "enable_grad", "name_scope",
    "gradcheck", "GradcheckReport", "GradcheckError", "OPS", "TABLE", "Op",
    "detect_anomaly", "set_detect_anomaly", "AnomalyError", "compile", "Tape", "grad",
    "BackpropStepper", "forward_trace",
]
