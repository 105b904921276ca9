"""The teaching tour runs headless, writes real pictures, and prints what it claims."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


def run_demo(*args, timeout=600):
    done = subprocess.run([sys.executable, str(ROOT / "demo.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour")
    return out, run_demo("--quick", "--out", str(out))


def test_every_section_ran(tour):
    _, text = tour
    for number in range(1, 8):
        assert f"== {number}. " in text
    assert "Done." in text


@pytest.mark.parametrize("name", [
    "neuron.png", "perceptron_xor.png", "xor_loss.png", "xor_boundary.png", "activation_relu.png",
    "activation_sigmoid.png", "activation_tanh.png", "moons_loss.png", "moons_boundary.png",
])
def test_pngs_are_real_images(tour, name):
    out, _ = tour
    data = (out / name).read_bytes()
    assert data.startswith(PNG)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert 100 <= width <= 6000 and 100 <= height <= 6000


def test_svg_and_gif(tour):
    out, _ = tour
    svg = ET.parse(out / "neuron.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter() if t.tag.endswith("text"))
    for label in ("x1", "w1", "x2", "w2", "b", "n", "y", "tanh"):
        assert label in texts
    gif = (out / "neuron_backprop.gif").read_bytes()
    assert gif[:6] in (b"GIF87a", b"GIF89a")
    assert len(list((out / "neuron_backprop_frames").glob("step*.png"))) == 5
    page = (out / "neuron_backprop.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "http://" not in page.split("<svg")[0]


def test_printed_numbers_are_what_the_sections_claim(tour):
    _, text = tour
    assert "AND: accuracy 1.00" in text and "OR: accuracy 1.00" in text
    xor_best = float(re.search(r"XOR: accuracy [\d.]+ after 20 epochs \(best ([\d.]+)\)", text).group(1))
    assert xor_best < 1.0  # a perceptron can never separate XOR
    assert "accuracy 1.00" in text.split("An MLP learns XOR ==")[1].split("\n==")[0]
    assert "[0, 1, 1, 0]" in text
    adam = text.split("with adam")[1]
    assert float(re.search(r"accuracy ([\d.]+)", adam).group(1)) >= 0.97
    assert re.search(r"numba path [\d.]+ ms \(\d+x faster\)", text)
    assert "dy/dx1 = -1.5" in text and "dy/dx2 = 0.5" in text  # the neuron's grads, by hand: w * (1 - y^2)
    movie = text.split("Watching two moons learn")[1]
    assert "lr=0.1: loss change predicted -0.0187 (-lr |g|^2), actual -0.0183 (as predicted)" in movie
    assert "lr=10: loss change predicted -1.8747" in movie and "the prediction fails" in movie


def test_the_training_movie_and_page(tour):
    out, _ = tour
    from PIL import Image

    with Image.open(out / "moons_training.gif") as movie:
        assert movie.n_frames == 13 and movie.size == (600, 300)  # a snapshot every 5 of 60 epochs, and the first
    page = (out / "moons_training.html").read_text()
    assert 'type="range"' in page and "default-src 'none'" in page


def test_list_and_unknown_sections():
    listing = run_demo("--list").splitlines()
    assert listing[0].split()[:2] == ["1", "neuron"] and listing[6].split()[:2] == ["7", "movie"]
    for wrong in ("nonsense", "0", "8"):
        done = subprocess.run([sys.executable, str(ROOT / "demo.py"), wrong], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
        assert done.returncode == 2 and f"unknown section {wrong};" in done.stderr
        assert "a number from 1 to 7" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("choice", [["2"], ["--section", "2"], ["backprop"], ["--section", "backprop", "2"]])
def test_a_section_by_number_or_name_as_its_heading_says(tmp_path, choice):
    text = run_demo(*choice, "--no-render", "--out", str(tmp_path))
    assert text.count("== 2. Backprop step by step") == 1 and "== 1. " not in text and "== 3. " not in text
    assert "y.backward_steps().quiz()" in text  # the section invites the learner to try the quiz


def test_a_section_keeps_its_tour_number_and_runs_once(tmp_path):
    text = run_demo("activations", "activations", "--no-render", "--out", str(tmp_path))
    assert text.count("== 5. ") == 1 and "== 1. " not in text


def test_an_out_path_that_cannot_be_a_folder_is_named(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    done = subprocess.run([sys.executable, str(ROOT / "demo.py"), "neuron", "--out", str(afile / "x")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and f"--out {afile / 'x'}: cannot make a folder there" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_render_skips_diagrams_and_says_so(tmp_path):
    text = run_demo("neuron", "--no-render", "--out", str(tmp_path))
    assert "skipped neuron.svg, neuron.png" in text and not (tmp_path / "neuron.png").exists()


def test_without_a_graphviz_engine_the_tour_still_runs(tmp_path, monkeypatch, capsys):
    sys.path.insert(0, str(ROOT))
    try:
        import demo
        import viz

        def no_engine(engine=None):
            raise viz.EngineNotFoundError("no dot on PATH (test)")

        monkeypatch.setattr(viz, "find_engine", no_engine)
        assert demo.main(["neuron", "backprop", "--out", str(tmp_path)]) == 0
    finally:
        sys.path.remove(str(ROOT))
    text = capsys.readouterr().out
    assert "no Graphviz engine" in text and "skipped neuron_backprop.gif" in text
