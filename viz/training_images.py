"""The training movie's pictures: boundary and neuron maps as palette images, the loss curve, the GIF.

Colors follow `viz.plot_decision_boundary`: the first class blue, the second
orange. A one-output model's plane is shaded by how sure it is (white on the
boundary, the class color far from it) and the boundary itself is drawn in ink;
a hidden neuron's map shades its activation, clipped to [-1, 1], the same way
(orange positive, blue negative), as TensorFlow Playground's thumbnails do.
"""

import io
import math
from numbers import Integral

import numpy as np

from . import labels
from .boundary import CLASS_COLORS
from .engine import check_seconds, write_atomic
from .html import _check_path

LEVELS = 250  # shades of a one-output plane or a neuron map; palette entry LEVELS is the ink of the boundary
CLASS_LEVELS = 30  # shades per class of a several-output plane (8 classes x 30 < LEVELS)
THUMBNAIL = 50  # pixels a side of a neuron's map
NEURON_SHADES = 32  # few shades: a page holds one map per neuron per frame, and fewer shades compress 3x better
TRAIN, VALIDATION = "#1c7ed6", "#f76707"  # as viz.plot_loss draws them


def shown_frames(frames: list, max_frames) -> list:
    """At most `max_frames` of `frames`, evenly spread, the first and the last always among them."""
    if isinstance(max_frames, bool) or not isinstance(max_frames, Integral) or max_frames < 2:
        raise ValueError(f"max_frames must be a whole number >= 2, got {max_frames!r}")
    if len(frames) <= max_frames:
        return list(frames)
    picked = np.unique(np.round(np.linspace(0, len(frames) - 1, max_frames)).astype(int))
    return [frames[i] for i in picked]


def rgb(color: str) -> tuple:
    """'#rrggbb' as an (r, g, b) tuple."""
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def _blend(color, strength: float) -> tuple:
    """`color` laid over white with opacity `strength`."""
    return tuple(round(255 + (c - 255) * strength) for c in rgb(color))


def _palette(entries: list) -> list:
    flat = [channel for entry in entries for channel in entry]
    return flat + [255] * (768 - len(flat))


def _diverging(strength: float) -> list:
    """LEVELS shades from the first class color through white to the second, then ink."""
    shades = []
    for i in range(LEVELS):
        t = 2.0 * i / (LEVELS - 1) - 1.0
        shades.append(_blend(CLASS_COLORS[1] if t > 0 else CLASS_COLORS[0], strength * abs(t)))
    return _palette(shades + [rgb(labels.INK)])


PLANE_PALETTE = _diverging(0.6)
NEURON_PALETTE = _diverging(0.9)
CLASSES_PALETTE = _palette([_blend(CLASS_COLORS[k % len(CLASS_COLORS)], 0.12 + 0.5 * j / (CLASS_LEVELS - 1))
                            for k in range(LEVELS // CLASS_LEVELS) for j in range(CLASS_LEVELS)]
                           + [(255, 255, 255)] * (LEVELS % CLASS_LEVELS) + [rgb(labels.INK)])


def _level(t: np.ndarray, shades: int = LEVELS) -> np.ndarray:
    """Values in [-1, 1] as palette indices 0..LEVELS-1, in `shades` evenly spaced steps."""
    step = np.round((np.clip(t, -1.0, 1.0) + 1.0) * 0.5 * (shades - 1))
    return np.round(step * (LEVELS - 1) / (shades - 1)).astype(np.uint8)


def plane_image(outputs: np.ndarray, resolution: int, activation: str):
    """The decision boundary over the grid (outputs: points x nout) as a palette image, y up."""
    if outputs.shape[1] == 1:
        out = outputs[:, 0]
        sure = {"sigmoid": lambda o: 2.0 * o - 1.0, "tanh": lambda o: o}.get(activation, np.tanh)(out)
        side = sure > 0.0
        indices, palette = _level(np.nan_to_num(sure)), PLANE_PALETTE
    else:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        p = shifted / shifted.sum(axis=1, keepdims=True)
        side = p.argmax(axis=1)
        k = outputs.shape[1]
        sure = (p.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
        shade = np.round(np.nan_to_num(sure) * (CLASS_LEVELS - 1)).astype(np.int64)
        indices, palette = ((side % (LEVELS // CLASS_LEVELS)) * CLASS_LEVELS + shade).astype(np.uint8), CLASSES_PALETTE
    indices = indices.reshape(resolution, resolution)
    side = side.reshape(resolution, resolution)
    edge = np.zeros_like(side, dtype=bool)  # where the predicted class changes: the boundary
    edge[:, 1:] |= side[:, 1:] != side[:, :-1]
    edge[1:, :] |= side[1:, :] != side[:-1, :]
    indices[edge] = LEVELS
    return _palette_image(indices[::-1], palette)


def neuron_sheet(activations: np.ndarray, resolution: int):
    """Every hidden neuron's map (activations: points x neurons), y up, stacked top to bottom in one palette image."""
    step = max(1, resolution // THUMBNAIL)
    maps = [column.reshape(resolution, resolution)[::step, ::step][::-1] for column in activations.T]
    return _palette_image(_level(np.nan_to_num(np.vstack(maps)), NEURON_SHADES), NEURON_PALETTE)


def _palette_image(indices: np.ndarray, palette: list):
    from PIL import Image  # imported when a picture is made, so `import viz` stays quick

    image = Image.fromarray(np.ascontiguousarray(indices), mode="P")
    image.putpalette(palette)
    return image


def png(image) -> bytes:
    """The image as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def frame_pictures(recorder, frame) -> tuple:
    """(boundary image, stacked neuron maps or None) of a recorded frame, computed once per recorder."""
    if frame.epoch not in recorder.pictures:
        outputs, activations = recorder.outputs(frame)
        resolution = recorder.plane[0].shape[0]
        model = recorder.model
        activation = getattr(model, "output_activation", None) or getattr(model, "activation", "")
        maps = neuron_sheet(activations, resolution) if activations.shape[1] else None
        recorder.pictures[frame.epoch] = (plane_image(outputs, resolution, activation), maps)
    return recorder.pictures[frame.epoch]


def point_colors(y, n: int) -> list:
    """The color of each of n data points: its class's (blue, orange, ...), or ink when y is None or not classes."""
    if y is None:
        return [labels.INK] * n
    classes = np.unique(y)
    if len(classes) > len(CLASS_COLORS) or not np.all(classes == np.round(classes)):
        return [labels.INK] * len(y)
    return [CLASS_COLORS[i] for i in np.searchsorted(classes, y)]


def point_positions(recorder, size: float) -> np.ndarray:
    """Where each row of X falls on a `size` x `size` picture of the recorder's plane (x right, y up)."""
    gx, gy, _ = recorder.plane
    low = np.array([gx.min(), gy.min()])
    span = np.array([gx.max(), gy.max()]) - low
    resolution = gx.shape[0]
    cells = (recorder.X - low) / span * (resolution - 1) + 0.5  # grid points are pixel centers
    cells[:, 1] = resolution - cells[:, 1]
    return cells * size / resolution


class LossCurve:
    """The loss curves' geometry in a `width` x `height` box: polylines, ticks, and where each epoch's marker goes."""

    def __init__(self, losses, val_losses, width: float, height: float, margin=(62, 14, 18, 34)):
        left, right, top, bottom = margin
        self.width, self.height = width, height
        self.box = (left, top, width - right, height - bottom)
        self.train = np.array(losses, dtype=float)
        self.val = np.array([np.nan if v is None else v for v in val_losses], dtype=float)
        shown = np.concatenate([self.train, self.val])
        shown = shown[np.isfinite(shown)]
        self.log = bool(len(shown)) and shown.min() > 0 and shown.max() / shown.min() > 10
        if self.log:
            shown = np.log10(shown)
        low, high = (shown.min(), shown.max()) if len(shown) else (0.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        self.low, self.high = low, high
        self.epochs = max(len(self.train), 2)

    def x(self, epoch: float) -> float:
        """Horizontal pixel of `epoch` (1 is the first)."""
        left, _, right, _ = self.box
        return left + (epoch - 1) / (self.epochs - 1) * (right - left)

    def y(self, loss) -> float:
        """Vertical pixel of a loss (None or not finite: the bottom of the box)."""
        _, top, _, bottom = self.box
        if loss is None or not math.isfinite(loss) or (self.log and loss <= 0):
            return bottom
        value = math.log10(loss) if self.log else loss
        return bottom - (value - self.low) / (self.high - self.low) * (bottom - top)

    def polylines(self, which: str) -> list:
        """The train or validation curve as runs of (x, y) points, broken where a loss is not finite."""
        values = self.train if which == "train" else self.val
        runs, run = [], []
        for i, loss in enumerate(values, 1):
            if math.isfinite(loss) and not (self.log and loss <= 0):
                run.append((self.x(i), self.y(float(loss))))
            elif run:
                runs.append(run)
                run = []
        return runs + ([run] if run else [])

    def ticks(self) -> list:
        """(y pixel, text) for the lowest and highest loss and one between."""
        values = np.linspace(self.low, self.high, 3)
        return [(self.y(10 ** v if self.log else v), f"{10 ** v if self.log else v:.3g}") for v in values]

    def marker(self, frame) -> tuple:
        """(x, y) of the marker at `frame`'s epoch, on its training loss."""
        return self.x(frame.epoch), self.y(frame.loss)


def caption(frame) -> str:
    """'epoch 12   loss 0.3121' (with the validation loss when there is one)."""
    text = f"epoch {frame.epoch}   loss {frame.loss:.4g}"
    return text + (f"   val {frame.val_loss:.4g}" if frame.val_loss is not None else "")


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size)


def _draw_curve(draw, curve: LossCurve, frame, font, small) -> None:
    left, top, right, bottom = curve.box
    draw.rectangle((left, top, right, bottom), outline=rgb(labels.CELL_BORDER))
    for y, text in curve.ticks():
        draw.text((left - 4, y), text, fill=rgb(labels.MUTED), font=small, anchor="rm")
    draw.text((left, bottom + 4), "1", fill=rgb(labels.MUTED), font=small, anchor="lt")
    draw.text((right, bottom + 4), f"epoch {len(curve.train)}", fill=rgb(labels.MUTED), font=small, anchor="rt")
    for which, color in (("train", TRAIN), ("val", VALIDATION)):
        for run in curve.polylines(which):
            draw.line(run if len(run) > 1 else run * 2, fill=rgb(color), width=2)
    x, y = curve.marker(frame)
    draw.line((x, top, x, bottom), fill=rgb(labels.MUTED), width=1)
    draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=rgb(TRAIN), outline=(255, 255, 255), width=2)
    legend = "loss" + (" (log scale)" if curve.log else "")
    draw.text((right - 6, top + 6), legend, fill=rgb(labels.INK), font=font, anchor="rt")
    if np.isfinite(curve.val).any():
        draw.text((right - 6, top + 26), "train", fill=rgb(TRAIN), font=small, anchor="rt")
        draw.text((right - 6, top + 42), "validation", fill=rgb(VALIDATION), font=small, anchor="rt")


def gif_frames(recorder, frames: list, size: int) -> list:
    """The movie's pictures (RGB): the boundary with the data and a caption beside the loss curve."""
    from PIL import Image, ImageDraw

    curve = LossCurve(recorder.losses, recorder.val_losses, size, size)
    font, small = _font(max(12, size // 22)), _font(max(10, size // 30))
    plane = recorder.plane is not None and recorder.model is not None
    if plane:
        positions = point_positions(recorder, size)
        colors = point_colors(recorder.y, len(positions))
    pictures = []
    for frame in frames:
        picture = Image.new("RGB", (2 * size if plane else size, size), (255, 255, 255))
        draw = ImageDraw.Draw(picture)
        if plane:
            boundary = frame_pictures(recorder, frame)[0].convert("RGB")
            picture.paste(boundary.resize((size, size), Image.Resampling.BILINEAR))
            radius = max(2.5, size / 110)
            for (x, y), color in zip(positions, colors):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rgb(color), outline=(255, 255, 255))
            box = draw.textbbox((8, 8), caption(frame), font=font)
            draw.rectangle((box[0] - 4, box[1] - 3, box[2] + 4, box[3] + 3), fill=(255, 255, 255))
            draw.text((8, 8), caption(frame), fill=rgb(labels.INK), font=font)
            curve_picture = Image.new("RGB", (size, size), (255, 255, 255))
            _draw_curve(ImageDraw.Draw(curve_picture), curve, frame, font, small)
            picture.paste(curve_picture, (size, 0))
        else:
            _draw_curve(draw, curve, frame, font, small)
            draw.text((8, 8), caption(frame), fill=rgb(labels.INK), font=small)
        pictures.append(picture)
    return pictures


def write_gif(recorder, path, seconds_per_frame, max_frames, size):
    """Write the recorder's movie as an animated GIF (looping, the last frame held longer); returns the path."""
    path = _check_path(path)
    seconds = check_seconds(seconds_per_frame, "seconds_per_frame", 60)
    if isinstance(size, bool) or not isinstance(size, int) or not 120 <= size <= 2000:
        raise ValueError(f"size must be a whole number of pixels from 120 to 2000 (each panel's side), got {size!r}")
    frames = shown_frames(recorder.frames, max_frames)
    if not frames:
        raise ValueError("the recorder holds no snapshots yet: pass it to nn.fit(..., callbacks=[recorder]) first")
    from PIL import Image

    pictures = [p.quantize(255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
                for p in gif_frames(recorder, frames, size)]
    durations = [round(seconds * 1000)] * len(pictures)
    durations[-1] = max(durations[-1], 1500)  # a pause on the trained network before the movie loops
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0,
                     optimize=False, disposal=1)
    return write_atomic(path, buffer.getvalue())
