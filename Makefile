# A thin wrapper over CMake; the README's two commands do not need make.
BUILD ?= build

.PHONY: all build test unit run clean format

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$$(nproc)

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure

test:
	bash tests/run-all.sh

run:
	bash deploy/run.sh

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-fuzz
