"""The README's REPL examples run and print what the README says."""

import doctest
import pathlib

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples():
    failures, tried = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_readme_training_example_reaches_the_accuracy_it_shows():
    block = README.read_text().split("```python\n")[1].split("```")[0]
    namespace = {}
    exec(compile(block, str(README), "exec"), namespace)
    claimed = float(block.split("nn.accuracy(model, X, y)")[1].split("#")[1].split()[0])
    import nn

    assert nn.accuracy(namespace["model"], namespace["X"], namespace["y"]) == claimed
