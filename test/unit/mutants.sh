#!/usr/bin/env bash
# Can test/suite/nn.sh fail?  Each mutant below is a deliberate bug in a
# private copy of the sources (in a temp directory; the tree is not
# touched): a flipped sign, a dropped derivative factor, a wrong constant.
# The copy's test/suite/nn.sh must report at least one "not ok" for each.
# Prints TAP: "ok" = the mutant was caught.  By hand, a few minutes:
#
#   test/unit/mutants.sh            # all
#   test/unit/mutants.sh 3 7        # the 3rd and 7th
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

# file | text | replacement | what it breaks  (literal text, first occurrence)
mutants=$(cat <<'EOF'
src/algorithms/nn/layers.c|1.0f, w->a[l], layer->in, dz, layer->out,|-1.0f, w->a[l], layer->in, dz, layer->out,|dW's sign flipped
src/algorithms/nn/layers.c|db[k] += dzr[k];|db[k] -= dzr[k];|db's sign flipped
src/algorithms/nn/layers.c|0.0f, dinput, layer->in);|0.0f, dinput, layer->in); if (dinput) dinput[0] = -dinput[0];|dinput's first entry's sign flipped
src/algorithms/nn/layers.c|d[i] *= 1 - a * a;|d[i] *= 1 + a * a;|tanh' = 1 + a^2
src/algorithms/nn/layers.c|d[i] *= a * (1 - a);|d[i] *= a;|sigmoid' = a
src/algorithms/nn/layers.c|d[i] = z[i] > 0 ? d[i] : 0;|d[i] = z[i] > 0 ? d[i] : 0.01f * d[i];|relu' = 0.01 below 0
src/algorithms/nn/layers.c|d[i] = z[i] > 0 ? d[i] : NN_LEAKY_SLOPE * d[i];|d[i] = z[i] > 0 ? d[i] : 0;|leaky_relu' = 0 below 0 (a 1 % effect)
src/algorithms/nn/layers.c|d[i] *= cdf + z[i] * pdf;|d[i] *= cdf;|gelu' without its z pdf(z) term
src/algorithms/nn/layers.c|da[i] *= w->mask[l - 1][i];|da[i] *= 1;|backward ignores the dropout mask
src/algorithms/nn/layers.c|mask[i] = pg_prng_double(dropout_rng) < layer->dropout ? 0.0f : 1.0f / keep;|mask[i] = pg_prng_double(dropout_rng) < layer->dropout ? 0.0f : 1.0f;|dropout without the 1 / (1 - p) scale
src/algorithms/nn/layers.c|return 0.5f * x * (1.0f + erff(x * (float) M_SQRT1_2));|return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));|forward gelu is the tanh approximation
src/algorithms/nn/nn.h|#define NN_LEAKY_SLOPE	0.01f|#define NN_LEAKY_SLOPE	0.02f|leaky_relu's slope 0.02, forward and backward alike
src/algorithms/nn/loss.c|dr[0] = scale * 2 * e;|dr[0] = scale * e;|mse' without its 2
src/algorithms/nn/loss.c|dr[0] = scale * (float) (e > 0 ? huber_delta : -huber_delta);|dr[0] = scale * (float) (e > 0 ? 1.0 : -1.0);|huber' = sign(e) in its linear branch, whatever delta
src/algorithms/nn/loss.c|dr[0] = scale * ((float) MaasSigmoid(v) - y[r]);|dr[0] = scale * (y[r] - (float) MaasSigmoid(v));|binary cross-entropy's gradient sign flipped
src/algorithms/nn/loss.c|total += top + log(sum) - zr[c];|total += log(sum) - zr[c];|categorical cross-entropy's loss without the max it subtracted
src/algorithms/nn/loss.c|total += (double) e * e;|total += 0.5 * e * e;|mse's loss halved (its gradient not)
src/core/optimizer.c|d = o->nesterov ? d + mu * o->m[i] : o->m[i];|d = o->m[i];|nesterov is plain momentum
src/core/optimizer.c|o->m[i] = o->t == 1 ? d : mu * o->m[i] + d;|o->m[i] = mu * o->m[i] + (1 - mu) * d;|momentum with dampening
src/core/optimizer.c|w[i] -= step * (m / c1) / (sqrtf(v) / c2 + eps);|w[i] -= step * (m / c1) / (sqrtf(v) + eps);|adam without the second moment's bias correction
src/core/optimizer.c|w[i] -= decay * w[i];|w[i] -= 0.5f * decay * w[i];|adamw's decay halved
src/algorithms/nn/mlp.c|NnActivate(layer->activation, z, z, 1, layer->out);|NnActivate(NN_TANH, z, z, 1, layer->out);|predict's hidden layers all tanh
src/algorithms/nn/recurrent.c|dzr[units + j] = cp ? dct * cp[k] * fg * (1.0f - fg) : 0.0f;|dzr[units + j] = cp ? dct * cp[k] * fg : 0.0f;|lstm forget gate' without (1 - f)
src/algorithms/nn/recurrent.c|float		dct = dht * og * (1.0f - tc * tc) + dc_next[k];|float		dct = dht * og * (1.0f - tc * tc);|lstm cell gradient not carried back in time
src/algorithms/nn/recurrent.c|ht[(int64) r * units + j] = og * tanhf(cv);|ht[(int64) r * units + j] = og * cv;|lstm output without tanh of the cell
src/algorithms/nn/recurrent.c|float		dzg = dht * (hprev - ng) * zg * (1.0f - zg);|float		dzg = dht * (ng - hprev) * zg * (1.0f - zg);|gru update gate's gradient sign flipped
src/algorithms/nn/recurrent.c|dhr[2 * units + j] = dn * rg;|dhr[2 * units + j] = dn;|gru recurrent n gradient without the reset gate
src/algorithms/nn/recurrent.c|grad[bh + j] += dah[r * G + j];|grad[bh + j] += dax[r * G + j];|gru recurrent bias gets the input bias's gradient
src/algorithms/nn/recurrent.c|g[j] += dout[i * dim + j];|g[j] = dout[i * dim + j];|embedding gradient overwrites repeated ids
src/algorithms/nn/recurrent.c|const float *e = dxr + (int64) (T - 1 - t) * step;|const float *e = dxr + (int64) t * step;|bidirectional: the reversed direction's input gradient not reversed back
src/algorithms/nn/conv.c|j > 0 ? 1.0f : 0.0f, y, filters);|0.0f, y, filters);|conv forward keeps only the window's last offset
src/algorithms/nn/conv.c|for (int t = 1; t <= T - width; t++)|for (int t = 1; t <= T - width + 1; t++)|max pooling reads one window past the document's end
src/algorithms/nn/conv.c|pooled[(int64) b * ld + f] = Max(y[best * filters + f] + bias[f], 0.0f);|pooled[(int64) b * ld + f] = y[best * filters + f] + bias[f];|conv without its ReLU
src/algorithms/nn/conv.c|if (!(pooled[i] > 0))|if (false)|conv backward ignores the ReLU
src/algorithms/nn/conv.c|dbias[f] += g;|dbias[f] -= g;|conv bias gradient's sign flipped
src/algorithms/nn/conv.c|dxr[c] += g * params[k + (int64) c * filters];|dxr[c] += g * params[k + c];|conv input gradient reads the kernel transposed
src/algorithms/nn/attention.c|dx[r * d + j] = (float) (rstd[r] * (g[j] * gamma[j] - mg - h[j] * mgh));|dx[r * d + j] = (float) (rstd[r] * (g[j] * gamma[j] - mg));|layer norm's input gradient without its variance term
src/algorithms/nn/attention.c|s = (float) (1.0 / sqrt(var / d + NN_LAYER_NORM_EPS));|s = (float) (1.0 / sqrt(var / (d - 1) + NN_LAYER_NORM_EPS));|layer norm with the unbiased variance
src/algorithms/nn/attention.c|dgamma[j] += g[j] * h[j];|dgamma[j] += g[j];|layer norm's gain gradient without xhat
src/algorithms/nn/attention.c|scale, q, 3 * d, q + d, 3 * d, 0.0f, p, T);|1.0f, q, 3 * d, q + d, 3 * d, 0.0f, p, T);|attention scores not scaled by 1 / sqrt(d_head)
src/algorithms/nn/attention.c|MaskedSoftmax(p, T, lens[b]);|cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, scale, q, 3 * d, q + d, 3 * d, 0.0f, p, T); MaskedSoftmax(p, T, T);|padding not masked: every key scored and weighed
src/algorithms/nn/attention.c|dr[j] = pr[j] * (dr[j] - (float) dot) * scale;|dr[j] = pr[j] * dr[j] * scale;|softmax's gradient without its row sum
src/algorithms/nn/attention.c|dr[j] = pdr[j] != 0.0f ? dr[j] * keep : 0.0f;|dr[j] = pdr[j] != 0.0f ? dr[j] : 0.0f;|attention dropout's backward without the 1 / (1 - p) scale
src/algorithms/nn/attention.c|1.0f, dp, T, q, 3 * d, 0.0f, dq + d, 3 * d);|1.0f, dp, T, q, 3 * d, 0.0f, dq + d, 3 * d); dq[d] = -dq[d];|a key gradient's sign flipped
src/algorithms/nn/attention.c|memcpy(dx, w->d1, sizeof(float) * rows * d);|memset(dx, 0, sizeof(float) * rows * d);|encoder backward drops the first residual
src/algorithms/nn/attention.c|Scale(w->dh, c->dropped ? c->mh : NULL, rows * s->ff);|Scale(w->dh, NULL, rows * s->ff);|backward ignores the feed-forward's dropout mask
src/algorithms/nn/attention.c|if (z[i] <= 0)|if (z[i] < -0.1f)|relu' = 1 a little below 0
EOF
)

work=$(mktemp -d /tmp/maas-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/test/fuzz" "$work/test/reference" "$work/test/suite"
cp -a "$root/src" "$work/"
cp -a "$root/test/unit" "$work/test/"	# build/ too: unchanged objects are reused
cp -a "$root/test/fuzz/pg_stubs.c" "$root/test/fuzz/pg_stubs.h" "$work/test/fuzz/"
cp -a "$root/test/reference/nn_reference.txt" "$root/test/reference/nn_recurrent_reference.txt" \
	"$root/test/reference/nn_conv_reference.txt" \
	"$root/test/reference/nn_attention_reference.txt" "$work/test/reference/"
cp -a "$root/test/suite/nn.sh" "$work/test/suite/"
cp -a "$root/test/pg-env.sh" "$work/test/"

n=0
fail=0
total=$(echo "$mutants" | wc -l)
echo "1..$total"
while IFS='|' read -r file text replacement what; do
	n=$((n + 1))
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$n"; then
		echo "ok $n - # SKIP $what"
		continue
	fi
	cp "$work/$file" "$work/original"
	if ! /usr/bin/python3 - "$work/$file" "$text" "$replacement" <<'EOF'
import sys
path, text, repl = sys.argv[1:]
s = open(path).read()
if text not in s:
    sys.exit(1)
open(path, "w").write(s.replace(text, repl, 1))
EOF
	then
		echo "not ok $n - $what: the text is no longer in $file (update the mutant)"
		fail=1
		continue
	fi
	log=$("$work/test/suite/nn.sh" 2>&1)
	cp "$work/original" "$work/$file"	# a new mtime: the next build recompiles it
	caught=$(echo "$log" | grep -c '^not ok')
	if [ "$caught" -gt 0 ]; then
		echo "ok $n - $what ($file): $caught tests fail"
		echo "$log" | grep '^not ok' | head -3 | cut -c1-150 | sed 's/^/#   /'
	else
		echo "not ok $n - $what ($file): no test fails"
		fail=1
	fi
done <<<"$mutants"
exit $fail
