#!/usr/bin/env bash
# The test command (README): sets up model and runtime when missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --all-targets "$@"
