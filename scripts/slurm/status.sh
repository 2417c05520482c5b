#!/usr/bin/env bash
# State of a sharded framelens run submitted with scripts/slurm/submit.sh, and what to do about failed shards.
#
#   scripts/slurm/status.sh OUTDIR
#
# A shard is done when OUTDIR/shards/K/manifest.json exists (framelens writes it last; `framelens merge` checks
# the files against it). Slurm's view of each task comes from squeue (finished jobs stay visible for MinJobAge,
# 300 s by default) and, where accounting is enabled, sacct. A shard that is neither done nor queued/running has
# failed: the script prints the command that resubmits exactly those shards and a new merge job.
#
# exit status: 0 merged; 1 still running or waiting; 3 shards failed (resubmit them); 4 shards done but no merge
# queued or running (resubmit the merge); 2 usage.
set -euo pipefail

[ $# -eq 1 ] || { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
outdir=${1%/}
logs="$outdir/slurm"
[ -f "$logs/jobs.tsv" ] && [ -f "$logs/shards.count" ] || {
  echo "$outdir was not submitted with scripts/slurm/submit.sh (no slurm/jobs.tsv)" >&2
  exit 2
}
n=$(cat "$logs/shards.count")

declare -A state reason
have_sacct=0
if command -v sacct >/dev/null && sacct -n -X -j 1 >/dev/null 2>&1; then have_sacct=1; fi
# slurm_states JOBID: lines "TASK STATE REASON" (TASK = array index, or N/A for a plain job).
slurm_states() {
  local out
  out=$(squeue -h -r -t all -j "$1" -o '%K %T %r' 2>/dev/null || true)
  if [ -z "$out" ] && [ "$have_sacct" = 1 ]; then
    out=$(sacct -n -X -P -j "$1" -o JobID,State 2>/dev/null |
      awk -F'|' '{split($1, a, "_"); t = (a[2] == "" ? "N/A" : a[2]); split($2, s, " "); print t, s[1], "-"}' || true)
  fi
  printf '%s\n' "$out"
}

merge_id="" merge_state="" merge_reason=""
while IFS=$'\t' read -r _ kind id _; do
  case $kind in
    array)
      # Later submissions (resubmitted tasks) override earlier ones.
      while read -r task st why; do
        [[ ${task:-} =~ ^[0-9]+$ ]] || continue
        state[$task]=$st
        reason[$task]=$why
      done < <(slurm_states "$id")
      ;;
    merge)
      merge_id=$id
      read -r _ merge_state merge_reason < <(slurm_states "$id" | head -1) || true
      ;;
  esac
done <"$logs/jobs.tsv"

active='^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|RESIZING|SIGNALING|STAGE_OUT)$'
failed=() unsubmitted=() running=0 done_count=0
printf '%-6s %-10s %-28s %s\n' shard output slurm "last log line [log file]"
for ((k = 0; k < n; k++)); do
  st=${state[$k]:-unknown} why=${reason[$k]:-}
  log=$(ls -t "$logs"/shard-"$k".*.out 2>/dev/null | head -1 || true)
  if [[ $st =~ $active ]]; then
    out=busy
    running=$((running + 1))
  elif [ -f "$outdir/shards/$k/manifest.json" ]; then
    out="done"
    done_count=$((done_count + 1))
  elif [ "$st" = unknown ] && [ -z "$log" ]; then
    out="not run"
    unsubmitted+=("$k")
  else
    out=FAILED
    failed+=("$k")
  fi
  [ "$why" = None ] || [ -z "$why" ] || [ "$why" = - ] || st="$st ($why)"
  last=""
  if [ -n "$log" ] && { [ "$out" = FAILED ] || [ "$out" = busy ]; }; then
    last=" $(tail -n 1 "$log" | cut -c1-160)  [$log]"
  fi
  printf '%-6s %-10s %-28s%s\n' "$k/$n" "$out" "$st" "$last"
done

merged=0
if [ -f "$outdir/manifest.json" ] && grep -q '"merged_from"' "$outdir/manifest.json" &&
  ! grep -q '"merged_from": \[\]' "$outdir/manifest.json"; then merged=1; fi
merge_desc="${merge_state:-unknown}${merge_reason:+ ($merge_reason)}"
echo "merge job ${merge_id:-?}: $merge_desc$([ "$merged" = 1 ] && echo ", merged outputs in $outdir")"

if [ $((${#failed[@]} + ${#unsubmitted[@]})) -gt 0 ]; then
  todo=("${failed[@]}" "${unsubmitted[@]}")
  list=$(IFS=,; echo "${todo[*]}")
  if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED shards: $(IFS=,; echo "${failed[*]}") of $n (no manifest.json and not in the queue)"
  fi
  if [ ${#unsubmitted[@]} -gt 0 ]; then
    echo "shards never submitted: $(IFS=,; echo "${unsubmitted[*]}") of $n"
  fi
  echo "Submit them and a new merge with:"
  cmd=$(cat "$logs/resubmit.cmd")
  echo "  ${cmd/@ARRAY@/$list}"
  exit 3
fi
if [ "$running" -gt 0 ] || [[ ${merge_state:-} =~ $active ]]; then
  echo "in progress: $done_count of $n shards done, $running queued or running"
  exit 1
fi
if [ "$merged" = 1 ] && [ "${merge_state:-COMPLETED}" != FAILED ]; then
  echo "all $n shards done and merged"
  exit 0
fi
echo "all $n shards done but not merged (merge job ${merge_id:-?}: $merge_desc); merge with:"
echo "  sbatch $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/framelens-merge.sh $outdir $n"
exit 4
