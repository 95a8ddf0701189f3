#!/usr/bin/env bash
# TiC's strategy table on one corpus: every policy of `ticd experiment` side by side (docs/results.md).
#   scripts/experiment.sh clip OUT [--quick]   the synthetic image-text series 2014-2017 (3 yearly steps, 2017 forward only)
#   scripts/experiment.sh lm OUT [--quick]     real changelogs from /usr/share/doc, the latest 5 years with 2000
#                                              entries each (4 yearly steps, the last year forward only)
# Environment: TICD (the binary, default .build/release/ticd), JOBS (runs at once, default 1),
# POLICIES (default all).
set -euo pipefail
kind=${1:?usage: scripts/experiment.sh clip|lm OUT [--quick]}
out=${2:?usage: scripts/experiment.sh clip|lm OUT [--quick]}
quick=${3:-}
ticd=${TICD:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/ticd}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -f "$out/state/catalog.sqlite" ]; then
    if [ "$kind" = clip ]; then
        "$ticd" corpus synthetic --out "$out/corpus" --kind image-text --years 2014-2017 --per-month 200 --seed 1 >/dev/null
    else
        "$ticd" corpus changelogs --out "$out/corpus-all" >"$out/corpus.txt"
        read -r first last < <(python3 -c '
import re, sys
counts = {int(m.group(1)): int(m.group(2)) for m in (re.match(r"^(\d{4})\s+(\d+)\s*$", l) for l in open(sys.argv[1])) if m}
for k in (5, 4, 3):
    for end in sorted(counts, reverse=True):
        if all(counts.get(y, 0) >= 2000 for y in range(end - k + 1, end + 1)):
            print(end - k + 1, end); sys.exit()
sys.exit("fewer than three consecutive years with 2000 changelog entries")
' "$out/corpus.txt")
        mkdir -p "$out/corpus"
        for y in $(seq "$first" "$last"); do cp "$out/corpus-all/$y"-??.jsonl.zst "$out/corpus/"; done
        echo "changelog years $first-$last" >"$out/years.txt"
    fi
    "$ticd" ingest --state "$out/state" --eval-fraction 0.05 "$out/corpus" >/dev/null
fi

if [ "$kind" = clip ]; then
    cat >"$out/base.json" <<JSON
{"state_dir": "$out/state", "task": "clip", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 40000,
 "buffer_size": 1200, "batch_size": 64, "lr": 0.001, "wd": 0.1, "warmup": 4, "warmup_first": 8,
 "step_unit": "year", "eval_fraction": 0.05, "threads": 2, "seed": 1,
 "lwf": {"temperature": 2, "weight": 1}, "ewc": {"lambda": 100, "gamma": 1, "fisher_batches": 8},
 "model": {"image_size": 32, "patch_size": 8, "vision_width": 64, "vision_layers": 2, "vision_heads": 2,
           "context_length": 16, "vocab_size": 512, "text_width": 64, "text_layers": 2, "text_heads": 2,
           "embed_dim": 32}}
JSON
else
    cat >"$out/base.json" <<JSON
{"state_dir": "$out/state", "task": "lm", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 8000,
 "buffer_size": 4000, "batch_size": 16, "lr": 0.005, "wd": 0.033, "warmup": 4, "warmup_first": 8,
 "step_unit": "year", "eval_fraction": 0.05, "threads": 2, "seed": 1,
 "lwf": {"temperature": 1, "weight": 1}, "ewc": {"lambda": 100, "gamma": 1, "fisher_batches": 8},
 "model": {"vocab_size": 512, "context_length": 64, "width": 64, "layers": 2, "heads": 2}}
JSON
fi
exec "$ticd" experiment --config "$out/base.json" --policies "${POLICIES:-all}" --out "$out/results" \
    --jobs "${JOBS:-1}" $quick
