#!/bin/sh
# Herald's enrichment beside spaCy's en_core_web_sm on the gold set, in one run:
# quality (same scoring rules) and one-core throughput. See scripts/baseline/README.md
# for the spaCy setup (a venv at /tmp/spacy-venv, or SPACY_PY=path/to/python).
set -eu
cd "$(dirname "$0")/../.."
PY="${SPACY_PY:-/tmp/spacy-venv/bin/python}"
echo "== $(date -u) on $(uname -srm), $(nproc) cores"
echo "== Herald: quality"
cargo build -q --release -p herald
target/release/herald enrich --gold fixtures/gold
echo "== Herald: speed (one core)"
taskset -c 0 cargo bench -q -p herald-nlp --bench enrich -- --secs 8 2>/dev/null
echo "== spaCy en_core_web_sm: quality and speed (one core)"
OMP_NUM_THREADS=1 taskset -c 0 "$PY" scripts/baseline/spacy_gold.py --summary-only
