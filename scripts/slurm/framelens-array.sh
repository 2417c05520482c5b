#!/usr/bin/env bash
# framelens on a Slurm cluster, part 1 of 2: one array task = one shard of the corpus.
#
#   sbatch --array=0-<N-1>[%M] scripts/slurm/framelens-array.sh CORPUS CODEBOOK OUTDIR N [framelens run options...]
#
# Task K (= $SLURM_ARRAY_TASK_ID) runs
#   framelens run CORPUS --codebook CODEBOOK --shard K/N --out OUTDIR/shards/K --threads $SLURM_CPUS_PER_TASK \
#                 --cache <its own cache file> --no-compare --quiet [framelens run options...]
# and scripts/slurm/framelens-merge.sh, submitted with --dependency=afterok:<array job id>, combines the shards
# into OUTDIR. scripts/slurm/submit.sh submits both and prints what to do when a shard fails; see docs/scale.md.
#
# Every #SBATCH line below is a default: options given to sbatch (or to submit.sh) override them.
#
# Environment (sbatch passes the submitting shell's environment to the job):
#   FRAMELENS_BIN    the framelens binary (default: `framelens` on PATH). On a cluster: a path on the shared file
#                    system, e.g. $HOME/framelens/target/release/framelens.
#   FRAMELENS_HOME   runtime and model folder made by scripts/setup.sh (default ~/.cache/framelens); one copy on the
#                    shared file system serves every node (it is only read).
#   FL_CACHE_DIR     where the per-shard embedding caches live (default $FRAMELENS_HOME/cache): task K uses
#                    FL_CACHE_DIR/shard-K-of-N.sqlite. One SQLite file per task, because SQLite's locking (and WAL's
#                    shared memory) is not to be trusted across nodes on NFS/Lustre/GPFS: with one file per task,
#                    no two processes ever open the same file, and a task that is resubmitted or requeued on
#                    another node finds its cache where it left it and encodes only what is missing.
#   FL_SCRATCH       optional node-local scratch folder (e.g. /local/scratch/$USER or $TMPDIR). If set, the task's
#                    cache is copied there before the run and copied back after it, also when the task is
#                    cancelled or times out (SIGTERM; the copy has Slurm's KillWait, 30 s by default, to finish —
#                    for large caches ask for an earlier signal with --signal=B:TERM@120).
#
#SBATCH --job-name=framelens-shard
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: sbatch --array=0-<N-1> $0 CORPUS CODEBOOK OUTDIR N [framelens run options...]" >&2
  exit 2
fi
corpus=$1 codebook=$2 outdir=$3 n=$4
shift 4
k=${SLURM_ARRAY_TASK_ID:?"not an array task: submit with sbatch --array=0-$((n - 1))"}
if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$k" -ge "$n" ]; then
  echo "task $k does not fit N=$n shards (array indexes must be 0..N-1)" >&2
  exit 2
fi
bin=${FRAMELENS_BIN:-framelens}
home=${FRAMELENS_HOME:-$HOME/.cache/framelens}
export FRAMELENS_HOME=$home
cache_dir=${FL_CACHE_DIR:-$home/cache}
cache="$cache_dir/shard-$k-of-$n.sqlite"
out="$outdir/shards/$k"
threads=${SLURM_CPUS_PER_TASK:-1}
mkdir -p "$cache_dir" "$out"

echo "framelens shard $k/$n: job ${SLURM_ARRAY_JOB_ID:-?}_$k (job id ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0})" \
  "on $(hostname -s), $threads threads, cache $cache, started $(date -Is)"

run_cache=$cache
if [ -n "${FL_SCRATCH:-}" ]; then
  local_dir="$FL_SCRATCH/framelens-${SLURM_JOB_ID:-$$}"
  mkdir -p "$local_dir"
  run_cache="$local_dir/shard-$k-of-$n.sqlite"
  for f in "$cache" "$cache-wal"; do
    if [ -f "$f" ]; then cp "$f" "$local_dir/"; fi
  done
  copy_back() {
    # The run has stopped (finished or killed): the database and its WAL together are consistent.
    for suffix in "" "-wal"; do
      if [ -f "$run_cache$suffix" ]; then
        cp "$run_cache$suffix" "$cache$suffix.tmp" && mv "$cache$suffix.tmp" "$cache$suffix"
      else
        rm -f "$cache$suffix"
      fi
    done
    rm -f "$cache-shm"
    rm -rf "$local_dir"
  }
  trap copy_back EXIT
  # Slurm's SIGTERM (scancel, time limit): let the trap copy the cache back, then report the failure.
  trap 'echo "shard $k/$n: terminated at $(date -Is)" >&2; if [ -n "${pid:-}" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" || true; fi; exit 143' TERM
fi

start=$(date +%s)
# framelens runs in the background so that the shell can act on SIGTERM at once (bash runs traps only between
# commands); framelens itself gets Slurm's SIGTERM too and stops.
"$bin" run "$corpus" --codebook "$codebook" --out "$out" --shard "$k/$n" --threads "$threads" \
  --cache "$run_cache" --no-compare --quiet "$@" &
pid=$!
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "shard $k/$n FAILED (exit $status) after $(($(date +%s) - start)) s; resubmit it with" \
    "scripts/slurm/submit.sh ... --array=$k (see scripts/slurm/status.sh $outdir)" >&2
  exit "$status"
fi
echo "shard $k/$n done in $(($(date +%s) - start)) s: $out"
