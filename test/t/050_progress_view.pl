
# maas.progress: another session watches a training run as it goes (pid,
# name, algorithm, phase, rows read, iteration of iterations, elapsed time,
# loss); a role sees only its roles' runs; the row leaves when the run ends,
# is cancelled, or fails inside a savepoint; without maas in
# shared_preload_libraries the view is empty and says so.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('progress_view');
$node->safe_psql('postgres', q{
CREATE EXTENSION maas;
SELECT setseed(0.5);
CREATE TABLE rows20k AS
SELECT a, b, c, (a + b - c + 0.3 * (random() - 0.5) > 0.5)::int AS y
FROM (SELECT random() a, random() b, random() c FROM generate_series(1, 20000)) s;
CREATE ROLE watcher LOGIN;
CREATE ROLE stats_reader LOGIN IN ROLE pg_read_all_stats;
GRANT USAGE ON SCHEMA maas TO watcher, stats_reader;
});
is($node->safe_psql('postgres', 'SELECT maas_progress_enabled()'), 't', 'preloaded: runs are published');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maas.progress'), '0', 'nothing runs: the view is empty');

# 1. a long run (2000 epochs, cancelled below), watched from here
my $bg = start_psql($node, 'postgres',
	[ q{SELECT maas_train('watched', 'mlp', 'rows20k', 'y', '{"hidden_layers": [32], "epochs": 2000, "early_stopping": false}')} ],
	'watched_run');
ok(defined wait_for_query($node, 'postgres',
		q{SELECT EXISTS (SELECT FROM maas.progress WHERE phase = 'fitting' AND iteration >= 2)}, 60),
	'the run shows up in maas.progress, fitting');
my $cols = q{pid, database, role, name, algorithm, phase, rows_read, iteration, iterations,
			 extract(epoch FROM elapsed), loss};
my @first = split /\|/, $node->safe_psql('postgres', "SELECT $cols FROM maas.progress");
sleep 0.5;
my @second = split /\|/, $node->safe_psql('postgres', "SELECT $cols FROM maas.progress");
my $pid = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE application_name = 'watched_run'});
is($first[0], $pid, 'pid is the training backend');
# the superuser is whoever ran initdb (postgres here, matrix in the version matrix)
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
is(join(' ', @first[ 1 .. 5 ]), "postgres $superuser watched mlp fitting",
	'database, role, name, algorithm and phase');
is($first[6], '20000', 'rows read: every row of the source');
is($first[8], '2000', 'iterations: the epochs asked for');
cmp_ok($second[7], '>', $first[7], "the iteration grows ($first[7], then $second[7])");
cmp_ok($second[9], '>', $first[9], 'elapsed grows');
ok($first[10] > 0 && $first[10] < 10, "the loss is the current training loss ($first[10])");

# 2. who sees it: a role without the trainer's privileges does not;
#    pg_read_all_stats does
is($node->safe_psql('postgres', 'SET ROLE watcher; SELECT count(*) FROM maas.progress'), '0',
	'another role does not see the run');
is($node->safe_psql('postgres', 'SET ROLE stats_reader; SELECT count(*) FROM maas.progress'), '1',
	'pg_read_all_stats sees it');

# 3. a cancel takes the row away, and stores nothing
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', 'cancel the run');
$bg->{h}->finish;
like(${ $bg->{err} }, qr/canceling statement due to user request/, 'the run was cancelled');
is($node->safe_psql('postgres', 'SELECT count(*) FROM maas.progress'), '0', 'cancelled: the row is gone');
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 'watched'}), '0',
	'cancelled: nothing stored');

# 4. a run that ends leaves no row, and one that fails inside a savepoint
#    neither, while its transaction goes on
is($node->safe_psql('postgres', q{
SELECT version FROM maas_train('quick', 'logistic_regression', 'rows20k', 'y');
SELECT count(*) FROM maas.progress;}), "1\n0", 'a finished run leaves no row');
is($node->safe_psql('postgres', q{
BEGIN;
SAVEPOINT s;
DO $$ BEGIN
	PERFORM maas_train('fails', 'logistic_regression', 'SELECT * FROM rows20k WHERE a > 2', 'y');
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
SELECT count(*) FROM maas.progress;
ROLLBACK TO s;
SELECT count(*) FROM maas.progress;
COMMIT;}), "0\n0", 'a run that failed in a subtransaction leaves no row');

# 5. the phases in order, and the rows read growing while the source is read
#    (a slow source: pg_sleep every 2000 rows)
$bg = start_psql($node, 'postgres',
	[ q{SELECT maas_train('slow', 'linear_regression', 'SELECT a, b, c, y FROM rows20k WHERE (a * 1e6)::int % 2000 <> 0 OR pg_sleep(0.1)::text = ''''', 'y')} ],
	'slow_run');
ok(defined wait_for_query($node, 'postgres',
		q{SELECT EXISTS (SELECT FROM maas.progress WHERE name = 'slow' AND phase = 'reading' AND rows_read > 0)}, 60),
	'reading: rows read counted while the source is read');
$bg->{h}->finish;
is(${ $bg->{err} }, '', 'the slow run succeeds');
$node->stop;

# 6. without shared_preload_libraries: nothing is published, the view is empty
my $plain = PostgreSQL::Test::Cluster->new('progress_plain');
$plain->init;
$plain->append_conf('postgresql.conf', "lc_messages = 'C'\nmaas.progress_interval = 0\n");
$plain->start;
is($plain->safe_psql('postgres', q{
CREATE EXTENSION maas;
CREATE TABLE t AS SELECT g::float8 AS x, 2 * g::float8 AS y FROM generate_series(1, 100) g;
SELECT maas_progress_enabled(), (SELECT count(*) FROM maas.progress),
	   (SELECT version FROM maas_train('plain', 'linear_regression', 't', 'y'));}), 'f|0|1',
	'not preloaded: maas_progress_enabled() is false, the view empty, training works');
$plain->stop;
done_testing();
