#!/usr/bin/env bash
# make demo: ticd end to end, through the daemon.
#
#   1. ticd doctor (BLAS kernel, threads);
#   2. two corpora: a synthetic image-text series 2014-2016, and real dated text from this machine's
#      /usr/share/doc changelogs (`ticd corpus changelogs`);
#   3. a CLIP daemon (`ticd run`) with its own inbox, state directory and socket: a producer drops the image
#      shards month by month (copy to a temporary name in the inbox, then rename), plus three hostile tars;
#      the daemon ingests, trains each year once the next one begins, evaluates, and is watched over its
#      socket (`ticd query status`); the last, incomplete year is trained on request (POST /v0/train); then
#      the robustness answer, the evaluation matrix, the HTML report, and a SIGTERM stop that must exit 0;
#   4. the same for a GPT on a few years of changelogs (or, on a machine with too few changelogs, on the
#      synthetic text series).
#
# Usage: scripts/demo.sh [OUT_DIR]   (default demo-out; removed and recreated)
# Environment: DEMO_MONTH_PAUSE (seconds between two dropped image months, default 0.5; text months go twice as
# fast), DEMO_TIMEOUT (seconds the training waits may take before the demo fails with the daemon's log, default
# 900), DEMO_LM=synthetic (train the LM on the synthetic text series even when there are enough changelogs),
# DEMO_DOC_ROOT (where the changelogs are read, default /usr/share/doc).
set -euo pipefail

out=${1:-demo-out}
ticd=$(pwd)/.build/release/ticd
month_pause=${DEMO_MONTH_PAUSE:-0.5}
timeout=${DEMO_TIMEOUT:-900}

[ -x "$ticd" ] || { echo "demo: $ticd is missing; run 'make build' first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "demo: python3 is needed to read the daemon's JSON answers" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
# A Unix socket path must fit in 108 bytes; a deep working directory gets its sockets under /tmp instead.
sockets=$out/run
socket_tmp=""
if [ ${#sockets} -gt 90 ]; then socket_tmp=$(mktemp -d /tmp/ticd-demo.XXXXXX); sockets=$socket_tmp; fi

bold=$'\033[1m' dim=$'\033[2m' plain=$'\033[0m'
if [ ! -t 1 ]; then bold="" dim="" plain=""; fi
clock() { printf '%d:%02d' $((SECONDS / 60)) $((SECONDS % 60)); }
step() { printf '\n%s== [%s] %s%s\n' "$bold" "$(clock)" "$*" "$plain"; }
note() { printf '   %s\n' "$*"; }

# --- the background daemons: every one started is stopped on any exit -----------------------------------

pids=()
daemon_pid="" daemon_log="" sock=""
cleanup() {
    local status=$? p waited
    trap - EXIT INT TERM
    for p in ${pids[@]+"${pids[@]}"}; do
        if kill -0 "$p" 2>/dev/null; then
            echo "demo: stopping daemon $p" >&2
            kill -TERM "$p" 2>/dev/null || true
            waited=0
            while kill -0 "$p" 2>/dev/null && [ $waited -lt 30 ]; do sleep 0.5; waited=$((waited + 1)); done
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    [ -z "$socket_tmp" ] || rm -rf "$socket_tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    printf '\ndemo: FAILED: %s\n' "$*" >&2
    if [ -n "$daemon_log" ] && [ -f "$daemon_log" ]; then
        printf 'demo: last lines of %s:\n' "$daemon_log" >&2
        tail -n 25 "$daemon_log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# Starts `ticd run --config FILE` in the background, its log in LOG, and waits until its socket answers.
start_daemon() {
    local config=$1 log=$2 waited=0
    daemon_log=$log
    sock=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["socket"])' "$config")
    "$ticd" run --config "$config" >"$log" 2>&1 &
    daemon_pid=$!
    pids+=("$daemon_pid")
    until [ -S "$sock" ] && "$ticd" query --socket "$sock" --timeout 5 status >/dev/null 2>&1; do
        kill -0 "$daemon_pid" 2>/dev/null || fail "ticd run exited during start-up"
        [ $waited -lt 120 ] || fail "the socket $sock did not answer within 60 s"
        sleep 0.5; waited=$((waited + 1))
    done
    note "ticd run (pid $daemon_pid) is up; socket $sock; log $log"
    log_seen=0
}

# SIGTERM, and the exit status must be 0 (the daemon checkpoints a running step and stops cleanly).
stop_daemon() {
    local waited=0 status=0 p remaining=()
    kill -TERM "$daemon_pid"
    while kill -0 "$daemon_pid" 2>/dev/null; do
        [ $waited -lt 180 ] || fail "ticd run did not stop within 90 s of SIGTERM"
        sleep 0.5; waited=$((waited + 1))
    done
    wait "$daemon_pid" || status=$?
    for p in "${pids[@]}"; do [ "$p" = "$daemon_pid" ] || remaining+=("$p"); done
    pids=(${remaining[@]+"${remaining[@]}"})
    show_log
    [ "$status" -eq 0 ] || fail "ticd run exited with status $status after SIGTERM (expected 0)"
    note "SIGTERM: ticd run stopped in $(awk "BEGIN{print $waited / 2}") s with exit status 0"
}

q() { "$ticd" query --socket "$sock" --timeout 10 "$@"; }

# The log lines worth seeing, as they come: what was quarantined, each step's start and end, warnings.
log_seen=0
show_log() {
    local total
    total=$(wc -l <"$daemon_log")
    if [ "$total" -gt "$log_seen" ]; then
        sed -n "$((log_seen + 1)),${total}p" "$daemon_log" \
            | grep -E 'quarantined|warm start|random init|learning a|trained:|trained and evaluated|warning|error|err:|stopping|stopped|left in the inbox' \
            | sed -E -e 's/^ticd\[[0-9]+\]: /     log: /' -e "s|$out/||g" || true
        log_seen=$total
    fi
}

# One look at /v0/status: prints a line when the daemon's state (or step) changes, and a progress line
# every 5 s while a step trains. Leaves the fields in st_* for the callers' conditions.
last_key="" last_print=0
st_state="" st_summary="" st_step="" st_evaluated=0 st_ready=0 st_quarantined=0 st_pending=0
poll() {
    local json fields
    show_log
    json=$(q status 2>/dev/null) || { kill -0 "$daemon_pid" 2>/dev/null || fail "ticd run is gone"; return 0; }
    fields=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
s = d["shards"]
print("\t".join(str(x) for x in (d["state"], d["summary"], "%s %s" % (d.get("step"), d.get("label")),
      d["step_states"].get("evaluated", 0), s.get("ready", 0), s.get("quarantined", 0), d["pending_shards"])))
' "$json") || return 0
    IFS=$'\t' read -r st_state st_summary st_step st_evaluated st_ready st_quarantined st_pending <<<"$fields"
    local key="$st_state $st_step $st_evaluated $st_quarantined"
    if [ "$key" != "$last_key" ] || { [ "$st_state" = training ] && [ $((SECONDS - last_print)) -ge 5 ]; }; then
        printf '   %s[%s]%s %-58s %sshards: %s ready, %s quarantined; steps evaluated: %s%s\n' \
            "$dim" "$(clock)" "$plain" "$st_summary" "$dim" "$st_ready" "$st_quarantined" "$st_evaluated" "$plain"
        last_key=$key last_print=$SECONDS
    fi
}

# wait_until WHAT SECONDS COMMAND...: polls every second until COMMAND succeeds; after SECONDS, fails with
# the daemon's log.
wait_until() {
    local what=$1 limit=$2 start=$SECONDS
    shift 2
    while true; do
        poll
        if "$@"; then
            printf '   %s[%s]%s ok: %s (%s; shards: %s ready, %s quarantined)\n' \
                "$dim" "$(clock)" "$plain" "$what" "$st_summary" "$st_ready" "$st_quarantined"
            return 0
        fi
        [ $((SECONDS - start)) -lt "$limit" ] || fail "timed out after $limit s waiting for: $what"
        sleep 1
    done
}

# ingested MONTHS HOSTILE: every month is in, and every hostile shard has been dealt with.
ingested() {
    [ "$st_ready" -ge "$1" ] && [ $((st_ready + st_quarantined)) -ge $(($1 + $2)) ] && [ "$st_pending" -eq 0 ]
}
# Every step evaluated and the matrix without an empty cell.
all_evaluated() {
    [ "$st_evaluated" -ge "$1" ] || return 1
    q eval 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["matrix"]
sys.exit(0 if len(m) >= int(sys.argv[1]) and all(x is not None for row in m for x in row) else 1)' "$1"
}

# Copies FILE into DIR under a temporary name, then renames it in: the daemon never sees half a shard.
drop() {
    local file=$1 dir=$2 name
    name=$(basename "$1")
    mkdir -p "$dir"
    cp "$file" "$dir/.$name.tmp"
    mv "$dir/.$name.tmp" "$dir/$name"
}

# The robustness answer (GET /v0/robustness) as a table: per checkpoint its in-distribution score, backward
# and forward transfer, the newest slice's gap to the slices it trained on, how much each older year has been
# forgotten since its best, and the cumulative compute.
robustness_table() {
    python3 -c '
import json, sys
r = json.load(sys.stdin)
hib, cols = r["higher_is_better"], r["columns"]
p = 3 if hib else 1
f = lambda x: "-" if x is None else "%.*f" % (p, x)
g = lambda x: "-" if x is None else "%+.*f" % (p, x)
def flops(x):
    for unit, scale in (("PFLOP", 1e15), ("TFLOP", 1e12), ("GFLOP", 1e9)):
        if x >= scale: return "%.1f %s" % (x / scale, unit)
    return "%.0f FLOP" % x
print("   %s, %s is better. gap: the newest slice against the mean of the slices trained on;" % (
    r["metric"], "higher" if hib else "lower"))
print("   forgot Y: how much worse than the best checkpoint so far on Y (0 = nothing forgotten)")
old = cols[:-1]
head = ["checkpoint", "ID", "backward", "forward", "newest: score, gap"] + ["forgot " + c for c in old] + ["cumulative compute"]
rows = []
for c in r["checkpoints"]:
    n, comp, lost = c.get("newest"), c["compute"], c.get("forgetting", {})
    rows.append([c["step"], f(c.get("id")), f(c.get("backward")), f(c.get("forward")),
                 "%s: %s, %s" % (n["slice_group"], f(n["score"]), g(n.get("gap"))) if n else "-"]
                + [f(lost[y]) if y in lost else "" for y in old]
                + ["%s, %.0f s" % (flops(comp["cumulative_flops"]), comp["cumulative_seconds"])])
w = [max(len(x) for x in col) for col in zip(head, *rows)]
for line in [head] + rows:
    print("   " + "  ".join(x.ljust(w[i]) for i, x in enumerate(line)).rstrip())
s = r["summary"]
print("   whole matrix: in-distribution %s, backward %s, forward %s" % (f(s.get("id")), f(s.get("backward")), f(s.get("forward"))))
'
}

# The done-when check: does training on a year improve the score on that year over the previous
# checkpoint's (E[i][i] against E[i-1][i])?
new_year_check() {
    "$ticd" eval --config "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
hib, rows, cols, m = d["task"] == "clip", d["rows"], d["columns"], d["matrix"]
better = lambda new, old: new > old if hib else new < old
fmt = "%.3f" if hib else "%.1f"
parts, ok = [], True
for i in range(1, len(rows)):
    j = cols.index(rows[i])
    old, new = m[i - 1][j], m[i][j]
    if old is None or new is None:
        continue
    ok = ok and better(new, old)
    parts.append("%s %s -> %s" % (rows[i], fmt % old, fmt % new))
print("   training on a new year, its score before -> after: " + ", ".join(parts))
print("   " + ("each new year improved once trained on" if ok else "NOT every new year improved once trained on"))
if d["task"] == "lm":
    bpb = [d["detail"].get(r, {}).get(r, {}).get("bits_per_byte") for r in rows]
    if all(b is not None for b in bpb):
        print("   bits per byte on the diagonal (comparable across years, unlike perplexity): "
              + "  ".join("%s %.3f" % x for x in zip(rows, bpb)))
'
}

# GET /v0/robustness with curl when it is installed (make deps installs it), else with ticd query; into FILE.
robustness() {
    if command -v curl >/dev/null; then
        note "curl --unix-socket $sock http://ticd/v0/robustness"
        curl -sS --fail --max-time 30 --unix-socket "$sock" http://ticd/v0/robustness >"$1"
    else
        note "ticd query --socket $sock robustness"
        q robustness >"$1"
    fi
}

# =========================================================================================================

step "ticd doctor: BLAS kernel and threads"
"$ticd" doctor | grep -E '^(BLAS kernel|BLAS threads|CPU allows|sgemm)' | sed 's/^/   /'

step "Corpus 1: a synthetic image-text series, 2014-2016 (shapes whose vocabulary and drawing style drift)"
"$ticd" corpus synthetic --out "$out/corpus/images" --kind image-text --years 2014-2016 --per-month 200 --seed 1 \
    | tail -n 2 | sed 's/^/   /'

step "Corpus 2: real dated text from this machine's /usr/share/doc changelogs"
# (Files it cannot read in full are named in changelogs.err; a missing /usr/share/doc leaves the table empty.)
if ! "$ticd" corpus changelogs --out "$out/corpus/changelogs" --doc-root "${DEMO_DOC_ROOT:-/usr/share/doc}" >"$out/corpus/changelogs.txt" \
        2>"$out/corpus/changelogs.err"; then
    note "ticd corpus changelogs failed: $(tail -n 1 "$out/corpus/changelogs.err")"
fi
# The per-year table, six years to a line, then the totals.
python3 -c '
import re, sys
years = [l.split() for l in open(sys.argv[1]) if re.match(r"^\d{4}\s+\d+\s*$", l)]
for i in range(0, len(years), 6):
    print("   " + "   ".join("%s %6s" % tuple(y) for y in years[i:i + 6]))
' "$out/corpus/changelogs.txt"
grep -E '^(total|by source)' "$out/corpus/changelogs.txt" | sed 's/^/   /' || true
# The LM run takes the latest five (else four, else three) consecutive years with at least 2000 entries each.
read -r lm_first lm_last < <(python3 -c '
import re, sys
counts = {int(m.group(1)): int(m.group(2)) for m in (re.match(r"^(\d{4})\s+(\d+)\s*$", l) for l in open(sys.argv[1])) if m}
for k in (5, 4, 3):
    for end in sorted(counts, reverse=True):
        if all(counts.get(y, 0) >= 2000 for y in range(end - k + 1, end + 1)):
            print(end - k + 1, end); sys.exit()
print("none none")
' "$out/corpus/changelogs.txt")
if [ "$lm_first" = none ] || [ "${DEMO_LM:-}" = synthetic ]; then
    lm_source=synthetic
    if [ "$lm_first" = none ]; then
        note "fewer than three consecutive years with 2000 changelog entries here (a slim container?):"
        note "the LM run uses the synthetic text series 2014-2016 instead"
    else
        note "DEMO_LM=synthetic: the LM run uses the synthetic text series 2014-2016"
    fi
    "$ticd" corpus synthetic --out "$out/corpus/text" --kind text --years 2014-2016 --per-month 200 --seed 1 \
        | tail -n 2 | sed 's/^/   /'
    lm_corpus=$out/corpus/text lm_first=2014 lm_last=2016
else
    lm_source=changelogs lm_corpus=$out/corpus/changelogs
    note "the LM run takes $lm_first-$lm_last: the latest consecutive years with at least 2000 entries each"
fi
lm_steps=$((lm_last - lm_first + 1))

# =========================================================================================================

step "CLIP: a daemon with its own inbox, state directory and socket"
mkdir -p "$out/clip" "$sockets"
cat >"$out/clip/config.json" <<JSON
{"state_dir": "$out/clip/state", "inbox": "$out/clip/inbox", "socket": "$sockets/clip.sock",
 "quiet_period_s": 2, "rescan_interval_s": 30, "eval_fraction": 0.1,
 "task": "clip", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 40000,
 "batch_size": 64, "lr": 0.001, "wd": 0.1, "warmup": 4, "warmup_first": 8, "step_unit": "year", "threads": 2,
 "model": {"image_size": 32, "patch_size": 8, "vision_width": 64, "vision_layers": 2, "vision_heads": 2,
           "context_length": 24, "vocab_size": 512, "text_width": 64, "text_layers": 2, "text_heads": 2, "embed_dim": 32}}
JSON
note "config $out/clip/config.json: tiny CLIP (ViT 32 px, patch 8, width 64), cumulative-all replay,"
note "yearly steps of 40000 samples; a year is trained once the next year's first month arrives"
start_daemon "$out/clip/config.json" "$out/clip/ticd.log"

# Three hostile tars a real inbox sees: cut short, not a tar at all, and pictures without captions.
mkdir -p "$out/hostile"
head -c 20000 "$out/corpus/images/2015-06/00000.tar" >"$out/hostile/cut-short.tar"
head -c 8192 /dev/urandom >"$out/hostile/random-bytes.tar"
python3 - "$out/corpus/images/2015-06/00000.tar" "$out/hostile/no-captions.tar" <<'PY'
import io, json, sys, tarfile
# The first 20 samples with their .txt left out and "caption" taken out of their .json.
with tarfile.open(sys.argv[1]) as src, tarfile.open(sys.argv[2], "w", format=tarfile.USTAR_FORMAT) as dst:
    for m in src.getmembers()[:60]:
        if m.name.endswith(".txt"):
            continue
        data = src.extractfile(m).read()
        if m.name.endswith(".json"):
            record = json.loads(data)
            record.pop("caption", None)
            data = json.dumps(record).encode()
            m.size = len(data)
        dst.addfile(m, io.BytesIO(data))
PY

step "CLIP: a producer drops one month every ${month_pause} s (written to .NAME.tmp in the inbox, then renamed in)"
inbox=$out/clip/inbox
months=0
for dir in "$out"/corpus/images/????-??; do
    month=$(basename "$dir")
    case $month in *-01) note "producer: dropping $month ... ${month%-01}-12 into $inbox/YYYY-MM/ (00000.tar, then 00000_stats.json)";; esac
    drop "$dir/00000.tar" "$inbox/$month"
    drop "$dir/00000_stats.json" "$inbox/$month"
    months=$((months + 1))
    if [ "$month" = 2015-06 ]; then
        note "producer: three hostile tars: hostile/cut-short.tar, hostile/random-bytes.tar, hostile/no-captions.tar"
        for f in cut-short random-bytes no-captions; do drop "$out/hostile/$f.tar" "$inbox/hostile"; done
        # Wait for them before the next month, so their quarantine lines come before the next month's.
        wait_until "the hostile tars handled" 120 ingested "$months" 3
    fi
    poll
    sleep "$month_pause"
done
wait_until "all $months months ingested" 300 ingested "$months" 3

step "CLIP: quarantine, each rejected shard with its reason"
q shards | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["state"] == "quarantined":
        print("   %-22s %s" % (s["path"].rsplit("/", 1)[-1], s.get("reason", "").split(": ", 1)[-1]))
'
note "files: $(cd "$out/clip/state/quarantine" && ls | tr '\n' ' ')"

# results DIR TITLE ROBUSTNESS_HEADING METRIC: what a finished run shows — the robustness answer, the matrix,
# the new-year check and the HTML report — then the SIGTERM stop.
results() {
    local dir=$1 title=$2
    step "$title: $3"
    robustness "$out/$dir/robustness.json"
    robustness_table <"$out/$dir/robustness.json"

    step "$title: ticd eval --config: E[trained through][evaluated on], $4"
    "$ticd" eval --config "$out/$dir/config.json" | tee "$out/$dir/eval.txt" | sed 's/^/   /'
    new_year_check "$out/$dir/config.json"

    step "$title: the HTML report"
    "$ticd" report --config "$out/$dir/config.json" --out "$out/$dir/report.html" 2>&1 | sed 's/^/   /'
    note "open $out/$dir/report.html in a browser"

    step "$title: SIGTERM"
    stop_daemon
}

step "CLIP: the last year (2016) has no later month yet; POST /v0/train has it trained now"
q train | sed 's/^/   /'
wait_until "3 steps evaluated and a full matrix" "$timeout" all_evaluated 3

results clip CLIP "how robust across time? GET /v0/robustness over the socket" \
    "retrieval mean_recall@1"

# =========================================================================================================

step "LM: a second daemon, a tiny GPT on $lm_source $lm_first-$lm_last ($lm_steps yearly steps)"
mkdir -p "$out/lm"
cat >"$out/lm/config.json" <<JSON
{"state_dir": "$out/lm/state", "inbox": "$out/lm/inbox", "socket": "$sockets/lm.sock",
 "quiet_period_s": 2, "rescan_interval_s": 30, "eval_fraction": 0.05,
 "task": "lm", "policy": "cumulative-all", "alpha": 0.5, "samples_per_step": 8000,
 "batch_size": 16, "lr": 0.005, "wd": 0.033, "warmup": 4, "warmup_first": 8, "step_unit": "year", "threads": 2,
 "model": {"vocab_size": 512, "context_length": 64, "width": 64, "layers": 2, "heads": 2}}
JSON
note "config $out/lm/config.json: GPT width 64, 2 layers, context 64, a 512-token BPE learned on $lm_first;"
note "yearly steps of 8000 documents, cumulative-all replay; 5% of each month held out for evaluation"
start_daemon "$out/lm/config.json" "$out/lm/ticd.log"

lm_pause=$(awk "BEGIN{print $month_pause / 2}")
step "LM: a producer drops one month every ${lm_pause} s, and two hostile text shards"
inbox=$out/lm/inbox
head -c 4096 /dev/urandom >"$out/hostile/random-bytes.jsonl.zst"
printf '{"text":"no date anywhere"}\n{"text":"nor here"}\n' >"$out/hostile/undated.jsonl"
months=0
for file in "$lm_corpus"/????-??.jsonl.zst; do
    month=$(basename "$file" .jsonl.zst)
    year=${month%-*}
    [ "$year" -ge "$lm_first" ] && [ "$year" -le "$lm_last" ] || continue
    case $month in *-01) note "producer: dropping $month ... $year-12 into $inbox/ as YYYY-MM.jsonl.zst";; esac
    drop "$file" "$inbox"
    months=$((months + 1))
    if [ $months -eq 18 ]; then
        note "producer: hostile/random-bytes.jsonl.zst and hostile/undated.jsonl"
        drop "$out/hostile/random-bytes.jsonl.zst" "$inbox/hostile"
        drop "$out/hostile/undated.jsonl" "$inbox/hostile"
        wait_until "the hostile text shards handled" 120 ingested "$months" 2
    fi
    poll
    sleep "$lm_pause"
done
wait_until "all $months months ingested" 300 ingested "$months" 2

step "LM: POST /v0/train for the last year ($lm_last)"
q train | sed 's/^/   /'
wait_until "$lm_steps steps evaluated and a full matrix" "$timeout" all_evaluated "$lm_steps"

results lm LM "GET /v0/robustness over the socket" "perplexity (lower is better)"

# =========================================================================================================

step "Done in $(clock)"
cat <<EOF
   CLIP: report $out/clip/report.html
         state  $out/clip/state   config $out/clip/config.json   log $out/clip/ticd.log
   LM ($lm_source $lm_first-$lm_last):
         report $out/lm/report.html
         state  $out/lm/state   config $out/lm/config.json   log $out/lm/ticd.log
   Corpora under $out/corpus; the hostile shards under $out/hostile.
   Start a daemon on your own data: docs/first-ten-minutes.md
EOF
