#!/usr/bin/env bash
# Grade a whole class on a Slurm cluster: one shard of the class per array task, then one
# dependent job that writes the class's report from every shard's results.
#
#   bash cifar/grade_on_slurm.sh SHARDS SUBMISSIONS_DIR OUT_DIR [grading flags...]
#   bash cifar/grade_on_slurm.sh 20 submissions/ grades/ --data cifar10.npz --epochs 15
#
# OUT_DIR must be on a file system that every node sees. Each array task runs
# `grade_homework.py --shard K/SHARDS` into OUT_DIR; the last job runs `--report-only`.
# Slurm options (partition, time, memory) come from the usual SBATCH_* variables or
# GRADE_SBATCH_OPTIONS, e.g. GRADE_SBATCH_OPTIONS="--partition=cpu --time=04:00:00".
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: $0 SHARDS SUBMISSIONS_DIR OUT_DIR [grading flags...]" >&2
    exit 2
fi
shards="$1" submissions="$(realpath "$2")" out="$(realpath -m "$3")"
shift 3
suite="$(cd "$(dirname "$0")/.." && pwd)"
python="${GRADE_PYTHON:-$(command -v python3 || command -v python)}"
mkdir -p "$out/slurm-logs"
# shellcheck disable=SC2086  # GRADE_SBATCH_OPTIONS holds several options
array_job=$(sbatch --parsable ${GRADE_SBATCH_OPTIONS:-} --job-name=grade-homework \
    --array="1-$shards" --output="$out/slurm-logs/shard-%a.log" --chdir="$suite" \
    --wrap="$(printf '%q ' "$python" cifar/grade_homework.py "$submissions" --out "$out" \
              --workers 1 "$@") --shard \$SLURM_ARRAY_TASK_ID/$shards")
# shellcheck disable=SC2086
report_job=$(sbatch --parsable ${GRADE_SBATCH_OPTIONS:-} --job-name=grade-report \
    --dependency="afterany:$array_job" --output="$out/slurm-logs/report.log" --chdir="$suite" \
    --wrap="$(printf '%q ' "$python" cifar/grade_homework.py --report-only --out "$out" "$@")")
echo "Submitted shards as job array $array_job and the report as job $report_job."
echo "Follow them with: squeue -j $array_job,$report_job; the report: $out/summary.md"
