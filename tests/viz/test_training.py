"""viz.TrainingRecorder: snapshots during nn.fit, tape grids checked on the Value path, the GIF, the page."""


import numpy as np
import pytest
from PIL import Image

import nn
import viz
from autograd import no_grad
from viz.training import Frame
from viz.training_images import shown_frames

HOSTILE = '</script><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"> & "'


def trained(every=3, epochs=10, sizes=(4, 3, 1), val=False, X=None, y=None, loss="bce_with_logits",
            activation="tanh", **recorder):
    """A small MLP trained with a recorder, and a copy of its parameters taken independently after every epoch."""
    if X is None:
        X, y = nn.make_moons(60, seed=1)
    model = nn.MLP(X.shape[1], list(sizes), activation=activation, seed=2)
    rec = viz.TrainingRecorder(X, y, every=every, **recorder)
    seen = []
    fit_val = nn.make_moons(30, seed=5) if val else None
    nn.fit(model, X, y, loss=loss, lr=0.05, epochs=epochs, progress=False, val=fit_val,
           callbacks=[rec, lambda epoch, history, m: seen.append([p.data for p in m.parameters()])])
    return model, rec, seen


def value_path(model, params, points):
    """The model's outputs and its hidden layers' activations at `points`, one Value graph per point."""
    for p, value in zip(model.parameters(), params.tolist()):
        p.data = value
    outputs, hidden = [], []
    with no_grad():
        for point in points.tolist():
            x = point
            acts = []
            for layer in model.layers:
                out = layer(x)
                x = out if isinstance(out, list) else [out]
                acts.append([v.data for v in x])
            outputs.append(acts[-1])
            hidden.append([a for layer in acts[:-1] for a in layer])
    return np.array(outputs), np.array(hidden)


# -- recording ---------------------------------------------------------------------------------------------
def test_frames_are_the_first_every_nth_and_last_epoch_with_the_parameters_of_then():
    model, rec, seen = trained(every=3, epochs=10)
    assert [f.epoch for f in rec.frames] == [1, 3, 6, 9, 10]
    for frame in rec.frames:
        np.testing.assert_array_equal(frame.params, seen[frame.epoch - 1])
    assert len(rec.losses) == 10 and rec.frames[-1].loss == rec.losses[-1]


def test_a_second_fit_continues_the_epochs():
    X, y = nn.make_moons(30, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    rec = viz.TrainingRecorder(X, y, every=2)
    for _ in range(2):
        nn.fit(model, X, y, loss="mse", lr=0.05, epochs=3, progress=False, callbacks=[rec])
    assert [f.epoch for f in rec.frames] == [1, 2, 4, 6]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_the_tape_grid_equals_the_value_path_on_the_same_points(activation):
    model, rec, _ = trained(every=5, epochs=10, activation=activation)
    assert [n.name for n in rec.neurons] == [f"layer0.neuron{j}" for j in range(4)] + \
        [f"layer1.neuron{j}" for j in range(3)]
    points = rec.plane[2]
    chosen = np.random.default_rng(0).choice(len(points), 60, replace=False)
    for frame in (rec.frames[0], rec.frames[-1]):
        outputs, hidden = rec.outputs(frame)
        expected_out, expected_hidden = value_path(model, frame.params, points[chosen])
        np.testing.assert_allclose(outputs[chosen], expected_out, rtol=0, atol=1e-12)
        np.testing.assert_allclose(hidden[chosen], expected_hidden, rtol=0, atol=1e-12)
        assert outputs.shape == (150 * 150, 1) and hidden.shape == (150 * 150, 7)


def test_the_grid_spans_the_data_widened_by_padding():
    _, rec, _ = trained(every=5, epochs=5, resolution=40, padding=0.5)
    gx, gy, points = rec.plane
    span = rec.X.max(axis=0) - rec.X.min(axis=0)
    assert points.shape == (1600, 2)
    assert np.isclose(gx.min(), rec.X[:, 0].min() - 0.5 * span[0])
    assert np.isclose(gy.max(), rec.X[:, 1].max() + 0.5 * span[1])


def test_one_hot_labels_color_the_points_by_class():
    X = np.zeros((3, 2))
    rec = viz.TrainingRecorder(X, np.eye(3)[[2, 0, 1]])
    assert rec.y.tolist() == [2.0, 0.0, 1.0]


def test_shown_frames_thins_evenly_keeping_the_first_and_last():
    frames = list(range(500))
    shown = shown_frames(frames, 50)
    assert len(shown) == 50 and shown[0] == 0 and shown[-1] == 499
    assert max(np.diff(shown)) - min(np.diff(shown)) <= 1
    assert shown_frames(frames[:10], 50) == frames[:10]


@pytest.mark.parametrize("arguments, error, words", [
    (dict(X="abc"), TypeError, "X must be"),
    (dict(X=np.zeros((0, 2))), ValueError, "at least one sample"),
    (dict(X=[[0.0, np.nan]]), ValueError, "finite"),
    (dict(X=np.zeros((3, 2)), y=[0, 1]), ValueError, "one label per row"),
    (dict(X=np.zeros((3, 2)), every=0), ValueError, "every must be"),
    (dict(X=np.zeros((3, 2)), every=True), ValueError, "every must be"),
    (dict(X=np.zeros((3, 2)), resolution=5), ValueError, "resolution"),
])
def test_bad_arguments_are_named(arguments, error, words):
    with pytest.raises(error, match=words):
        viz.TrainingRecorder(**arguments)


def test_misuse_says_what_to_do(tmp_path):
    X, y = nn.make_moons(20, seed=0)
    rec = viz.TrainingRecorder(X, y)
    with pytest.raises(RuntimeError, match="callbacks=\\[recorder\\]"):
        rec.neurons
    with pytest.raises(ValueError, match="no snapshots"):
        rec.save_gif(tmp_path / "movie.gif")
    nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, loss="mse", epochs=1, progress=False, callbacks=[rec])
    with pytest.raises(ValueError, match="one TrainingRecorder per model"):
        nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, loss="mse", epochs=1, progress=False, callbacks=[rec])
    with pytest.raises(TypeError, match="frame must be"):
        rec.outputs(0)
    with pytest.raises(ValueError, match="max_frames"):
        rec.save_html(tmp_path / "page.html", max_frames=1)
    with pytest.raises(ValueError, match="seconds_per_frame"):
        rec.save_gif(tmp_path / "movie.gif", seconds_per_frame=0)
    with pytest.raises(IsADirectoryError):
        rec.save_html(tmp_path)
    with pytest.raises(ValueError, match="size"):
        rec.save_gif(tmp_path / "movie.gif", size=50)
    with pytest.raises(TypeError, match="title"):
        rec.save_html(tmp_path / "page.html", title=3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        rec.save_gif(tmp_path / "missing" / "movie.gif")


# -- the GIF -------------------------------------------------------------------------------------------------
def test_the_gif_has_one_frame_per_snapshot_boundary_beside_the_loss(tmp_path):
    _, rec, _ = trained(every=2, epochs=9, val=True)
    path = rec.save_gif(tmp_path / "movie.gif", size=200)
    with Image.open(path) as movie:
        assert movie.n_frames == len(rec.frames) == 6 and movie.size == (400, 200)
        assert movie.info["loop"] == 0
        pictures = []
        for i in range(movie.n_frames):
            movie.seek(i)
            pictures.append(np.array(movie.convert("RGB")))
    first, last = pictures[0], pictures[-1]
    assert not np.array_equal(first[:, :200], last[:, :200])  # the boundary moved
    assert not np.array_equal(first[:, 200:], last[:, 200:])  # the marker moved
    # Left panel: the boundary's two class colors (blue and orange shades) both appear.
    left = first[40:, :200].reshape(-1, 3).astype(int)
    assert ((left[:, 2] - left[:, 0]) > 60).any() and ((left[:, 0] - left[:, 2]) > 60).any()


def test_a_three_class_model_gets_a_movie(tmp_path):
    X, y = nn.make_blobs(60, centers=3, seed=0)
    _, rec, _ = trained(every=4, epochs=8, sizes=(5, 3), X=X, y=y, loss="cross_entropy")
    outputs, hidden = rec.outputs(rec.frames[-1])
    assert outputs.shape[1] == 3 and hidden.shape[1] == 5
    with Image.open(rec.save_gif(tmp_path / "blobs.gif", size=150)) as movie:
        assert movie.n_frames == 3


def test_without_two_inputs_the_movie_and_page_show_the_loss_and_a_note(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X.sum(axis=1) > 0).astype(float)
    _, rec, _ = trained(every=2, epochs=4, X=X, y=y)
    assert rec.neurons == [] and rec.plane is None
    with pytest.raises(ValueError, match="2 inputs"):
        rec.outputs(rec.frames[0])
    with Image.open(rec.save_gif(tmp_path / "loss.gif", size=200)) as movie:
        assert movie.n_frames == 3 and movie.size == (200, 200)
    page = rec.save_html(tmp_path / "loss.html").read_text()
    assert "The model has 3 inputs" in page and 'id="boundary"' not in page


# -- the page --------------------------------------------------------------------------------------------------


@pytest.fixture
def page(browser):  # `browser`: the session's one headless Chromium (tests/viz/conftest.py)
    """A fresh 1280x720 tab that records every request the page makes and every error it reports."""
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.requests, tab.errors = [], []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    yield tab
    tab.close()


SHOWN = """() => [document.getElementById("boundary").src,
  document.querySelector("#marker circle").getAttribute("cx"),
  document.querySelector("#marker circle").getAttribute("cy"),
  document.querySelector("div.neuron").style.backgroundImage,
  document.getElementById("epoch").getAttribute("aria-valuetext"), document.getElementById("status").textContent]"""


def test_the_slider_moves_the_boundary_the_marker_and_the_neuron_maps(tmp_path, page):
    _, rec, _ = trained(every=2, epochs=8, val=True)
    path = rec.save_html(tmp_path / "page.html", seconds_per_frame=0.05)
    page.goto(path.resolve().as_uri())
    slider = page.locator("#epoch")
    assert slider.get_attribute("type") == "range" and slider.get_attribute("max") == str(len(rec.frames) - 1)
    states = [page.evaluate(SHOWN)]
    slider.focus()
    for _ in range(len(rec.frames) - 1):
        page.keyboard.press("ArrowRight")
        states.append(page.evaluate(SHOWN))
    assert len({s[0] for s in states}) == len(states)  # a new boundary image at every snapshot
    assert len({s[3] for s in states}) == len(states)  # and new neuron maps
    xs = [float(s[1]) for s in states]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # the marker walks right along the epochs
    assert [s[4] for s in states] == [s[5] for s in states]
    assert states[-1][4].startswith(f"epoch {rec.frames[-1].epoch}   loss ") and "val" in states[-1][4]
    page.keyboard.press("Home")
    assert page.evaluate(SHOWN) == states[0]
    # The marker sits on the drawn training curve, at the point of its snapshot's epoch.
    curve = page.locator("#loss polyline.train").get_attribute("points")
    points = [tuple(map(float, pair.split(","))) for pair in curve.split()]
    assert len(points) == len(rec.losses)
    for state, frame in zip(states, rec.frames):
        assert (float(state[1]), float(state[2])) == pytest.approx(points[frame.epoch - 1], abs=0.06)
    assert page.requests[0] == path.resolve().as_uri()
    assert all(url.startswith("data:image/png;base64,") for url in page.requests[1:])  # only inline images
    assert page.errors == []
    page.screenshot(path=tmp_path / "page.png")


def test_play_runs_to_the_last_snapshot_and_space_toggles_it(tmp_path, page):
    _, rec, _ = trained(every=1, epochs=6)
    page.goto(rec.save_html(tmp_path / "play.html", seconds_per_frame=0.02).resolve().as_uri())
    play = page.locator("#play")
    play.click()
    # A function, not an expression string: the page's policy forbids the eval a string would need.
    page.wait_for_function("(last) => document.body.dataset.frame === last", arg=str(len(rec.frames) - 1),
                           timeout=20000)
    assert "Play" in play.text_content()
    page.locator("#epoch").focus()
    page.keyboard.press(" ")
    assert "Pause" in play.text_content()
    page.keyboard.press(" ")
    assert "Play" in play.text_content()
    assert page.errors == []


def test_the_title_is_shown_as_text_and_runs_nothing(tmp_path, page):
    _, rec, _ = trained(every=5, epochs=5)
    page.goto(rec.save_html(tmp_path / "hostile.html", title=HOSTILE).resolve().as_uri())
    assert page.locator("h1").text_content() == HOSTILE and page.title() == HOSTILE
    assert page.evaluate("window.pwned === undefined && document.querySelectorAll('script').length") == 2
    assert page.locator("img").count() == 1  # only the boundary
    assert page.errors == []


def test_the_page_forbids_every_request_and_inlines_everything(tmp_path):
    _, rec, _ = trained(every=5, epochs=5)
    page = rec.save_html(tmp_path / "page.html").read_text()
    assert "default-src 'none'" in page and "img-src data:" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert 'src="' not in page.replace('<img id="boundary" alt="">', "")


def test_frame_is_a_snapshot_record():
    frame = Frame(3, np.zeros(2), 0.5)
    assert frame.val_loss is None and frame.epoch == 3
