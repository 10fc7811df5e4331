# impsim: the two commands of the README.
#   make demo   set up (Debian packages, meson), build, run scenarios/demo.scn
#   make test   set up, build, run every test suite
# On CI (CI=true) warnings are errors.

BUILD ?= build
MESON_ARGS ?=
ifeq ($(CI),true)
MESON_ARGS += -Dwerror=true
endif

IMPSIM := $(BUILD)/src/cli/impsim

.PHONY: all demo test deps build clean

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

clean:
	rm -rf $(BUILD)
