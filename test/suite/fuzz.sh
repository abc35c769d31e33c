#!/usr/bin/env bash
# The libFuzzer harnesses of test/fuzz, briefly: build them, replay every
# reproducer in test/fuzz/regressions/<target>/ (each must now run clean),
# then fuzz each target from its seed corpus for MAAS_FUZZ_SECONDS (default
# 8) seconds.  Prints TAP lines; exits non-zero on any finding, whose input
# is kept in test/fuzz/build/artifacts/<target>/.
#
# Long runs: test/fuzz/run.sh <target> 600 (see test/fuzz/README.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
fuzz=test/fuzz
seconds=${MAAS_FUZZ_SECONDS:-8}
n=0
fail=0
tap() {
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || fail=1
}

t0=$(date +%s)
if ! out=$($fuzz/build.sh 2>&1); then
	echo "$out" | tail -20 | sed 's/^/# /'
	tap "not ok" "build the fuzz harnesses"
	exit 1
fi
tap ok "build the fuzz harnesses ($(($(date +%s) - t0)) s)"
[ -s $fuzz/build/obj/autostubs.txt ] && echo "# $(cut -c1-200 $fuzz/build/obj/autostubs.txt)..."

export OPENBLAS_NUM_THREADS=1
sym=$(ls /usr/bin/llvm-symbolizer-[0-9]* 2>/dev/null | sort -V | tail -1)	# test/deps.sh installs it
[ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH=$sym
export ASAN_OPTIONS="abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
opts=(-max_len=8192 -timeout=30 -malloc_limit_mb=1024 -rss_limit_mb=2048)

for bin in $fuzz/build/fuzz_*; do
	[ -x "$bin" ] || continue
	target=$(basename "$bin")
	dict=()
	[ -f "$fuzz/$target.dict" ] && dict=(-dict="$fuzz/$target.dict")

	# 1. reproducers of earlier findings
	regressions=()
	[ -d "$fuzz/regressions/$target" ] && mapfile -t regressions < <(ls "$fuzz/regressions/$target"/* 2>/dev/null)
	if [ ${#regressions[@]} -gt 0 ]; then
		bad=()
		for f in "${regressions[@]}"; do
			if ! log=$("$bin" "${opts[@]}" -runs=1 "$f" 2>&1); then
				bad+=("$(basename "$f")")
				echo "$log" | grep -E 'FINDING|runtime error|ERROR: AddressSanitizer|SUMMARY' | head -3 |
					sed "s|^|# $(basename "$f"): |"
			fi
		done
		if [ ${#bad[@]} -eq 0 ]; then
			tap ok "$target: ${#regressions[@]} regression inputs run clean"
		else
			tap "not ok" "$target: ${#bad[@]} of ${#regressions[@]} regression inputs still fail: ${bad[*]}"
		fi
	fi

	# 2. a short fuzz run from the seeds (a scratch copy: the seeds stay as they are)
	work=$(mktemp -d /tmp/maas-fuzz.XXXXXX)
	artifacts=$fuzz/build/artifacts/$target
	mkdir -p "$artifacts"
	"$bin" "${opts[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$work" "$fuzz/corpus/$target" >"$work.log" 2>&1
	rc=$?
	execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work.log" | grep -oE '[0-9]+$')
	if [ $rc -eq 0 ]; then
		tap ok "$target: ${execs:-0} execs, 0 crashes"
	else
		grep -E 'FINDING|runtime error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY|Test unit written' "$work.log" |
			head -8 | sed 's/^/# /'
		# where it happened, and the input itself: a CI log is all there is of a CI run
		grep -E '^ +#[0-9]+ ' "$work.log" | head -16 | sed 's/^ */# /'
		for f in "$artifacts"/*; do
			[ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ] || continue
			echo "# $(basename "$f") as base64 (base64 -d > $f to replay):"
			base64 -w 100 "$f" | sed 's/^/#   /'
		done
		tap "not ok" "$target: a finding after ${execs:-some} execs (input in $artifacts/)"
	fi
	rm -rf "$work" "$work.log"
done
echo "# fuzz.sh took $(($(date +%s) - t0)) s"
[ $fail = 0 ]
