
# als on a few hundred thousand ratings: progress NOTICEs per iteration,
# statement_timeout and pg_cancel_backend stop training promptly in the
# solver's threads and leave nothing behind, maas.max_memory refuses before
# allocating, and a model trained with 1 or 2 threads is the same.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('als');
$node->safe_psql('postgres', q{
CREATE EXTENSION maas;
-- 300,000 ratings: 20,000 users x 5,000 items, 15 each, with structure
CREATE TABLE ratings AS
SELECT u, (u * 7 + k * 331) % 5000 AS item,
	   1 + ((u % 5) + ((u * 7 + k * 331) % 5000) % 3 + k % 2) % 5 AS rating
FROM generate_series(0, 19999) u, generate_series(0, 14) k;
});

my $long = q{SELECT maas_train('a_long', 'als', 'ratings', 'rating',
	'{"user": "u", "item": "item", "factors": 128, "iterations": 1000}')};
my $long_implicit = q{SELECT maas_train('a_long', 'als', 'ratings', 'rating',
	'{"user": "u", "item": "item", "factors": 128, "iterations": 1000, "implicit": true,
	  "cg_steps": 10}')};
my $no_rows = q{SELECT count(*) FROM maas.models WHERE name = 'a_long'};

# 1. progress: a NOTICE per iteration with the training loss
my ($ret, $out, $err) = $node->psql('postgres', q{
SET maas.progress_interval = '1ms';
SELECT version FROM maas_train('a_progress', 'als', 'ratings', 'rating',
	'{"user": "u", "item": "item", "factors": 8, "iterations": 3}')});
is($ret, 0, 'training with progress reports succeeds');
for my $i (1 .. 3)
{
	like($err, qr/NOTICE:  als: iteration $i of 3, training rmse [0-9.e-]+, [0-9.]+ s/,
		"progress reports iteration $i");
}

# 2. statement_timeout, explicit and implicit
for my $case ([ 'explicit', $long ], [ 'implicit', $long_implicit ])
{
	my ($what, $sql) = @$case;
	my $start = time;
	($ret, $out, $err) = $node->psql('postgres', "SET statement_timeout = '1s';\n$sql",
		timeout => 120);
	my $elapsed = time - $start;
	like($err, qr/ERROR:  canceling statement due to statement timeout/,
		"$what: statement_timeout cancels als");
	cmp_ok($elapsed, '<', 3, sprintf("$what: within 3 s (%.2f s)", $elapsed));
	is($node->safe_psql('postgres', $no_rows), '0', "$what: no model row left");
}

# 3. pg_cancel_backend, once training has run for a second
{
	my $s = start_psql($node, 'postgres', [$long], 'als_cancel');
	my $pid = backend_pid($node, 'als_cancel', '%a_long%', 1);
	my $start = time;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	$s->{h}->finish;
	my $elapsed = time - $start;
	like(${ $s->{err} }, qr/canceling statement due to user request/, 'pg_cancel_backend cancels als');
	cmp_ok($elapsed, '<', 2, sprintf('within 2 s (%.2f s)', $elapsed));
	is($node->safe_psql('postgres', $no_rows), '0', 'no model row left');
}

# 4. maas.max_memory: refused before allocating, naming the setting
($ret, $out, $err) = $node->psql('postgres', q{SET maas.max_memory = '8MB';
SELECT maas_train('a_mem', 'als', 'ratings', 'rating', '{"user": "u", "item": "item", "factors": 256}')});
like($err, qr/ERROR:  .* needs \d+ MB, more than maas.max_memory \(8 MB\)/, 'max_memory refuses');

# 5. the same bytes with 1 and 2 threads, explicit and implicit
for my $implicit ('false', 'true')
{
	my $train = qq{SELECT maas_train('a_t%s', 'als', 'ratings', 'rating',
		'{"user": "u", "item": "item", "factors": 16, "iterations": 3, "implicit": $implicit,
		  "deploy": "always"}')};
	$node->safe_psql('postgres', "SET maas.threads = 1; " . sprintf($train, 1));
	$node->safe_psql('postgres', "SET maas.threads = 2; " . sprintf($train, 2));
	is( $node->safe_psql('postgres', q{SELECT count(DISTINCT md5(model)) FROM maas.models
		WHERE name IN ('a_t1', 'a_t2') AND version = (SELECT max(version) FROM maas.models m2
		WHERE m2.name = models.name)}),
		'1', "implicit $implicit: same model bytes for maas.threads 1 and 2");
}

$node->stop;
done_testing();
