#!/usr/bin/env bash
# Installs every Debian package the build, tests and benches need. Idempotent:
# only missing packages are installed; works as root without prompts.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libopenblas-openmp-dev libomp-dev
  libfmt-dev nlohmann-json3-dev libcli11-dev libutf8proc-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pytest python3-torch
  sentencepiece python3-sklearn python3-scipy python3-snowballstemmer
  dict-gcide python3-gensim fasttext
  dict-wn dict-foldoc bible-kjv
  python3-faiss libfaiss-dev python3-hnswlib libhnswlib-dev
  libsqlite3-dev libcpp-httplib-dev
)
# Node and npm run the official OpenAI client against our server in the tests;
# a machine may already have them from elsewhere (e.g. NodeSource, whose
# nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages of the tests (tests/server/package-lock.json pins them).
# Without network the server test that needs them says so and skips.
SERVER_TESTS="$(dirname "$0")/../tests/server"
if [ ! -f "$SERVER_TESTS/node_modules/openai/package.json" ]; then
  (cd "$SERVER_TESTS" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "install-deps: npm ci in tests/server failed; the OpenAI-client test will be skipped"
fi
