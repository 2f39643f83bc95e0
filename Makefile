# Facet — the two set-up commands are `make demo` (the main job on the bundled sample) and
# `make test` (the test suite). Both install the Debian packages they need first.
SWIFT ?= swift
RELEASE_BIN := .build/release/facet
DEMO_OUT ?= out/demo.mp4

PREFIX ?= /usr/local

.PHONY: setup build release demo test examples fuzz format lint bench bench-analysis bench-faces bench-apply bench-audiosync bench-reenact quality-reenact install clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product facet

## The main job: apply a bundled preset to the bundled portrait and write a video, with a
## before/after contact sheet to look at first.
DEMO_PRESET ?= performance
## The talking-portrait demo's words: festival (installed by setup) reads them; AudioSync aligns them.
DEMO_SPEECH_TEXT ?= The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.
## The reenactment demo's driving video (the shared talking-head clip; skipped where it is absent).
DEMO_DRIVER ?= ../shared/media/carphone_pristine.mp4
demo: release
	@mkdir -p $(dir $(DEMO_OUT))
	$(RELEASE_BIN) apply Samples/astronaut.png --preset $(DEMO_PRESET) -o $(DEMO_OUT) --contact-sheet out/demo-sheet.png --sheet-frames 6 --overwrite
	$(RELEASE_BIN) analyze Samples/astronaut.png --duration 1 -o out/demo-motion.json --overlay out/demo-analysis.mp4 --overwrite
	@echo "demo: wrote $(DEMO_OUT) (preset $(DEMO_PRESET)) and its before/after contact sheet out/demo-sheet.png; the analysis of the portrait: out/demo-motion.json, out/demo-analysis.mp4"
	@if [ -f $(DEMO_DRIVER) ]; then \
	  $(RELEASE_BIN) apply Samples/astronaut.png --preset mimic --set driver=$(DEMO_DRIVER) --fps 30 -o out/demo-mimic.mp4 --contact-sheet out/demo-mimic-sheet.png --sheet-frames 6 --overwrite && \
	  echo "demo: wrote out/demo-mimic.mp4, the portrait driven by $(DEMO_DRIVER) (preset mimic), and out/demo-mimic-sheet.png"; \
	else echo "demo: $(DEMO_DRIVER) not found: the reenactment demo (preset mimic) is skipped"; fi
	@mkdir -p out
	printf '%s\n' "$(DEMO_SPEECH_TEXT)" > out/demo-speech.txt
	text2wave -o out/demo-speech.wav out/demo-speech.txt
	$(RELEASE_BIN) apply Samples/astronaut.png --preset talk --audio out/demo-speech.wav --set transcript=out/demo-speech.txt -o out/demo-talk.mp4 --contact-sheet out/demo-talk-sheet.png --sheet-frames 6 --overwrite
	@echo "demo: wrote out/demo-talk.mp4, the portrait speaking festival's reading of out/demo-speech.txt (preset talk), and out/demo-talk-sheet.png"

## The test suite (what CI runs). The examples are built before the tests run, because
## Tests/FacetCLITests loads them into facet (and fails without them when CI=true). The tests run
## inside a private one-node Slurm cluster on localhost (scripts/with-slurm.sh starts munged,
## slurmctld and slurmd in a temporary folder and stops them at the end), for the tests of
## `facet batch --slurm` that submit real jobs.
test: setup
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory examples
	bash scripts/with-slurm.sh $(SWIFT) test --skip-build

## The plugin examples of Examples/: the Swift package in release with its own tests (without
## testable imports they reuse the release build, so the SDK compiles once there), the C plugin
## with its test; then both loaded into the debug facet (scripts/check-sdk-package.sh) and the
## newcomer's path of Docs/Plugins.md run as written (scripts/check-newcomer-path.sh).
examples: setup
	$(SWIFT) build --product facet
	cd Examples/SwiftPlugin && $(SWIFT) build -c release && $(SWIFT) test -c release --disable-testable-imports
	$(MAKE) --no-print-directory -C Examples/CPlugin check
	bash scripts/check-sdk-package.sh
	bash scripts/check-newcomer-path.sh

## The parser fuzzers on a long budget: FUZZ_ITERATIONS mutated presets, chains and motion
## files each (CI runs 20,000); FUZZ_SEED picks another sequence (about 8 min on 2 cores).
FUZZ_ITERATIONS ?= 1000000
FUZZ_SEED ?= 1
fuzz: setup
	FACET_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) FACET_FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test --filter ParserFuzzTests

## Formatting with the toolchain's swift-format and the repository's .swift-format (4-space
## indentation, 140 columns; the file lists every rule, since a rule it leaves out is off).
## `make format` rewrites the sources in place; `make lint` checks them, failing on any finding,
## and passes on a tree `make format` has been run on.
FORMAT_PATHS := Sources Plugins Tests Examples/SwiftPlugin/Package.swift Examples/SwiftPlugin/Sources Examples/SwiftPlugin/Tests
format:
	$(SWIFT) format format --in-place --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

## Benchmarks (figures, not assertions): pass-through speed against ffmpeg and peak memory;
## face analysis speed (detection, landmarks, fit) and quality (reprojection, jitter).
bench: release
	bash scripts/bench-passthrough.sh
	bash scripts/bench-analysis.sh

bench-analysis: release
	bash scripts/bench-analysis.sh

## Analysis on the real photographs of ../shared/media/faces: per face, its consistency over the
## variants (scaled, mirrored, turned, as videos, side by side) and a still as a video's jitter.
bench-faces: release
	bash scripts/bench-faces.sh

## A whole edit, `facet apply --preset smile` (every frame edited) on 10 s of 720p30 with one face: end-to-end fps,
## (median of 3) and peak memory, then `facet preview` of the same edit.
bench-apply: release
	bash scripts/bench-apply.sh

## A portrait speaking festival speech of ~30 s and ~5 min: the speech analysis's real-time factor on one core, then
## `facet apply Samples/astronaut.png --audio X --preset talk` at 720p end to end (median fps of 3, peak memory),
## beside the same apply with the smile preset measured in the same run.
bench-audiosync: release
	bash scripts/bench-audiosync.sh

## Reenactment of the same clip by a 10 s driver: the driver's analysis (first run), then end-to-end fps with the
## driver in the cache, beside the smile preset measured in the same run.
bench-reenact: release
	bash scripts/bench-reenactment.sh

## Reenactment quality on every shared real face (../shared/media/faces), each driven by carphone and
## analysed again from the output's pixels; contact sheets in out/reenact-faces/.
quality-reenact: release
	bash scripts/measure-reenactment-faces.sh

## Installs facet, its presets and an (empty) system plugin directory under $(PREFIX).
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/facet/presets $(DESTDIR)$(PREFIX)/lib/facet/plugins
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/facet
	install -m 644 Presets/*.yaml $(DESTDIR)$(PREFIX)/share/facet/presets/

clean:
	rm -rf .build out Examples/SwiftPlugin/.build
	$(MAKE) -C Examples/CPlugin clean
