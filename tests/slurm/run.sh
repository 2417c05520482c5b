#!/usr/bin/env bash
# End-to-end test of scripts/slurm/ on a real, private, single-node Slurm cluster.
#
#   tests/slurm/run.sh          (as root; CI runs it from .ci/run after scripts/test.sh)
#
# 1. Installs Debian's slurm-wlm and munge when missing (apt-get update first). If that is impossible the test
#    fails under CI (env CI set) and is skipped with a message otherwise.
# 2. Writes a private slurm.conf (this host as controller and only node, state/spool/pid/log files in a temp
#    folder, free ports) pointed to by SLURM_CONF, a private munge key and socket, and starts munged, slurmctld and
#    slurmd in the foreground (-F/-D) as background children of this script; waits until sinfo shows the node idle.
# 3. Runs the unsharded reference: framelens run on the first FL_TEST_DOCS (200) articles of the AllSides subset
#    (../shared/datasets/article_bias_prediction/), --no-compare.
# 4. Submits the same corpus with scripts/slurm/submit.sh as N=FL_TEST_SHARDS (4) shards, at most 2 at a time
#    (%2), each shard with its own embedding cache, plus the afterok merge job.
# 5. Failure path: once shard 1 has cached some embeddings, `scancel`s that array task mid-run; checks that the
#    merge job is cancelled with DependencyNeverSatisfied, that scripts/slurm/status.sh reports shard 1 as failed
#    (exit 3) and prints a resubmit command; runs that command.
# 6. Waits for the new merge job; checks that paragraphs.csv, articles.csv, outlets.csv and rejects.csv are
#    byte-identical to the reference's, that the comparison tables equal `framelens compare` of the reference, that
#    the resubmitted shard found the embeddings of its killed attempt in its cache (texts_cached >= what was cached
#    at the kill, and cached + newly encoded = the shard's texts), and that status.sh reports the run merged.
# 7. On exit, whatever happened: cancels the jobs, stops slurmd, slurmctld and munged by their pids, then any
#    process left carrying this test's SLURM_CONF (slurmstepd, job steps), and removes the temp folder
#    (FL_TEST_KEEP=1 keeps it).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
export FRAMELENS_HOME=${FRAMELENS_HOME:-$HOME/.cache/framelens}
bin=${FRAMELENS_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/framelens}
shards=${FL_TEST_SHARDS:-4}
docs=${FL_TEST_DOCS:-200}
victim=1
codebook=models/codebooks/enforcement-discourse.toml
started=$(date +%s)

log() { printf '[slurm test %3ds] %s\n' "$(($(date +%s) - started))" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
skip_or_fail() {
  if [ -n "${CI:-}" ]; then
    log "FAIL (CI is set, so this is not skipped): $*"
    exit 1
  fi
  log "SKIP: $*"
  exit 0
}

# --- prerequisites ---------------------------------------------------------------------------------------------
[ -x "$bin" ] || skip_or_fail "no framelens binary at $bin (run scripts/setup.sh first, or set FRAMELENS_BIN)"
[ -f "$FRAMELENS_HOME/models/all-MiniLM-L6-v2/model.toml" ] ||
  skip_or_fail "no model in $FRAMELENS_HOME (run scripts/setup.sh first)"
[ "$(id -u)" = 0 ] || skip_or_fail "must run as root (slurmd launches jobs; SlurmUser=root)"
missing() {
  local c
  for c in munged munge slurmctld slurmd sbatch squeue sinfo scancel; do command -v "$c" >/dev/null || return 0; done
  return 1
}
if missing; then
  log "installing slurm-wlm and munge (apt-get)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null; }; then
    skip_or_fail "could not install slurm-wlm and munge with apt-get"
  fi
  missing && skip_or_fail "slurm-wlm/munge installed but a daemon or client is still missing"
fi
log "$(slurmctld -V), munge $(munged -V 2>&1 | awk '{print $1}' | head -1)"

# --- private cluster -------------------------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/framelens-slurm.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp"/{state,spool,run,log,munge,cache}
chmod 700 "$tmp/munge"
conf="$tmp/slurm.conf"
export SLURM_CONF=$conf
munge_sock="$tmp/munge/munge.socket"
munged_pid="" ctld_pid="" slurmd_pid=""

stop_pid() { # stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$2 ($pid) ignored SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid p
  set +e
  trap - EXIT INT TERM
  if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 30); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  if [ "$rc" != 0 ]; then
    log "logs of the failed test:"
    for f in "$tmp"/log/*.log "$tmp"/out/slurm/*.out; do
      [ -f "$f" ] || continue
      echo "----- $f (last 15 lines)" >&2
      tail -n 15 "$f" >&2
    done
  fi
  stop_pid "$slurmd_pid" slurmd
  stop_pid "$ctld_pid" slurmctld
  stop_pid "$munged_pid" munged
  # Anything still carrying this test's SLURM_CONF was started by this test's slurmd (slurmstepd, job steps).
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = $$ ] && continue
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
      log "stopping leftover process $pid ($(tr '\0' ' ' <"$p/cmdline" | cut -c1-80))"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  if [ "${FL_TEST_KEEP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  log "$([ "$rc" = 0 ] && echo PASS || echo "FAILED (exit $rc)") in $(($(date +%s) - started)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}
host=$(hostname -s)
cpus=$(nproc)
mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
mem=${mem:-$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024))}
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done

dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
cat >"$conf" <<EOF
# Private single-node cluster of tests/slurm/run.sh.
ClusterName=framelens-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

munged -F --force --socket="$munge_sock" --key-file="$tmp/munge/munge.key" --log-file="$tmp/log/munged.log" \
  --pid-file="$tmp/run/munged.pid" --seed-file="$tmp/munge/munged.seed" >>"$tmp/log/munged.log" 2>&1 &
munged_pid=$!
for _ in $(seq 50); do
  munge -n -S "$munge_sock" 2>/dev/null | unmunge -S "$munge_sock" >/dev/null 2>&1 && break
  kill -0 "$munged_pid" 2>/dev/null || fail "munged exited: $(tail -n 5 "$tmp/log/munged.log")"
  sleep 0.2
done
munge -n -S "$munge_sock" | unmunge -S "$munge_sock" >/dev/null || fail "munge credentials do not work"
slurmctld -D >>"$tmp/log/slurmctld.log" 2>&1 &
ctld_pid=$!
slurmd -D -N "$host" >>"$tmp/log/slurmd.log" 2>&1 &
slurmd_pid=$!
node_state=""
for _ in $(seq 120); do
  kill -0 "$ctld_pid" 2>/dev/null || fail "slurmctld exited"
  kill -0 "$slurmd_pid" 2>/dev/null || fail "slurmd exited"
  node_state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [ "$node_state" = idle ] && break
  sleep 0.5
done
[ "$node_state" = idle ] || fail "node $host is '$node_state', not idle, after 60 s"
log "cluster up: munged $munged_pid, slurmctld $ctld_pid (port $ctld_port), slurmd $slurmd_pid; node $host idle" \
  "($cpus CPUs, ${mem} MB)"

# --- corpus and unsharded reference ----------------------------------------------------------------------------
src=${FL_TEST_CORPUS:-$repo/../shared/datasets/article_bias_prediction/abp_subset_china_asia_trafficking.jsonl}
corpus="$tmp/corpus.jsonl"
if [ -f "$src" ]; then
  head -n "$docs" "$src" >"$corpus"
  run_opts=(--id-field ID --text-field content_original --outlet-field source --date-field date --title-field title)
  log "corpus: first $docs articles of $src"
else
  [ -z "${CI:-}" ] || fail "$src not found (CI runs with ../shared beside the clone)"
  "$bin" bench corpus --docs "$docs" --seed 5 --out "$corpus" 2>/dev/null
  run_opts=()
  log "corpus: $docs synthetic articles ($src not found)"
fi
# MiniLM: this tests the recipe (shards, scheduler, cancel, resume, merge identity), not the labels, and with
# the default MPNet each 1-CPU shard runs ~300 s here, longer than Slurm's wait for the cancelled merge.
run_opts+=(--model minilm --batch-docs 8)

t0=$(date +%s)
"$bin" run "$corpus" --codebook "$codebook" --out "$tmp/ref" --cache "$tmp/ref-cache.sqlite" --no-compare --quiet \
  "${run_opts[@]}"
"$bin" compare "$tmp/ref" 2>/dev/null
count() { # count DIR KEY: a count from DIR/manifest.json
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"].get(sys.argv[2], 0))' "$1/manifest.json" "$2"
}
log "reference run: $(count "$tmp/ref" documents) documents, $(count "$tmp/ref" paragraphs_body) body paragraphs," \
  "$(count "$tmp/ref" texts_encoded) texts encoded in $(($(date +%s) - t0)) s"

# --- job array + merge through the scheduler -------------------------------------------------------------------
out="$tmp/out"
t0=$(date +%s)
FRAMELENS_BIN=$bin FL_CACHE_DIR="$tmp/cache" scripts/slurm/submit.sh "$corpus" "$codebook" "$out" "$shards" \
  --throttle=2 --cpus-per-task=1 --mem=1G --time=00:15:00 -- "${run_opts[@]}" >"$tmp/submit.txt"
sed 's/^/    | /' "$tmp/submit.txt" >&2
array_id=$(awk -F'\t' '$2 == "array" {id = $3} END {print id}' "$out/slurm/jobs.tsv")
merge_id=$(awk -F'\t' '$2 == "merge" {id = $3} END {print id}' "$out/slurm/jobs.tsv")
{ [ -n "$array_id" ] && [ -n "$merge_id" ]; } || fail "submit.sh recorded no job ids"
grep -q "afterok:$array_id" "$out/slurm/jobs.tsv" || fail "merge job does not depend on afterok:$array_id"
grep -q -- "--array=K" "$tmp/submit.txt" || fail "submit.sh does not say how to resubmit a shard"

job_state() { squeue -h -t all -j "$1" -o '%T %r' 2>/dev/null | head -1; }
cache_entries() {
  [ -f "$1" ] || { echo 0; return; }
  "$bin" cache stats --cache "$1" --json 2>/dev/null |
    python3 -c 'import json, sys; print(sum(e["entries"] for e in json.load(sys.stdin)))' 2>/dev/null || echo 0
}

# Kill shard $victim mid-run: once its cache holds about a quarter of a shard's texts, before it finishes.
victim_cache="$tmp/cache/shard-$victim-of-$shards.sqlite"
kill_at=$(($(count "$tmp/ref" texts_encoded) / shards / 4))
for _ in $(seq 600); do
  st=$(job_state "${array_id}_$victim")
  [ -f "$out/shards/$victim/manifest.json" ] &&
    fail "shard $victim finished before it could be cancelled: use a larger FL_TEST_DOCS"
  if [[ $st == RUNNING* ]] && [ "$(cache_entries "$victim_cache")" -ge "$kill_at" ]; then break; fi
  sleep 0.5
done
[[ $st == RUNNING* ]] || fail "shard $victim never ran (state '$st')"
scancel "${array_id}_$victim"
for _ in $(seq 60); do
  st=$(job_state "${array_id}_$victim")
  [[ $st == CANCELLED* ]] && break
  sleep 0.5
done
[[ $st == CANCELLED* ]] || fail "shard $victim is '$st' after scancel"
[ -f "$out/shards/$victim/manifest.json" ] && fail "the cancelled shard left a manifest.json"
cached_at_kill=$(cache_entries "$victim_cache")
log "cancelled array task ${array_id}_$victim mid-run ($cached_at_kill embeddings in its cache)"

# Slurm may keep the afterok merge job pending until every other array task has ended (here: the last
# shard, started only when a slot freed, runs ~50 s more), so wait up to 5 minutes, not 1 (a CI run once timed
# out 10 s before the last shard ended).
for _ in $(seq 600); do
  st=$(job_state "$merge_id")
  [[ $st == CANCELLED* ]] && break
  sleep 0.5
done
[ "$st" = "CANCELLED DependencyNeverSatisfied" ] ||
  fail "merge job $merge_id is '$st', expected CANCELLED DependencyNeverSatisfied"
log "merge job $merge_id: $st (it never started)"

status=0
scripts/slurm/status.sh "$out" >"$tmp/status.txt" 2>&1 || status=$?
sed 's/^/    | /' "$tmp/status.txt" >&2
[ "$status" = 3 ] || fail "status.sh exited $status, expected 3 (failed shards)"
grep -q "^FAILED shards: $victim of $shards" "$tmp/status.txt" || fail "status.sh does not name shard $victim"
resubmit=$(sed -n '/^Submit them and a new merge with:/{n;p;}' "$tmp/status.txt" | sed 's/^ *//')
[[ $resubmit == *"--array=$victim "* ]] || fail "status.sh's resubmit command is not for --array=$victim: $resubmit"
log "resubmitting: $resubmit"
bash -c "$resubmit" >"$tmp/resubmit.txt"
new_merge=$(awk -F'\t' '$2 == "merge" {id = $3} END {print id}' "$out/slurm/jobs.tsv")
[ "$new_merge" != "$merge_id" ] || fail "the resubmission submitted no new merge job"

# Wait for the merge.
for _ in $(seq 1200); do
  status=0
  scripts/slurm/status.sh "$out" >"$tmp/status.txt" 2>&1 || status=$?
  [ "$status" = 1 ] || break
  sleep 1
done
sed 's/^/    | /' "$tmp/status.txt" >&2
[ "$status" = 0 ] || fail "status.sh exited $status after the resubmission, expected 0 (merged)"
st=$(job_state "$new_merge")
[[ $st == COMPLETED* ]] || fail "merge job $new_merge is '$st'"
log "shards and merge done through Slurm in $(($(date +%s) - t0)) s (including the cancel and resubmission)"

# --- the checks ------------------------------------------------------------------------------------------------
for t in paragraphs.csv articles.csv outlets.csv rejects.csv comparison.csv distances.csv differences.csv \
  independence.csv; do
  cmp -s "$tmp/ref/$t" "$out/$t" || fail "$t of the Slurm run differs from the unsharded run's"
done
rows=$(($(wc -l <"$out/paragraphs.csv") - 1))
log "merged outputs byte-identical to the unsharded run: paragraphs.csv ($rows rows), articles.csv, outlets.csv," \
  "rejects.csv, and the comparison tables"
v="$out/shards/$victim"
cached=$(count "$v" texts_cached) encoded=$(count "$v" texts_encoded) requested=$(count "$v" texts_requested)
[ "$cached" -ge "$cached_at_kill" ] ||
  fail "resubmitted shard $victim found $cached texts in its cache, fewer than the $cached_at_kill cached at the kill"
[ "$((cached + encoded))" = "$requested" ] || fail "shard $victim: cached $cached + encoded $encoded != $requested"
entries=$(cache_entries "$victim_cache")
[ "$((cached_at_kill + encoded))" = "$entries" ] ||
  fail "shard $victim: $cached_at_kill cached before the kill + $encoded encoded after != $entries cache entries"
log "resubmitted shard $victim resumed from its cache: $cached of its $requested texts found there, $encoded" \
  "encoded; $cached_at_kill before the kill + $encoded after = $entries, each text encoded once"
