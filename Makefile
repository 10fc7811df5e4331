# impsim: the two commands of the README.
#   make demo   set up (Debian packages, meson), build, run scenarios/demo.scn
#   make test   set up, build, run every test suite
#   make bench  set up, build, run every benchmark (the scale one takes
#               minutes); writes bench/results.json and prints one table
# On CI (CI=true) warnings are errors.

BUILD ?= build
MESON_ARGS ?=
ifeq ($(CI),true)
MESON_ARGS += -Dwerror=true
endif

IMPSIM := $(BUILD)/src/cli/impsim

.PHONY: all demo test bench deps build clean

all: build

deps:
	@tools/ensure-deps

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_ARGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	$(IMPSIM) run scenarios/demo.scn --svg demo.svg --pcap demo.pcap --keylog demo.keys

test: build
	@rc=0; meson test -C $(BUILD) --print-errorlogs || rc=$$?; \
	  tools/test-summary $(BUILD); exit $$rc

bench: build
	@rm -f $(BUILD)/bench-lines.json
	IMPS_BENCH_JSON=$(abspath $(BUILD))/bench-lines.json \
	  meson test -C $(BUILD) --benchmark --num-processes 1 --verbose
	@tools/bench-report $(BUILD)/bench-lines.json bench/results.json

clean:
	rm -rf $(BUILD)
