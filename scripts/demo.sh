#!/usr/bin/env bash
# make demo: build a small synthetic time series, ingest it month by month as a producer would drop it, show
# the catalog and what happens to hostile shards, then train a tiny CLIP one yearly step at a time with
# replay, print the evaluation matrix over time and write the HTML report. (The daemon comes with issue #5.)
set -euo pipefail
out=${1:-demo-out}
ticd=$(pwd)/.build/release/ticd
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ticd doctor: BLAS kernel, threads, sgemm speed, C libraries"
"$ticd" doctor

step "Building a synthetic image-text corpus (shapes whose vocabulary drifts by year), 2014-2016"
"$ticd" corpus synthetic --out "$out/corpus/images" --kind image-text --years 2014-2016 --per-month 200 --seed 1 | tail -n 3
step "Building a synthetic text corpus (documents whose topics drift by year), 2014-2016"
"$ticd" corpus synthetic --out "$out/corpus/text" --kind text --years 2014-2016 --per-month 200 --seed 1 | tail -n 3

step "A few hostile shards a real inbox sees"
mkdir -p "$out/hostile"
head -c 20000 "$out/corpus/images/2015-06/00000.tar" > "$out/hostile/2015-06-cut.tar"
head -c 4096 /dev/urandom > "$out/hostile/garbage.jsonl.zst"
: > "$out/hostile/empty.tar"
printf '{"text":"no date anywhere"}\n{"text":"nor here"}\n' > "$out/hostile/undated.jsonl"
ls -l "$out/hostile"

cp -r "$out/corpus/text" "$out/text-again"

step "Ingesting month by month (exit status 3 means some shard was quarantined; the rest are kept)"
set +e
"$ticd" ingest --state "$out/state" --eval-fraction 0.1 "$out/corpus/images" "$out/hostile"
"$ticd" ingest --state "$out/state-text" "$out/corpus/text" | tail -n 2
status=$?
set -e
echo "ticd ingest exited $status"

step "Ingesting the same corpus again changes nothing"
"$ticd" ingest --state "$out/state-text" --keep "$out/text-again" | tail -n 2

step "ticd slices: samples per month, train and held-out eval (image-text)"
"$ticd" slices --state "$out/state"

step "Quarantine: each rejected shard with its reason"
"$ticd" shards --state "$out/state" | grep quarantined || true
ls "$out/state/quarantine" | head

cat > "$out/config.json" <<JSON
{"state_dir": "$out/state", "task": "clip", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 40000,
 "batch_size": 64, "lr": 0.001, "wd": 0.1, "warmup": 4, "warmup_first": 8, "step_unit": "year", "threads": 2,
 "model": {"image_size": 32, "patch_size": 8, "vision_width": 64, "vision_layers": 2, "vision_heads": 2,
           "context_length": 24, "vocab_size": 512, "text_width": 64, "text_layers": 2, "text_heads": 2, "embed_dim": 32}}
JSON

step "ticd plan: what step 3 (2016) trains on under cumulative-all, alpha 0.5"
"$ticd" plan --config "$out/config.json" --step 3 > "$out/plan-step3.txt"
head -n 4 "$out/plan-step3.txt"; echo "... (full table in $out/plan-step3.txt)"

step "ticd train: three yearly steps of a tiny CLIP, each warm-started from the last, evaluated on every year"
"$ticd" train --config "$out/config.json" --until-step 3 2>&1 | grep -E "trained|eval |warm start|random init|learning"

step "ticd eval: E[trained through][evaluated on], image-text retrieval mean_recall@1"
"$ticd" eval --config "$out/config.json"

cat > "$out/config-lm.json" <<JSON
{"state_dir": "$out/state-text", "task": "lm", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 4000,
 "batch_size": 8, "lr": 0.003, "wd": 0.033, "warmup": 4, "warmup_first": 8, "step_unit": "year", "threads": 2,
 "model": {"vocab_size": 512, "context_length": 64, "width": 64, "layers": 2, "heads": 2}}
JSON

step "ticd train, task lm: three yearly steps of a tiny GPT on the drifting text series"
"$ticd" train --config "$out/config-lm.json" --until-step 3 2>&1 | grep -E "trained|learning"

step "ticd eval: E[trained through][evaluated on], perplexity (lower is better)"
"$ticd" eval --config "$out/config-lm.json"

step "ticd report: the CLIP run as one HTML page (heatmap, per-slice curves, compute vs quality, corpus timeline)"
"$ticd" report --config "$out/config.json" --out "$out/report.html"

step "Done. State directories: $out/state (CLIP) and $out/state-text (LM); configs: $out/config.json, $out/config-lm.json; report: $out/report.html"
