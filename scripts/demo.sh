#!/usr/bin/env bash
# make demo: build a small synthetic time series, ingest it month by month as a producer would drop it, show
# the catalog, and show what happens to hostile shards. (Training and evaluation join in issues #3-#6.)
set -euo pipefail
out=${1:-demo-out}
ticd=$(pwd)/.build/release/ticd
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ticd doctor: BLAS kernel, threads, sgemm speed, C libraries"
"$ticd" doctor

step "Building a synthetic image-text corpus (shapes whose vocabulary drifts by year), 2014-2016"
"$ticd" corpus synthetic --out "$out/corpus/images" --kind image-text --years 2014-2016 --per-month 48 --seed 1 | tail -n 3
step "Building a synthetic text corpus (documents whose topics drift by year), 2014-2016"
"$ticd" corpus synthetic --out "$out/corpus/text" --kind text --years 2014-2016 --per-month 200 --seed 1 | tail -n 3

step "A few hostile shards a real inbox sees"
mkdir -p "$out/hostile"
head -c 20000 "$out/corpus/images/2015-06/shard-00000.tar" > "$out/hostile/2015-06-cut.tar"
head -c 4096 /dev/urandom > "$out/hostile/garbage.jsonl.zst"
: > "$out/hostile/empty.tar"
printf '{"text":"no date anywhere"}\n{"text":"nor here"}\n' > "$out/hostile/undated.jsonl"
ls -l "$out/hostile"

cp -r "$out/corpus/text" "$out/text-again"

step "Ingesting month by month (exit status 3 means some shard was quarantined; the rest are kept)"
set +e
"$ticd" ingest --state "$out/state" "$out/corpus/images" "$out/corpus/text" "$out/hostile"
status=$?
set -e
echo "ticd ingest exited $status"

step "Ingesting the same corpus again changes nothing"
"$ticd" ingest --state "$out/state" --keep "$out/text-again" | tail -n 2

step "ticd slices: samples per month, train and held-out eval"
"$ticd" slices --state "$out/state"

step "Quarantine: each rejected shard with its reason"
"$ticd" shards --state "$out/state" | grep quarantined || true
ls "$out/state/quarantine" | head

step "Done. State directory: $out/state"
