
# naive_bayes, elastic_net and lasso: coordinate descent reports its sweeps
# and its path while it runs, stops promptly on statement_timeout and
# pg_cancel_backend leaving nothing behind, and the models are the same
# bytes at any maas.threads.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use IPC::Run;
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('nb_enet');
load_datasets($node, 'postgres');
# 3,000 rows x 100 features: a coordinate descent sweep costs ~25 us, so
# tol 0 keeps it busy for max_iter sweeps
$node->safe_psql('postgres', q{
SELECT setseed(0.3);
CREATE TABLE wide AS
SELECT i, ARRAY(SELECT random() FROM generate_series(1, 100) WHERE i > 0) AS x, random() AS y
FROM generate_series(1, 3000) i;
});

# 1. progress: the sweeps of one fit, then the alphas of a path
my ($out, $lines, $took) = run_timed($node, "SET maas.progress_interval = '100ms'",
	q{SELECT version FROM maas_train('p_lasso', 'lasso', 'SELECT x, y FROM wide', 'y',
		'{"alpha": 1e-5, "tol": 0, "max_iter": 50000}')});
is($out, '1', 'lasso with tol 0 trains');
my @sweeps = map { $_->[1] =~ /^NOTICE:  lasso: sweep (\d+), largest change [\d.e+-]+, largest coefficient [\d.e+-]+$/ ? $1 : () } @$lines;
cmp_ok(scalar(@sweeps), '>=', 2, sprintf("at least two sweep reports in %.1f s: @sweeps", $took));
ok((!grep { $sweeps[$_] <= $sweeps[ $_ - 1 ] } 1 .. $#sweeps), 'sweeps grow');
cmp_ok($sweeps[-1], '<=', 50000, 'no more sweeps than max_iter');

($out, $lines, $took) = run_timed($node, "SET maas.progress_interval = '100ms'",
	q{SELECT version FROM maas_train('p_path', 'elastic_net', 'SELECT x, y FROM wide', 'y',
		'{"path": true, "n_alphas": 40, "eps": 1e-4, "tol": 0, "max_iter": 1500}')});
is($out, '1', 'elastic_net path trains');
my @alphas = map { $_->[1] =~ /^NOTICE:  elastic_net: path alpha (\d+) of 40 \([\d.e+-]+\), \d+ sweeps$/ ? $1 : () } @$lines;
cmp_ok(scalar(@alphas), '>=', 2, sprintf("at least two path reports in %.1f s: @alphas", $took));
ok((!grep { $alphas[$_] <= $alphas[ $_ - 1 ] } 1 .. $#alphas), 'path alphas advance');
is($node->safe_psql('postgres',
	q{SELECT jsonb_array_length(maas_info('p_path')->'parameters'->'path'->'coefficients')}),
	'40', 'maas_info lists the 40 alphas');

# 2. statement_timeout and pg_cancel_backend stop coordinate descent
my $endless = q{SELECT maas_train('c_enet', 'elastic_net', 'SELECT x, y FROM wide', 'y',
	'{"alpha": 1e-6, "tol": 0, "max_iter": 100000000}')};
my $start = time;
my ($ret, $o, $err) = $node->psql('postgres', "SET statement_timeout = '1s';\n$endless", timeout => 60);
my $elapsed = time - $start;
like($err, qr/canceling statement due to statement timeout/, 'statement_timeout cancels elastic_net');
cmp_ok($elapsed, '<', 3, sprintf('within 3 s (%.2f s)', $elapsed));

my $bg = start_psql($node, 'postgres', [$endless], 'nbenet_cancel');
my $pid = backend_pid($node, 'nbenet_cancel', '%c_enet%', 0.5);
ok(defined $pid, 'the endless fit is running');
$start = time;
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$bg->{h}->finish;
$elapsed = time - $start;
like(${ $bg->{err} }, qr/canceling statement due to user request/, 'pg_cancel_backend cancels elastic_net');
cmp_ok($elapsed, '<', 2, sprintf('within 2 s (%.2f s)', $elapsed));
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 'c_enet'}), '0',
	'no model row left');

# 3. the same model bytes at any maas.threads
for my $case ([ 'naive_bayes', 'penguins', 'species', '{}' ],
	[ 'naive_bayes', 'digits', 'digit', '{"kind": "multinomial"}' ],
	[ 'elastic_net', 'diabetes', 'progression', '{"alpha": 0.1, "path": true, "n_alphas": 10}' ],
	[ 'lasso', 'SELECT x, y FROM wide', 'y', '{"alpha": 1e-3, "selection": "random"}' ])
{
	my ($algorithm, $source, $target, $params) = @$case;
	my @md5;
	for my $threads (1, 4)
	{
		push @md5, $node->safe_psql('postgres', qq{
SET maas.threads = $threads;
SET maas.progress_interval = 0;
SELECT md5(m.model) FROM maas_train('t_$threads', '$algorithm', \$\$$source\$\$, '$target', '$params') r
JOIN maas.models m ON m.name = r.name AND m.version = r.version});
	}
	is($md5[0], $md5[1], "$algorithm on $source: the same bytes with 1 and 4 threads");
}

done_testing();
