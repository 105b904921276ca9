"""gradcheck: agreement passes with a report, disagreement names the worst input."""

import pytest

from autograd import GradcheckError, gradcheck


def test_report_for_a_correct_gradient():
    report = gradcheck(lambda x, y: x * y.exp() + x.sin(), [0.3, -0.7])
    assert report.ok and len(report.analytic) == 2
    assert report.analytic == pytest.approx(report.numeric, rel=1e-6)
    assert "worst" in str(report)


def test_wrong_gradient_raises_naming_the_input():
    # detach() hides one path from backprop, so backprop sees half the slope of x*x.
    with pytest.raises(GradcheckError, match="input 1") as caught:
        gradcheck(lambda a, x: a + x.detach() * x, [1.0, 3.0])
    assert "3.0" in str(caught.value)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(f=3, inputs=[1.0]), TypeError, "f must be"),
    (dict(f=lambda x: x, inputs=[]), ValueError, "inputs must not be empty"),
    (dict(f=lambda x: x, inputs=["a"]), TypeError, "inputs must be"),
    (dict(f=lambda x: x, inputs=[1.0], eps=0.0), ValueError, "eps must be a finite positive"),
    (dict(f=lambda x: x, inputs=[1.0], eps=float("inf")), ValueError, "eps must be a finite positive"),
    (dict(f=lambda x: x, inputs=[1.0], atol=float("nan")), ValueError, "atol must be a finite non-negative"),
    (dict(f=lambda x: x, inputs=[1.0], rtol=-1e-4), ValueError, "rtol must be a finite non-negative"),
    (dict(f=lambda x: x, inputs=[1.0, float("nan")]), ValueError, r"inputs\[1\] is nan"),
    (dict(f=lambda x: 3.0, inputs=[1.0]), TypeError, "f must return a Value"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        gradcheck(**kwargs)
