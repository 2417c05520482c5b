#!/usr/bin/env bash
# Submits a sharded framelens run to Slurm: an N-task job array (scripts/slurm/framelens-array.sh, task K runs
# `framelens run --shard K/N`) and a merge job (scripts/slurm/framelens-merge.sh) that starts only when every task
# succeeded (--dependency=afterok:<array job id>) and writes the unsharded run's outputs into OUTDIR.
#
#   scripts/slurm/submit.sh CORPUS CODEBOOK OUTDIR N [options...] [-- framelens run options...]
#
# options:
#   --throttle M        at most M shards run at the same time (--array=0-<N-1>%M)
#   --array SPEC        submit only these tasks, e.g. --array=3 or --array=1,5 (to resubmit failed shards; a new
#                       merge job then waits for them and for what is left of earlier arrays of the same OUTDIR)
#   --no-merge          submit the array only (e.g. a pilot shard to time: --array=0 --no-merge)
#   anything else       passed to sbatch for both jobs, e.g. --partition=cpu --account=proj --time=01:30:00
#                       --cpus-per-task=8 --mem=8G --mail-type=FAIL (they override the scripts' #SBATCH defaults)
# after `--`: options of `framelens run` for every shard, e.g. -- --id-field ID --text-field content_original
#
# environment: FRAMELENS_BIN (default: `framelens` on PATH, else this checkout's target/release/framelens),
# FRAMELENS_HOME (model and runtime, default ~/.cache/framelens), FL_CACHE_DIR (per-shard embedding caches,
# default $FRAMELENS_HOME/cache), FL_SCRATCH (node-local scratch for the caches), FL_NO_COMPARE=1 (merge only).
# All paths must be visible from every node (a shared file system). See docs/scale.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 4 ] || usage
corpus=$1 codebook=$2 outdir=$3 n=$4
shift 4
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer, got '$n'" >&2; exit 2; }
[ -e "$corpus" ] || { echo "corpus not found: $corpus" >&2; exit 2; }
[ -f "$codebook" ] || { echo "codebook not found: $codebook" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "sbatch not found: run this on a Slurm login node" >&2; exit 2; }
corpus=$(readlink -f "$corpus")
codebook=$(readlink -f "$codebook")
mkdir -p "$outdir"
outdir=$(readlink -f "$outdir")

throttle="" tasks="" merge=1 sbatch_opts=() run_opts=() kept=()
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; run_opts=("$@"); break ;;
    --throttle=*) throttle=${1#*=}; kept+=("$1") ;;
    --throttle) throttle=${2:?--throttle needs a number}; kept+=("$1" "$2"); shift ;;
    --array=*) tasks=${1#*=} ;;
    --array | -a) tasks=${2:?--array needs a task list}; shift ;;
    --no-merge) merge=0 ;;
    *) sbatch_opts+=("$1"); kept+=("$1") ;;
  esac
  shift
done
if [ -n "$throttle" ] && ! [[ $throttle =~ ^[1-9][0-9]*$ ]]; then
  echo "--throttle must be a positive integer, got '$throttle'" >&2
  exit 2
fi
tasks=${tasks:-0-$((n - 1))}

# The binary and model folder, as absolute paths the jobs will see.
if [ -z "${FRAMELENS_BIN:-}" ]; then
  if command -v framelens >/dev/null; then
    FRAMELENS_BIN=$(command -v framelens)
  else
    FRAMELENS_BIN="${CARGO_TARGET_DIR:-$here/../../target}/release/framelens"
  fi
fi
[ -x "$FRAMELENS_BIN" ] || { echo "framelens binary not found at $FRAMELENS_BIN: set FRAMELENS_BIN" >&2; exit 2; }
FRAMELENS_BIN=$(readlink -f "$FRAMELENS_BIN")
FRAMELENS_HOME=$(readlink -f "${FRAMELENS_HOME:-$HOME/.cache/framelens}")
FL_CACHE_DIR=${FL_CACHE_DIR:-$FRAMELENS_HOME/cache}
mkdir -p "$FL_CACHE_DIR"
FL_CACHE_DIR=$(readlink -f "$FL_CACHE_DIR")
export FRAMELENS_BIN FRAMELENS_HOME FL_CACHE_DIR

logs="$outdir/slurm"
mkdir -p "$outdir/shards" "$logs"
jobs_file="$logs/jobs.tsv"

# What a resubmission must repeat: environment, arguments and options (all but --array).
q() { if [ $# -gt 0 ]; then printf '%q ' "$@"; fi; }
env_prefix="FRAMELENS_BIN=$(q "$FRAMELENS_BIN")FRAMELENS_HOME=$(q "$FRAMELENS_HOME")FL_CACHE_DIR=$(q "$FL_CACHE_DIR")"
[ -z "${FL_SCRATCH:-}" ] || env_prefix+="FL_SCRATCH=$(q "$FL_SCRATCH")"
[ "${FL_NO_COMPARE:-0}" != 1 ] || env_prefix+="FL_NO_COMPARE=1 "
# resubmit.cmd: the command with @ARRAY@ standing for the tasks to run again (scripts/slurm/status.sh fills it in).
resubmit="$env_prefix$(q "$here/submit.sh" "$corpus" "$codebook" "$outdir" "$n" "${kept[@]}")--array=@ARRAY@"
if [ ${#run_opts[@]} -gt 0 ]; then resubmit+=" -- $(q "${run_opts[@]}")"; fi
resubmit=${resubmit% }
printf '%s\n' "$resubmit" >"$logs/resubmit.cmd"
printf '%s\n' "$n" >"$logs/shards.count"

# Earlier submissions for this OUTDIR: their pending merge jobs are superseded by the one submitted below, and the
# new merge also waits for whatever of their arrays is still queued or running.
earlier_arrays=()
if [ -f "$jobs_file" ] && [ "$merge" = 1 ]; then
  while IFS=$'\t' read -r _ kind id _; do
    if [ -z "$(squeue -h -j "$id" -o %i 2>/dev/null)" ]; then continue; fi
    case $kind in
      array) earlier_arrays+=("$id") ;;
      merge)
        echo "cancelling the earlier merge job $id (replaced by the new one)"
        scancel "$id"
        ;;
    esac
  done <"$jobs_file"
fi

array_spec=$tasks${throttle:+%$throttle}
array_cmd=(sbatch --parsable --array="$array_spec" --output="$logs/shard-%a.%A.out" "${sbatch_opts[@]}"
  "$here/framelens-array.sh" "$corpus" "$codebook" "$outdir" "$n" "${run_opts[@]}")
array_id=$("${array_cmd[@]}")
array_id=${array_id%%;*}
printf '%s\tarray\t%s\t%s\n' "$(date -Is)" "$array_id" "$array_spec" >>"$jobs_file"

if [ "$merge" = 0 ]; then
  cat <<EOF
submitted shards $tasks of $n as array job $array_id${throttle:+ (at most $throttle at a time)}, without a merge job
  outputs:  $outdir/shards/K, logs in $logs/shard-K.$array_id.out;  progress: squeue -j $array_id
  the timing of a finished shard: timings.total and counts.paragraphs_body in $outdir/shards/K/manifest.json
EOF
  exit 0
fi

dependency="afterok:$array_id"
for id in "${earlier_arrays[@]}"; do dependency+=",afterany:$id"; done
merge_cmd=(sbatch --parsable --dependency="$dependency" --kill-on-invalid-dep=yes --output="$logs/merge.%j.out"
  "${sbatch_opts[@]}" "$here/framelens-merge.sh" "$outdir" "$n")
merge_id=$("${merge_cmd[@]}")
merge_id=${merge_id%%;*}
printf '%s\tmerge\t%s\t%s\n' "$(date -Is)" "$merge_id" "$dependency" >>"$jobs_file"

cat <<EOF
submitted shards $tasks of $n as array job $array_id${throttle:+ (at most $throttle at a time)}
merge job $merge_id runs when they have all succeeded (--dependency=$dependency)
  outputs:  $outdir   (shards in shards/K, logs in slurm/shard-K.<array id>.out and slurm/merge.<job id>.out)
  progress: squeue -j $array_id,$merge_id     or  $here/status.sh $outdir
If a shard fails (error, time limit, node failure after its requeues, scancel), the other shards carry on and the
merge job is cancelled (reason DependencyNeverSatisfied). Then:
  1. find it:   $here/status.sh $outdir
                (or: sacct -j $array_id -X -o JobID,State,ExitCode,Elapsed,NodeList; squeue -t all -j $array_id)
  2. resubmit just shard K (it reuses the shard's embedding cache, so it encodes only what it had not) and a new merge:
       ${resubmit/@ARRAY@/K}
     which runs
       sbatch --array=K $(q "${sbatch_opts[@]}")$here/framelens-array.sh ...     -> job J
       sbatch --dependency=afterok:J $here/framelens-merge.sh $outdir $n
EOF
