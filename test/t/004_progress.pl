
# Progress reports: with maas.progress_interval = '100ms' a training run over
# 1M rows sends NOTICEs while it runs (rows read, then L-BFGS iterations
# with their loss), and so does maas_evaluate; the tree algorithms report
# their growth; with 0 nothing is reported.
use strict;
use warnings;

# MaasTAP.pm is next to this file: found by the path the test was run by,
# since $FindBin::RealBin is empty when a directory above is unreadable
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use IPC::Run;
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('progress');
$node->safe_psql('postgres', q{
CREATE EXTENSION maas;
SELECT setseed(0.2);
CREATE TABLE big AS
SELECT x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16,
	   (x1 + x2 - x3 + 0.5 * x4 - x5 + e > 0.5)::int AS label
FROM (SELECT random() x1, random() x2, random() x3, random() x4, random() x5, random() x6,
			 random() x7, random() x8, random() x9, random() x10, random() x11, random() x12,
			 random() x13, random() x14, random() x15, random() x16, random() - 0.5 e
	  FROM generate_series(1, 1000000)) s;
});


my $train = q{SELECT version FROM maas_train('progress', 'logistic_regression', 'big', 'label')};

# 1. every 100 ms
my ($out, $lines, $took) = run_timed($node, "SET maas.progress_interval = '100ms'", $train);
is($out, '1', 'training with progress reports succeeds');
note(sprintf('%.2f s: %s', @$_)) for @$lines;
my @read = grep { $_->[1] =~ /^NOTICE:  maas_train: read \d+ rows in [\d.]+ s$/ } @$lines;
my @iter = grep { $_->[1] =~ /^NOTICE:  logistic_regression: iteration \d+, loss [\d.e+-]+, gradient [\d.e+-]+$/ } @$lines;
cmp_ok(scalar(@read), '>=', 2, 'at least two "rows read" reports');
cmp_ok(scalar(@iter), '>=', 2, 'at least two iteration reports with the loss');
is(scalar(@$lines), scalar(@read) + scalar(@iter), 'nothing else on stderr');

my @rows = map { $_->[1] =~ /read (\d+) rows/ ? $1 : () } @read;
ok((!grep { $rows[$_] <= $rows[ $_ - 1 ] } 1 .. $#rows), "rows read grow: @rows");
ok((!grep { $_ > 1000000 || $_ % 65536 } @rows), 'rows read are counted in blocks of 65536, at most 1M');
my @its = map { $_->[1] =~ /iteration (\d+)/ ? $1 : () } @iter;
my @loss = map { $_->[1] =~ /loss ([\d.e+-]+)/ ? $1 : () } @iter;
ok((!grep { $its[$_] <= $its[ $_ - 1 ] } 1 .. $#its), "iterations grow: @its");
ok((!grep { $loss[$_] > $loss[ $_ - 1 ] } 1 .. $#loss), "the loss never rises: @loss");
ok($loss[0] < log(2) && $loss[-1] > 0, 'the loss lies between 0 and that of the zero model (log 2)');
ok($read[-1][0] <= $iter[0][0], 'reading is reported before the iterations');

# reports come while the statement runs, not at its end, and no more
# often than the interval allows (one clock serves reading and fitting)
my @times = map { $_->[0] } @read, @iter;
cmp_ok($times[0], '<', $took - 0.3, sprintf('first report %.2f s into a %.2f s run', $times[0], $took));
cmp_ok($times[-1] - $times[0], '>', 0.3, 'reports are spread over the run');
cmp_ok(scalar(@times), '<=', $took / 0.1 + 1, 'at most one report per 100 ms');

# 2. a second interval: 400 ms gives fewer reports than 100 ms
my ($out2, $lines2) = run_timed($node, "SET maas.progress_interval = '400ms'", $train);
is($out2, '2', 'training with 400 ms reports succeeds');
cmp_ok(scalar(@$lines2), '<', scalar(@$lines), sprintf('fewer reports at 400 ms (%d) than at 100 ms (%d)',
	scalar(@$lines2), scalar(@$lines)));

# 3. off: not one NOTICE
my ($out0, $lines0) = run_timed($node, "SET maas.progress_interval = 0", $train);
is($out0, '3', 'training without progress reports succeeds');
is(scalar(@$lines0), 0, 'maas.progress_interval = 0: no NOTICE at all')
  or diag(join("\n", map { $_->[1] } @$lines0));

# 4. maas_evaluate reports its reading too, and linear_regression its
my ($oute, $linese) = run_timed($node, "SET maas.progress_interval = '100ms'",
	q{SELECT (maas_evaluate('progress', 'big')->>'rows')::int});
is($oute, '1000000', 'maas_evaluate over 1M rows');
cmp_ok(scalar(grep { $_->[1] =~ /^NOTICE:  maas_evaluate: read \d+ rows in/ } @$linese), '>=', 2,
	'maas_evaluate reports the rows it read');
my ($outl, $linesl) = run_timed($node, "SET maas.progress_interval = '100ms'",
	q{SELECT version FROM maas_train('progress_linear', 'linear_regression', 'big', 'x1')});
is($outl, '1', 'linear_regression over 1M rows');
cmp_ok(scalar(grep { $_->[1] =~ /^NOTICE:  maas_train: read \d+ rows in/ } @$linesl), '>=', 2,
	'linear_regression training reports the rows it read');

# 5. the tree algorithms and mlp report their growth: decision_tree its nodes and
#    the share of rows in finished leaves, the ensembles their trees/rounds
my %tree_report = (
	decision_tree => [ '{"max_depth": 10}', qr/^NOTICE:  decision_tree: (\d+) nodes, depth \d+, (\d+)% of the rows in leaves$/ ],
	random_forest => [ '{"n_estimators": 24, "max_depth": 6}', qr/^NOTICE:  random_forest: tree (\d+)\/24, \d+ nodes$/ ],
	gradient_boosting => [ '{"n_estimators": 40, "max_depth": 5, "early_stopping_rounds": 0}',
						   qr/^NOTICE:  gradient_boosting: round (\d+)\/40, (?:training|validation) \S+ [\d.e+-]+$/ ],
	mlp => [ '{"hidden_layers": [16], "epochs": 6, "batch_size": 512, "early_stopping": true, "patience": 6}',
			 qr/^NOTICE:  mlp: epoch (\d+) of 6, loss [\d.e+-]+, validation loss [\d.e+-]+$/ ]);
for my $alg (sort keys %tree_report)
{
	my ($params, $re) = @{ $tree_report{$alg} };
	my ($outt, $linest) = run_timed($node, "SET maas.progress_interval = '100ms'",
		qq{SELECT version FROM maas_train('progress_$alg', '$alg', 'big', 'label', '$params')});
	is($outt, '1', "$alg over 1M rows");
	my @steps = map { $_->[1] =~ $re ? $1 : () } @$linest;
	cmp_ok(scalar(@steps), '>=', 2, sprintf('%s reports its growth (%d reports, up to %s)', $alg, scalar(@steps), $steps[-1] // 'none'))
	  or diag(join("\n", map { $_->[1] } @$linest));
	ok((!grep { $steps[$_] <= $steps[ $_ - 1 ] } 1 .. $#steps), "$alg: the count grows");
	if ($alg eq 'decision_tree')
	{
		my @share = map { $_->[1] =~ $re ? $2 : () } @$linest;
		ok((!grep { $share[$_] < $share[ $_ - 1 ] || $share[$_] > 100 } 1 .. $#share),
			"decision_tree: the share of rows in leaves grows, to $share[-1]%");
	}
}

# 6. the same table and seed give the same model even when another scan has
#    moved the synchronized scan position (big is larger than a quarter of
#    shared_buffers, where synchronized scans start)
my $sync_params = q{'{"max_depth": 4, "seed": 3, "deploy": "always"}'};
$node->safe_psql('postgres', "SELECT maas_train('sync', 'decision_tree', 'big', 'label', $sync_params)");
$node->safe_psql('postgres', 'SELECT count(*) FROM (SELECT * FROM big LIMIT 400000) s');
$node->safe_psql('postgres', "SELECT maas_train('sync', 'decision_tree', 'big', 'label', $sync_params)");
is( $node->safe_psql('postgres',
		q{SELECT count(DISTINCT metrics::text) || ' ' || count(*) FROM maas.models WHERE name = 'sync'}),
	'1 2', 'a partial scan in between does not change the seeded split or the model');
is($node->safe_psql('postgres', 'SHOW synchronize_seqscans'), 'on', 'the setting is back after training');

$node->stop;
done_testing();
