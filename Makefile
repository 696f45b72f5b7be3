# The two set-up commands of the README: `make run` and `make test`.
# Each installs missing Debian packages, then builds Release first.
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: deps build run test unit-asan fuzz format-check format bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# The main job: semantic search over GCIDE's dictionary definitions (Debian
# dict-gcide). scripts/prepare-gcide.py writes the corpus; `embed demo`
# trains fastText-style subword vectors on it (about 30 s on 2 cores), builds
# a collection (SIF sentence vectors in an HNSW index, TF-IDF rows, SQLite
# store; about 30 s) and answers example queries by hybrid (dense + sparse,
# reciprocal-rank fusion) search. Built parts newer than their inputs are kept.
run: build
	/usr/bin/python3 scripts/prepare-gcide.py -o $(BUILD)/corpus/gcide.jsonl --words $(BUILD)/corpus/gcide-words.txt
	./$(BUILD)/embed demo --corpus $(BUILD)/corpus/gcide.jsonl --words $(BUILD)/corpus/gcide-words.txt --workdir $(BUILD)

test: build format-check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) unit-asan
	$(MAKE) fuzz

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
unit-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEMBED_SANITIZE=ON -DEMBED_PYTHON=OFF -DEMBED_BENCH=OFF -DEMBED_NATIVE=OFF
	cmake --build build-asan -j $(JOBS) --target embed_tests
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ./embed_tests --gtest_brief=1

# Each parser fuzzed briefly (FUZZ_SECONDS each) with libFuzzer + ASan/UBSan.
FUZZ_SECONDS ?= 20
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DEMBED_FUZZ=ON -DEMBED_PYTHON=OFF -DEMBED_BENCH=OFF -DEMBED_WERROR=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -DNO_MANUAL_VECTORIZATION"
	cmake --build build-fuzz -j $(JOBS) --target fuzz_safetensors fuzz_npy fuzz_npz fuzz_word2vec fuzz_fasttext fuzz_index fuzz_json_config fuzz_tokenizer_json fuzz_tokenizer_encode fuzz_retrieval_files
	for f in safetensors npy npz word2vec fasttext index json_config tokenizer_json tokenizer_encode retrieval_files; do \
	  rm -rf build-fuzz/corpus-$$f && cp -r fuzz/corpus/$$f build-fuzz/corpus-$$f && \
	  ./build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 build-fuzz/corpus-$$f || exit 1; done

FORMAT_FILES = $(shell git ls-files '*.cpp' '*.h' ':!:tests/data/*')
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: ok"

format:
	clang-format -i $(FORMAT_FILES)

bench: build
	./$(BUILD)/bench_core --benchmark_min_time=0.5
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/core/vs_torch.py
	EMBED_BIN=$(BUILD)/embed /usr/bin/python3 bench/tokenizers/vs_sentencepiece.py
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/tokenizers/wordpiece_likelihood.py
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/tfidf/vs_sklearn.py
	TFIDF_CORPUS=licences PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/tfidf/vs_sklearn.py
	EMBED_BIN=$(BUILD)/embed /usr/bin/python3 bench/word2vec/vs_gensim_fasttext.py
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/search/vs_faiss_hnswlib.py
	BUILD=$(BUILD) bash bench/dictionary/evaluate.sh

clean:
	rm -rf build build-asan build-fuzz
