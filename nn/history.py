"""History: what training measured, one entry per epoch."""

from dataclasses import dataclass, field

from autograd.display import drawing_layer


@dataclass
class History:
    """Per-epoch training loss and accuracy, validation loss and accuracy, and learning rate.

    Accuracy entries are None when the labels are not class labels (regression).
    `interrupted` is True when Ctrl-C (KeyboardInterrupt) stopped training early;
    the epochs completed before it are all recorded.

    >>> h = History()
    >>> h.record(loss=0.5, accuracy=0.75, lr=0.1)
    >>> h
    History(epochs=1, loss=0.5, accuracy=0.75)
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    interrupted: bool = False

    @property
    def epochs(self) -> int:
        """How many epochs were completed."""
        return len(self.loss)

    def record(self, loss: float, accuracy=None, val_loss=None, val_accuracy=None, lr=None) -> None:
        """Append one epoch's numbers (validation entries only when validation data was given)."""
        self.loss.append(loss)
        self.accuracy.append(accuracy)
        if val_loss is not None:
            self.val_loss.append(val_loss)
            self.val_accuracy.append(val_accuracy)
        self.lr.append(lr)

    def plot(self, path=None):
        """Loss (and accuracy) curves as a matplotlib Figure, saved to `path` when given (drawn by the drawing layer)."""
        return drawing_layer(required="History.plot").plot_loss(self, path)

    def __repr__(self):
        if not self.loss:
            return "History(epochs=0)"
        shown = [f"epochs={self.epochs}", f"loss={self.loss[-1]:.4g}"]
        if self.accuracy[-1] is not None:
            shown.append(f"accuracy={self.accuracy[-1]:.4g}")
        if self.val_loss:
            shown.append(f"val_loss={self.val_loss[-1]:.4g}")
            if self.val_accuracy[-1] is not None:
                shown.append(f"val_accuracy={self.val_accuracy[-1]:.4g}")
        if self.interrupted:
            shown.append("interrupted=True")
        return f"History({', '.join(shown)})"
