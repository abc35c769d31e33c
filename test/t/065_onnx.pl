
# ONNX models through ONNX Runtime (the optional module maas_onnx).
# Where the module is absent (Debian 12: no libonnxruntime-dev), checks the
# error that says what to install, and the spec errors found before the
# module is needed.  Where it is present and python3-torch, python3-onnx and
# python3-onnxruntime are installed (the version matrix's Debian 13 chroot),
# builds small random PyTorch models, exports them to ONNX
# (test/onnx/make_models.py), imports them and compares maas's predictions
# with PyTorch's to 1e-4; bad specs and corrupt bytes are errors, and
# maas.threads bounds ONNX Runtime's threads.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use JSON::PP;
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = maas_node('onnx');
$node->safe_psql('postgres', 'CREATE EXTENSION maas');
my $pkglib = `$ENV{PG_CONFIG} --pkglibdir` if $ENV{PG_CONFIG};
$pkglib //= $node->safe_psql('postgres', "SELECT setting FROM pg_config() WHERE name = 'PKGLIBDIR'");
chomp $pkglib;
my $module = -e "$pkglib/maas_onnx.so";

# the spec is checked before ONNX Runtime is loaded: the same everywhere
like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x00'::bytea)}),
	qr/^22023: invalid onnx spec member "output"/, 'a spec is required');
like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x00'::bytea, '{"output": "values"}')}),
	qr/^22023: invalid onnx spec member "output"/, 'output: a choice');
like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x00'::bytea, '{"output": "value", "pooling": "mean"}')}),
	qr/^22023: invalid onnx spec member "pooling"/, 'pooling only for embeddings');
like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x00'::bytea, '{"output": "classes", "text": "t"}')}),
	qr/^22023: invalid onnx spec member "tokenizer"/, 'text needs a tokenizer');
like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x00'::bytea, '{"output": "value", "outputs": 1}')}),
	qr/^22023: invalid onnx spec member "outputs"/, 'unknown member');
like(sql_error($node, 'postgres', q{SELECT maas_train('o', 'onnx', 'SELECT 1 AS x, 2 AS y', 'y')}),
	qr/^0A000: algorithm "onnx" is not trained by maas/, 'onnx is not trained');

if (!$module)
{
	like(sql_error($node, 'postgres', q{SELECT maas_import('o', 'onnx', '\x0801'::bytea, '{"output": "value"}')}),
		qr/^0A000: ONNX models need the module maas_onnx/, 'without ONNX Runtime: the error says what to install');
	my (undef, undef, $err) = $node->psql('postgres', q{SELECT maas_import('o', 'onnx', '\x0801'::bytea, '{"output": "value"}')});
	like($err, qr/libonnxruntime-dev/, 'the hint names the package');
	$node->stop;
	done_testing();
	exit 0;
}

my $have_torch = system('/usr/bin/python3', '-c', 'import torch, onnx, onnxruntime') == 0;
SKIP:
{
	skip 'python3-torch, python3-onnx or python3-onnxruntime is not installed', 1 unless $have_torch;
	my $dir = PostgreSQL::Test::Utils::tempdir();
	my $out = `/usr/bin/python3 test/onnx/make_models.py $dir 2>&1`;
	is($?, 0, 'PyTorch builds and exports the models') or diag($out);
	my $ref = decode_json(slurp_file("$dir/reference.json"));
	check_features($dir, $ref);
	check_errors($dir);
	check_threads($dir);
	check_text($dir, $ref) if text_supported();
}
$node->stop;
done_testing();

sub max_diff
{
	my ($got, $want) = @_;
	my $max = 0;
	return 1e300 unless @$got == @$want;
	for my $i (0 .. $#$want)
	{
		my $d = abs($got->[$i] - $want->[$i]);
		$max = $d if $d > $max || $d != $d;
	}
	return $max;
}

# rows of numbers from psql -A output, one array per line ({..} or a value)
sub rows_of
{
	my ($text) = @_;
	return [ map { s/[{}]//g; [ split /,/ ] } split /\n/, $text ];
}

sub check_features
{
	my ($dir, $ref) = @_;
	my @rows = @{ $ref->{rows} };
	my $values = join(",\n", map { my $i = $_; sprintf('(%d, %s, %s)', $i,
		join(', ', map { sprintf('%.3f', $_) } @{ $rows[$i] }), $ref->{value}[$i]) } 0 .. $#rows);
	$node->safe_psql('postgres', qq{
CREATE TABLE onnx_rows (id int, a float8, b float8, c float8, d float8, y float8);
INSERT INTO onnx_rows VALUES $values;
SELECT maas_import('mlp_class', 'onnx', pg_read_binary_file('$dir/mlp_class.onnx'),
	'{"output": "classes", "features": ["a", "b", "c", "d"], "labels": ["low", "mid", "high"]}');
SELECT maas_import('mlp_reg', 'onnx', pg_read_binary_file('$dir/mlp_reg.onnx'),
	'{"output": "value", "features": ["a", "b", "c", "d"], "target": "y"}');
});
	my $proba = rows_of($node->safe_psql('postgres',
		'SELECT maas_predict_proba(\'mlp_class\', r) FROM onnx_rows r ORDER BY id'));
	my $max = 0;
	for my $i (0 .. $#rows)
	{
		my $d = max_diff($proba->[$i], $ref->{proba}[$i]);
		$max = $d if $d > $max;
	}
	ok($max < 1e-4 && @$proba == @rows, "classes: maas_predict_proba equals PyTorch's softmax (max difference $max)");
	my @labels = qw(low mid high);
	my @want = map { my $p = $_; my $k = 0; $p->[$_] > $p->[$k] and $k = $_ for 0 .. 2; $labels[$k] } @{ $ref->{proba} };
	my @got = split /\n/, $node->safe_psql('postgres',
		'SELECT maas_predict_class(\'mlp_class\', r) FROM onnx_rows r ORDER BY id');
	is_deeply(\@got, \@want, 'maas_predict_class gives the labels of the largest probabilities');
	my @value = split /\n/, $node->safe_psql('postgres',
		'SELECT maas_predict(\'mlp_reg\', ARRAY[a, b, c, d]) FROM onnx_rows ORDER BY id');
	$max = max_diff(\@value, $ref->{value});
	ok($max < 1e-4, "value: maas_predict equals PyTorch's output (max difference $max)");
	# maas_evaluate predicts the rows in batches (predict_matrix)
	my $rmse = $node->safe_psql('postgres',
		q{SELECT maas_evaluate('mlp_reg', 'SELECT a, b, c, d, y FROM onnx_rows')->>'rmse'});
	ok($rmse ne '' && $rmse < 1e-5, "the batch path (maas_evaluate) agrees with PyTorch (rmse $rmse)");
	my $info = $node->safe_psql('postgres', q{SELECT maas_info(model)->>'algorithm' FROM maas.models WHERE name = 'mlp_class'});
	is($info, 'onnx', 'maas_info names the algorithm');
	return;
}

sub check_errors
{
	my ($dir) = @_;
	my $f = "pg_read_binary_file('$dir/mlp_class.onnx')";
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', substring($f from 1 for 300), '{"output": "classes"}')}),
		qr/^22P03: invalid onnx model/, 'truncated bytes: invalid onnx model');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', decode(repeat('ff00', 500), 'hex'), '{"output": "value"}')}),
		qr/^22P03: invalid onnx model/, 'random bytes: invalid onnx model');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "value"}')}),
		qr/^22023: onnx model output "y" gives 3 values a row, not one value/, 'value of a 3-class output');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "classes", "output_name": "z"}')}),
		qr/^22023: onnx model has no output "z"/, 'an output it lacks');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "classes", "input": "q"}')}),
		qr/^22023: onnx model has no input "q"/, 'an input it lacks');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "classes", "features": ["a", "b"]}')}),
		qr/^22023: invalid maas_import option "features"/, 'features of another count');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "classes", "labels": ["a", "b"]}')}),
		qr/^22023: invalid maas_import option "labels"/, 'labels of another count');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $f, '{"output": "classes", "text": "t", "tokenizer": {"model": {}}}')}),
		qr/^22023: onnx text model has input "x"|^(22P02|0A000|22023): /, 'a features model as a text model');
	# flip bytes in the middle of the weights' protobuf: an error or a model, never a crash
	for my $at (100, 400, 700)
	{
		sql_error($node, 'postgres', qq{SELECT maas_import('fuzz', 'onnx', overlay($f placing '\\xffffffff'::bytea from $at), '{"output": "classes"}')});
	}
	is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up after the bad bytes');
	return;
}

sub check_threads
{
	my ($dir) = @_;
	my $threads = sub {
		my ($n) = @_;
		return $node->safe_psql('postgres', qq{
SET maas.threads = $n;
SELECT count(maas_predict('mlp_class', ARRAY[a, b, c, d])) FROM onnx_rows;
SELECT substring(pg_read_file('/proc/self/status') from 'Threads:\\s*(\\d+)');
});
	};
	my $one = $threads->(1);
	my $three = $threads->(3);
	like($one, qr/\n1$/, "maas.threads = 1: the backend runs no other thread");
	like($three, qr/\n3$/, "maas.threads = 3: ONNX Runtime runs two threads beside the backend");
	my $same = $node->safe_psql('postgres', q{
SET maas.threads = 1;
CREATE TEMP TABLE p1 AS SELECT id, maas_predict_proba('mlp_class', r) AS p FROM onnx_rows r;
SET maas.threads = 3;
SELECT count(*) FROM onnx_rows r JOIN p1 USING (id) WHERE p1.p IS DISTINCT FROM maas_predict_proba('mlp_class', r);
});
	is($same, '0', 'the same probabilities with 1 and 3 threads');
	return;
}

sub text_supported { return 1; }

# max difference of each row of psql arrays from the reference rows
sub rows_diff
{
	my ($text, $want) = @_;
	my $got = rows_of($text);
	return 1e300 unless @$got == @$want;
	my $max = 0;
	for my $i (0 .. $#$want)
	{
		my $d = max_diff($got->[$i], $want->[$i]);
		$max = $d if $d > $max;
	}
	return $max;
}

sub check_text
{
	my ($dir, $ref) = @_;
	my @texts = @{ $ref->{texts} };
	my $values = join(",\n", map { sprintf('(%d, %s)', $_, $node->safe_psql('postgres',
		'SELECT quote_literal($t$' . $texts[$_] . '$t$)')) } 0 .. $#texts);
	my $tok = "pg_read_file('$dir/tokenizer.json')::jsonb";
	my $bert = "pg_read_binary_file('$dir/bert.onnx')";
	$node->safe_psql('postgres', qq{
CREATE TABLE onnx_texts (id int, body text);
INSERT INTO onnx_texts VALUES $values;
SELECT maas_import('bert_cls', 'onnx', $bert, jsonb_build_object('output', 'classes',
	'output_name', 'logits', 'text', 'body', 'tokenizer', $tok, 'labels', '["neg", "neu", "pos"]'::jsonb));
SELECT maas_import('bert_mean', 'onnx', $bert, jsonb_build_object('output', 'embedding',
	'output_name', 'last_hidden_state', 'text', 'body', 'tokenizer', $tok));
SELECT maas_import('bert_norm', 'onnx', $bert, jsonb_build_object('output', 'embedding',
	'output_name', 'last_hidden_state', 'text', 'body', 'tokenizer', $tok, 'normalize', true));
SELECT maas_import('bert_first', 'onnx', $bert, jsonb_build_object('output', 'embedding',
	'output_name', 'last_hidden_state', 'text', 'body', 'tokenizer', $tok, 'pooling', 'cls'));
});
	# the ids PyTorch was given are the C tokenizer's (Chinese, accents, emoji, truncation)
	my $ids = rows_of($node->safe_psql('postgres',
		"SELECT maas_tokenize($tok, body) FROM onnx_texts ORDER BY id"));
	is_deeply($ids, $ref->{ids}, 'the tokenizer gives the ids the reference fed PyTorch');
	my $d = rows_diff($node->safe_psql('postgres',
		'SELECT maas_predict_proba(\'bert_cls\', body) FROM onnx_texts ORDER BY id'), $ref->{text_proba});
	ok($d < 1e-4, "text classes: maas_predict_proba(name, text) equals PyTorch (max difference $d)");
	my @labels = qw(neg neu pos);
	my @want = map { my $p = $_; my $k = 0; $p->[$_] > $p->[$k] and $k = $_ for 0 .. 2; $labels[$k] } @{ $ref->{text_proba} };
	my @got = split /\n/, $node->safe_psql('postgres',
		'SELECT maas_predict_class(\'bert_cls\', t) FROM onnx_texts t ORDER BY id');
	is_deeply(\@got, \@want, 'maas_predict_class of a row: the labels of the largest probabilities');
	for my $case (['bert_mean', 'mean', 'mean pooling'], ['bert_norm', 'mean_normalized', 'mean pooling, normalized'],
		['bert_first', 'cls', 'CLS pooling'])
	{
		my ($name, $key, $what) = @$case;
		$d = rows_diff($node->safe_psql('postgres',
			"SELECT maas_transform('$name', t) FROM onnx_texts t ORDER BY id"), $ref->{$key});
		ok($d < 1e-4, "embedding, $what: maas_transform equals PyTorch (max difference $d)");
	}
	my $has_embed = $node->safe_psql('postgres', q{SELECT count(*) FROM pg_proc WHERE proname = 'maas_embed'});
	SKIP:
	{
		skip 'maas_embed is not in this build', 1 unless $has_embed;
		$d = rows_diff($node->safe_psql('postgres',
			"SELECT maas_embed('bert_norm', body) FROM onnx_texts ORDER BY id"), $ref->{mean_normalized});
		ok($d < 1e-4, "maas_embed equals PyTorch's normalized mean (max difference $d)");
	}
	check_text_batch($bert, $tok);
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $bert, jsonb_build_object('output', 'classes', 'text', 'body', 'tokenizer', '{"model": {"type": "Unigram"}}'::jsonb))}),
		qr/^(0A000|22023|22P02): /, 'an unsupported tokenizer: an error');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $bert, jsonb_build_object('output', 'value', 'output_name', 'last_hidden_state', 'text', 'body', 'tokenizer', $tok))}),
		qr/^22023: onnx model output "last_hidden_state" is of rank 3/, 'per-token output read as a value');
	like(sql_error($node, 'postgres', qq{SELECT maas_import('bad', 'onnx', $bert, '{"output": "classes", "output_name": "logits"}')}),
		qr/^22023: onnx model has 3 inputs/, 'a text model without "text"');
	return;
}

# maas_evaluate scores documents 32 a run, padded to each batch's longest
# (mask 0): its log loss equals the one of the rows predicted one at a time
sub check_text_batch
{
	my ($bert, $tok) = @_;
	$node->safe_psql('postgres', qq{
CREATE TABLE onnx_labelled AS
	SELECT row_number() OVER (ORDER BY g, id) AS n, body, (ARRAY['neg', 'neu', 'pos'])[1 + (id + g) % 3] AS label
	FROM onnx_texts, generate_series(0, 5) g;
INSERT INTO onnx_labelled VALUES (1000, '', 'neu');
SELECT maas_import('bert_eval', 'onnx', $bert, jsonb_build_object('output', 'classes',
	'output_name', 'logits', 'text', 'body', 'tokenizer', $tok, 'labels', '["neg", "neu", "pos"]'::jsonb,
	'target', 'label'));
});
	my $rows = $node->safe_psql('postgres',
		q{SELECT label, maas_predict_proba('bert_eval', body) FROM onnx_labelled ORDER BY n});
	my %class = (neg => 0, neu => 1, pos => 2);
	my ($loss, $correct, $n) = (0, 0, 0);
	for my $line (split /\n/, $rows)
	{
		my ($label, $p) = split /\|/, $line;
		$p =~ s/[{}]//g;
		my @p = map { $_ < 1e-15 ? 1e-15 : $_ > 1 - 1e-15 ? 1 - 1e-15 : $_ } split /,/, $p;
		my $total = $p[0] + $p[1] + $p[2];
		my $top = 0;
		$p[$_] > $p[$top] and $top = $_ for 1 .. 2;
		$loss -= log($p[ $class{$label} ] / $total);
		$correct++ if $top == $class{$label};
		$n++;
	}
	my $eval = decode_json($node->safe_psql('postgres',
		q{SELECT maas_evaluate('bert_eval', 'SELECT body, label FROM onnx_labelled')}));
	cmp_ok($n, '>', 64, "the documents fill more than two batches ($n rows)");
	my $d = abs($eval->{log_loss} - $loss / $n);
	ok($d < 1e-6, "maas_evaluate's batches give the one-at-a-time log loss (difference $d)");
	is(sprintf('%.0f', $eval->{accuracy} * $n), $correct, 'and the same predicted classes');
	return;
}
