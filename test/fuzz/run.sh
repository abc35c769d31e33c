#!/usr/bin/env bash
# Run one fuzz harness (built by build.sh) for a while:
#   test/fuzz/run.sh fuzz_model 600            # 10 minutes
#   test/fuzz/run.sh fuzz_agg 60 -seed=1       # extra libFuzzer flags
#   FUZZ_KNOWN=1 test/fuzz/run.sh fuzz_agg 600 # suppress the UBSan reports
#                                              # listed in known.supp
#   test/fuzz/run.sh fuzz_agg replay FILE...   # run inputs once (regressions)
#
# The growing corpus is test/fuzz/build/corpus/<target> (seeded from
# test/fuzz/corpus/<target>); findings go to test/fuzz/build/artifacts/<target>/.
# Minimize one with:
#   test/fuzz/build/<target> -minimize_crash=1 -max_total_time=60 \
#       -exact_artifact_path=test/fuzz/regressions/<target>/NAME.bin CRASHFILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:?target, e.g. fuzz_model}
shift
bin=$here/build/$target
[ -x "$bin" ] || "$here/build.sh" "$target" >/dev/null

export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
supp=""
[ "${FUZZ_KNOWN:-0}" = 1 ] && supp=":suppressions=$here/known.supp"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1$supp}
opts=(-max_len=8192 -timeout=30 -malloc_limit_mb=1024 -rss_limit_mb=2048)
[ -f "$here/$target.dict" ] && opts+=(-dict="$here/$target.dict")

if [ "${1:-}" = replay ]; then
	shift
	exec "$bin" "${opts[@]}" -runs=1 "$@"
fi

seconds=${1:-60}
shift || true
work=$here/build/corpus/$target
artifacts=$here/build/artifacts/$target
mkdir -p "$work" "$artifacts"
exec "$bin" "${opts[@]}" -max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$@" "$work" "$here/corpus/$target"
