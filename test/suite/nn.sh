#!/usr/bin/env bash
# The neural network family's unit tests (test/unit/nn_*_test.c), run
# outside the server: gradients of every activation and loss against finite
# differences and dropout (nn_grad_test), the optimizers against
# torch.optim (nn_optimizer_test), forward and backward passes and mlp's
# predict against PyTorch on the same weights (nn_reference_test; the
# numbers are test/reference/nn_reference.txt, written by
# test/reference/nn_reference.py: no torch needed here).  Builds with
# test/unit/build.sh (objects reused while unchanged), runs each, and
# prints their TAP lines numbered as one run.
set -uo pipefail
cd "$(dirname "$0")/../.."
tests=(nn_grad_test nn_optimizer_test nn_reference_test nn_recurrent_test nn_conv_test nn_attention_test)
t0=$(date +%s)
if ! out=$(test/unit/build.sh "${tests[@]}" 2>&1); then
	echo "$out" | tail -20 | sed 's/^/# /'
	echo "not ok 1 - build ${tests[*]}"
	echo "1..1"
	exit 1
fi
echo "# built ${tests[*]} in $(($(date +%s) - t0)) s"

export OPENBLAS_NUM_THREADS=1
sym=$(ls /usr/bin/llvm-symbolizer-[0-9]* 2>/dev/null | sort -V | tail -1)	# test/deps.sh installs it
[ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH=$sym
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
log=$(mktemp /tmp/maas-nn.XXXXXX)
trap 'rm -f "$log"' EXIT
n=0
fail=0
for t in "${tests[@]}"; do
	UNIT_TAP_OFFSET=$n test/unit/build/$t test/reference/nn_reference.txt >"$log" 2>&1
	rc=$?
	cat "$log"
	n=$((n + $(grep -cE '^(not )?ok [0-9]' "$log")))
	grep -q '^not ok' "$log" && fail=1
	# a crash (a sanitizer report, an aborting stub) ends a program early
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log"; then
		n=$((n + 1))
		echo "not ok $n - $t exited with status $rc"
		fail=1
	fi
done
echo "1..$n"
echo "# nn.sh took $(($(date +%s) - t0)) s"
exit $fail
