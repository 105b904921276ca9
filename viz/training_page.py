"""The training page: one self-contained HTML file with a slider and Play over a recorder's snapshots.

Side by side it shows the decision boundary (the data on top), the loss curves with
a marker at the current epoch, and one map per hidden neuron, laid out by layer.
Every picture is made here and embedded as a data: URI in a JSON block; the page's
script only swaps them. As for the backprop explorer (viz/html.py), a
Content-Security-Policy forbids every request, so the file works from ``file://``,
and user text (the title, scopes) is escaped wherever it lands.
"""

import base64
import html

from .engine import check_seconds, write_atomic
from .html import _asset, _check_path, page_head, script_json
from .training_images import (TRAIN, VALIDATION, LossCurve, caption, frame_pictures, png, point_colors,
                              point_positions, shown_frames)

PLANE = 300  # the boundary's coordinate box on the page (the browser scales it)
CURVE = (420, 300)  # the loss curve's coordinate box


def write_page(recorder, path, title, seconds_per_frame, max_frames):
    """Write the recorder's page to `path` (see TrainingRecorder.save_html); returns the path."""
    path = _check_path(path)
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    seconds = check_seconds(seconds_per_frame, "seconds_per_frame", 60)
    frames = shown_frames(recorder.frames, max_frames)
    if not frames:
        raise ValueError("the recorder holds no snapshots yet: pass it to nn.fit(..., callbacks=[recorder]) first")
    curve = LossCurve(recorder.losses, recorder.val_losses, *CURVE)
    neurons = recorder.neurons if recorder.plane is not None else []
    described = [dict(epoch=f.epoch, caption=caption(f), marker=[round(v, 2) for v in curve.marker(f)],
                     **_pictures(recorder, f)) for f in frames]
    data = script_json(dict(seconds=seconds, frames=described))
    page = _page(title, _plane(recorder), _curve_svg(curve), _neuron_maps(neurons), data, len(frames))
    return write_atomic(path, page.encode("utf-8"))


def _uri(image) -> str:
    return "data:image/png;base64," + base64.b64encode(png(image)).decode("ascii")


def _pictures(recorder, frame) -> dict:
    """The frame's boundary and neuron maps as data: URIs (none without a plane)."""
    if recorder.plane is None:
        return dict(plane=None, neurons=None)
    boundary, maps = frame_pictures(recorder, frame)
    return dict(plane=_uri(boundary), neurons=_uri(maps) if maps is not None else None)


def _plane(recorder) -> str:
    """The boundary's figure: an image the script fills, under the data points; or the note for other inputs."""
    if recorder.plane is None:
        inputs = recorder.X.shape[1]
        return (f'<p class="note" id="note">The model has {inputs} input{"s" if inputs != 1 else ""}. The decision '
                f'boundary and the neuron maps are drawn over the plane of two inputs, so this page shows the loss '
                f'curves only.</p>')
    positions = point_positions(recorder, PLANE)
    colors = point_colors(recorder.y, len(positions))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{color}"/>'
                   for (x, y), color in zip(positions, colors))
    return (f'<figure id="plane"><figcaption>Decision boundary</figcaption><div class="plane">'
            f'<img id="boundary" alt="">'
            f'<svg class="points" viewBox="0 0 {PLANE} {PLANE}" aria-hidden="true">{dots}</svg></div></figure>')


def _points(run) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)


def _curve_svg(curve: LossCurve) -> str:
    """The loss curves as inline SVG, with the marker the script moves."""
    left, top, right, bottom = curve.box
    parts = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" class="frame"/>']
    for y, text in curve.ticks():
        parts.append(f'<text x="{left - 5}" y="{y:.1f}" class="tick" text-anchor="end" dominant-baseline="middle">'
                     f'{html.escape(text)}</text>')
    parts.append(f'<text x="{left}" y="{bottom + 16}" class="tick">1</text>')
    parts.append(f'<text x="{right}" y="{bottom + 16}" class="tick" text-anchor="end">epoch {len(curve.train)}</text>')
    for which, color in (("train", TRAIN), ("val", VALIDATION)):
        for run in curve.polylines(which):
            parts.append(f'<polyline class="{which}" stroke="{color}" points="{_points(run)}"/>')
    legend = [("loss" + (" (log scale)" if curve.log else ""), "#212529")]
    if curve.polylines("val"):
        legend += [("train", TRAIN), ("validation", VALIDATION)]
    for i, (text, color) in enumerate(legend):
        parts.append(f'<text x="{right - 6}" y="{top + 16 + 17 * i}" fill="{color}" text-anchor="end">{text}</text>')
    parts.append(f'<g id="marker"><line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/>'
                 f'<circle cx="{left}" cy="{bottom}" r="5" fill="{TRAIN}"/></g>')
    width, height = curve.width, curve.height
    return (f'<figure id="loss"><figcaption>Loss</figcaption><svg viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="loss curve over {len(curve.train)} epochs">{"".join(parts)}</svg></figure>')


def _neuron_maps(neurons) -> str:
    """One column per layer of hidden neurons, one small image each (the script fills them)."""
    if not neurons:
        return ""
    layers = {}
    for k, neuron in enumerate(neurons):
        layers.setdefault(neuron.layer, []).append((k, neuron))
    columns = []
    for layer, members in layers.items():
        maps = "".join(f'<figure class="map"><div class="neuron" role="img" aria-label="{html.escape(n.name)}" '
                       f'style="background-position: 0 {100 * k / max(len(neurons) - 1, 1):.4f}%; '
                       f'background-size: 100% {100 * len(neurons)}%"></div>'
                       f'<figcaption>{html.escape(_short(n.name, layer))}</figcaption></figure>'
                       for k, n in members)
        columns.append(f'<section class="layer"><h3>{html.escape(layer or "neurons")}</h3>'
                       f'<div class="maps">{maps}</div></section>')
    return (f'<figure id="neurons"><figcaption>Hidden neurons (orange: positive, blue: negative)</figcaption>'
            f'<div class="layers">{"".join(columns)}</div></figure>')


def _short(name: str, layer: str) -> str:
    """A neuron's caption under its layer's heading: 'layer0.neuron3' -> 'N3'."""
    own = name[len(layer) + 1:] if layer and name.startswith(layer + ".") else name
    return "N" + own[len("neuron"):] if own.startswith("neuron") else own


def _page(title, plane, curve, neurons, data, count) -> str:
    title = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
{page_head(title, "training.css")}
<body>
<header>
<h1>{title}</h1>
<div class="controls">
<button id="play" type="button" title="Play or pause (Space)">&#x25B6;&#xFE0E; Play</button>
<label for="epoch">Snapshot</label>
<input type="range" id="epoch" min="0" max="{count - 1}" step="1" value="0">
<output id="status" for="epoch" aria-live="polite"></output>
</div>
</header>
<main>
{plane}
<div class="side">
{curve}
{neurons}
</div>
</main>
<script type="application/json" id="frames">{data}</script>
<script>
{_asset("training.js", "</script")}</script>
</body>
</html>
"""
