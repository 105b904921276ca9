# Each target sets up .venv by itself; pip runs again only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench images clean

# The pictures the README and docs/ show, regenerated from the tour (never edited by hand).
IMAGES := neuron.svg neuron.png neuron_backprop.gif perceptron_xor.png xor_boundary.png \
          moons_loss.png moons_boundary.png activation_tanh.png moons_training.gif

demo: $(VENV)/.installed-base
	$(PY) demo.py $(ARGS)

test: $(VENV)/.installed-test
	@echo "The layering contracts in pyproject.toml (import-linter):"
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(ARGS)
	@echo "The tape kernels once more as plain Python (NUMBA_DISABLE_JIT=1), so their code is covered:"
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -p no:cacheprovider tests/autograd/test_tape.py

bench: $(VENV)/.installed-bench
	@# Graphviz's dot is timed beside the bundled engine when it can be installed; the rest runs without it.
	-.ci/debian-packages graphviz:dot
	$(PY) -m bench $(ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-base

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	# The peers measured beside gradwalk; exactly this torch spec (a CPU build on the local disk).
	$(PY) -m pip install --quiet 'torch==2.13.0'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-base

# The notebook screenshot needs the test extras: nbclient, nbconvert, playwright (on the system's Chromium).
images: $(VENV)/.installed-test
	rm -rf out/images-build
	$(PY) demo.py --out out/images-build
	mkdir -p docs/images
	cd out/images-build && cp $(IMAGES) ../../docs/images/
	cp out/images-build/neuron_backprop_frames/step1.png docs/images/backprop_step1.png
	cp out/images-build/neuron_backprop_frames/step5.png docs/images/backprop_step5.png
	$(PY) docs/notebook_image.py docs/images/notebook_explorer.png

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
