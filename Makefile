# impsim: the two commands of the README.
#   make demo      set up (Debian packages, meson), build impsim only, run scenarios/demo.scn
#   make test      set up, build, run every test suite
#   make install   build impsim and install it with meson (prefix /usr/local unless set up
#                  otherwise; DESTDIR=DIR installs under DIR)
#   make bench     set up, build, run every benchmark (the scale one takes minutes);
#                  writes bench/results.json and prints one table
# On CI (CI=true) warnings are errors.

BUILD ?= build
MESON_ARGS ?=
ifeq ($(CI),true)
MESON_ARGS += -Dwerror=true
endif
NINJA ?= ninja
MESON ?= meson
# Where make demo writes demo.svg, demo.pcap and demo.keys.
DEMO_OUT ?= .

IMPSIM := $(BUILD)/src/cli/impsim
DEMO_LOG := $(BUILD)/demo-build.log

.PHONY: all demo test bench deps build clean install impsim-quiet

all: build

deps:
	@tools/ensure-deps

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) $(MESON_ARGS)

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

# Only the impsim binary, with the set-up and compiler output in $(DEMO_LOG);
# on a failure the end of that log.
impsim-quiet: deps
	@mkdir -p $(BUILD)
	@echo "Building impsim (the full output goes to $(DEMO_LOG)) ..."
	@: > $(DEMO_LOG)
	@{ test -f $(BUILD)/build.ninja || $(MESON) setup $(BUILD) $(MESON_ARGS); } >> $(DEMO_LOG) 2>&1 \
	  && $(NINJA) -C $(BUILD) src/cli/impsim >> $(DEMO_LOG) 2>&1 \
	  || { echo "The build failed. The last lines of $(DEMO_LOG):"; tail -n 25 $(DEMO_LOG); exit 1; }

demo: impsim-quiet
	@mkdir -p $(DEMO_OUT)
	@$(IMPSIM) run scenarios/demo.scn --svg $(DEMO_OUT)/demo.svg --pcap $(DEMO_OUT)/demo.pcap \
	  --keylog $(DEMO_OUT)/demo.keys; rc=$$?; \
	out=$$(cd $(DEMO_OUT) && pwd); \
	echo; \
	echo "The demo wrote, in $$out:"; \
	echo "  demo.svg   the ladder diagram of every message: open it in a web browser"; \
	echo "             (firefox $$out/demo.svg)"; \
	echo "  demo.pcap  every message and media packet, for Wireshark"; \
	echo "  demo.keys  the key log: every key of the run, which decrypts the SRTP in demo.pcap"; \
	echo; \
	echo "Next:"; \
	echo "  wireshark -X lua_script:$(abspath tools/wireshark/mikey_ticket.lua) $$out/demo.pcap"; \
	echo "  $(abspath $(IMPSIM)) decode --pcap $$out/demo.pcap --only proto=mikey"; \
	echo "  $(abspath $(IMPSIM)) tool srtp-decrypt --pcap $$out/demo.pcap --keylog $$out/demo.keys -o $$out/demo-rtp.pcap"; \
	echo "  docs/tutorial.md walks through the demo step by step; the binary is $(abspath $(IMPSIM))"; \
	echo "  (make install puts impsim on the PATH)."; \
	exit $$rc

install: impsim-quiet
	$(MESON) install -C $(BUILD) --no-rebuild $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))

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
