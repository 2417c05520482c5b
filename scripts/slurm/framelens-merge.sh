#!/usr/bin/env bash
# framelens on a Slurm cluster, part 2 of 2: combine the shards of scripts/slurm/framelens-array.sh into the
# outputs of one unsharded run, then compare outlets.
#
#   sbatch --dependency=afterok:<array job id> scripts/slurm/framelens-merge.sh OUTDIR N [framelens compare options...]
#
# runs  framelens merge OUTDIR/shards/0 ... OUTDIR/shards/N-1 --out OUTDIR
# then  framelens compare OUTDIR [options]   (skipped when FL_NO_COMPARE=1)
# `framelens merge` refuses a missing, unfinished (no manifest.json) or modified shard, and shards made with another
# model, codebook or options, so a merge that succeeds is the unsharded run's output. scripts/slurm/submit.sh
# submits this job; #SBATCH lines are defaults that sbatch options override. FRAMELENS_BIN and FRAMELENS_HOME as in
# framelens-array.sh.
#
#SBATCH --job-name=framelens-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=01:00:00
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: sbatch --dependency=afterok:<array job id> $0 OUTDIR N [framelens compare options...]" >&2
  exit 2
fi
outdir=$1 n=$2
shift 2
bin=${FRAMELENS_BIN:-framelens}
export FRAMELENS_HOME=${FRAMELENS_HOME:-$HOME/.cache/framelens}
shards=()
for ((k = 0; k < n; k++)); do shards+=("$outdir/shards/$k"); done

echo "framelens merge of $n shards into $outdir: job ${SLURM_JOB_ID:-?} on $(hostname -s), started $(date -Is)"
"$bin" merge "${shards[@]}" --out "$outdir"
if [ "${FL_NO_COMPARE:-0}" != 1 ]; then
  "$bin" compare "$outdir" "$@"
fi
echo "merged: $outdir (finished $(date -Is))"
