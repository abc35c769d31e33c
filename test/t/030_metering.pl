# Durable metering: the background worker writes the usage counters to
# maas.usage_log every maas.usage_flush_interval; a clean restart loses
# nothing (the counters are saved and read back); an immediate stop loses at
# most the counts since the last flush, and maas.usage_gaps reports the
# window; a hot standby keeps its counts, which maas_usage_take() hands to
# the primary's log exactly once; a full usage table evicts flushed entries
# and counts it.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = maas_node('meter', init => { allows_streaming => 1 },
	conf => "maas.usage_flush_interval = '1s'\nmaas.usage_max_entries = 100\nrestart_after_crash = on\n");
load_datasets($node, 'postgres');

my $logged = q{SELECT coalesce(sum(predictions), 0) FROM maas.usage_log WHERE model = 'mt'};
my $predict = q{SELECT count(maas_predict('mt', d)) FROM (SELECT * FROM diabetes LIMIT %d) d};

# wait until the log holds $want predictions of mt (or time out)
sub wait_logged
{
	my ($want) = @_;
	return $node->poll_query_until('postgres', "SELECT ($logged) >= $want");
}

$node->safe_psql('postgres', q{SELECT maas_train('mt', 'linear_regression', 'diabetes', 'progression')});
$node->safe_psql('postgres', sprintf($predict, 400));
ok(wait_logged(400), 'the worker writes predictions to maas.usage_log');
is($node->safe_psql('postgres', $logged), '400', 'exactly the rows predicted');
is($node->safe_psql('postgres',
	q{SELECT format('%s %s %s %s', sum(training_runs), sum(training_ms) > 0, sum(bytes_read) > 0,
					string_agg(DISTINCT version::text, ','))
	  FROM maas.usage_log WHERE model = 'mt'}),
	'1 t t 1', 'the training run, its time, the model bytes read and the version are logged');
is($node->safe_psql('postgres', q{SELECT pending_entries FROM maas.usage_info}), '0',
	'nothing pending once flushed');
is($node->safe_psql('postgres',
	q{SELECT bool_and(interval_start < interval_end) AND bool_and(continued) FROM maas.usage_flushes}),
	't', 'each flush covers an interval, one after the other');

# a clean restart: what was not flushed yet is saved and written after
# (the interval set in the file and a restart, not a reload: a worker that
# is starting may miss a reload's signal)
$node->append_conf('postgresql.conf', "maas.usage_flush_interval = '1h'\n");
$node->restart;
$node->safe_psql('postgres', sprintf($predict, 250));
is($node->safe_psql('postgres', $logged), '400', 'not flushed before the stop');
$node->stop('fast');
$node->append_conf('postgresql.conf', "maas.usage_flush_interval = '1s'\n");
$node->start;
ok(wait_logged(650), 'after a clean restart the saved counts are written');
is($node->safe_psql('postgres', $logged), '650', 'a clean restart loses nothing');
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.usage_gaps}), '0', 'and reports no gap');

# an immediate stop: at most the counts since the last flush are lost, and
# the gap is reported unless nothing was lost
$node->safe_psql('postgres', sprintf($predict, 100));
ok(wait_logged(750), 'flushed before the crash');
$node->safe_psql('postgres', sprintf($predict, 30));
$node->stop('immediate');
$node->start;
$node->safe_psql('postgres', sprintf($predict, 5));
ok(wait_logged(755), 'the worker writes again after the restart');
ok($node->poll_query_until('postgres', q{SELECT pending_entries = 0 FROM maas.usage_info}),
	'until nothing is pending');
my $after = $node->safe_psql('postgres', $logged);
my $gaps = $node->safe_psql('postgres', q{SELECT count(*) FROM maas.usage_gaps});
ok($after >= 755 && $after <= 785, "the loss is bounded by one interval's counts (logged $after of 785)");
ok($after == 785 || $gaps >= 1, "a loss is reported in maas.usage_gaps (logged $after, gaps $gaps)");
note($node->safe_psql('postgres', q{SELECT * FROM maas.usage_gaps}));

# a crash (a server process killed): shared memory is rebuilt without
# saving, the counts since the last flush are lost, and the gap is reported
$node->append_conf('postgresql.conf', "maas.usage_flush_interval = '1h'\n");
$node->restart;
$node->safe_psql('postgres', sprintf($predict, 20));
my $checkpointer = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'});
kill 'KILL', $checkpointer;
ok($node->poll_query_until('postgres', q{SELECT pg_postmaster_start_time() IS NOT NULL}),
	'the server restarts after the crash');
# a clean restart after it keeps the counters' start: the gap stays visible
$node->append_conf('postgresql.conf', "maas.usage_flush_interval = '1s'\n");
$node->restart;
$node->safe_psql('postgres', sprintf($predict, 3));
ok(wait_logged($after + 3), 'the worker writes after the crash');
ok($node->poll_query_until('postgres', q{SELECT pending_entries = 0 FROM maas.usage_info}),
	'until nothing is pending');
is($node->safe_psql('postgres', $logged), $after + 3,
	'the 20 predictions since the last flush are lost, nothing else');
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.usage_gaps WHERE duration > '0'}), '1',
	'maas.usage_gaps reports the window they were in');
$after += 3;

# a full table: flushed entries make room, counted as evicted; nothing is dropped
$node->safe_psql('postgres', q{SELECT maas_usage_reset()});
$node->safe_psql('postgres', q{
DO $$ BEGIN
	FOR i IN 1..120 LOOP
		PERFORM maas_train('mt_' || i, 'linear_regression', 'SELECT * FROM diabetes LIMIT 50', 'progression');
		PERFORM pg_sleep(0.05);
	END LOOP;
END $$});
ok($node->poll_query_until('postgres',
	q{SELECT count(DISTINCT model) = 120 FROM maas.usage_log WHERE model LIKE 'mt\_%' AND training_runs > 0}),
	'every training run of 120 models reaches the log through a table of 100 entries');
is($node->safe_psql('postgres', q{SELECT evicted > 0 FROM maas.usage_info}), 't',
	'entries already flushed were evicted to make room, and counted');

# a hot standby counts in shared memory; maas_usage_take hands the counts over once
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('meter_standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
$standby->safe_psql('postgres', sprintf($predict, 300));
is($standby->safe_psql('postgres', q{SELECT predictions FROM maas.usage WHERE model = 'mt'}), '300',
	'the standby counts its predictions');
sleep 2;
is($node->safe_psql('postgres', $logged), $after, 'nothing of the standby reaches the log by itself');
# the README's recipe: the primary pulls them with dblink
my $pull = sprintf(q{
CREATE EXTENSION IF NOT EXISTS dblink;
INSERT INTO maas.usage_log (interval_start, interval_end, source, role, model, version,
							predictions, rows_evaluated, training_runs, training_ms, bytes_read)
SELECT now(), now(), 'meter_standby', t.*
FROM dblink(%s,
			$$SELECT role, model, version, predictions, rows_evaluated, training_runs, training_ms,
					 bytes_read FROM maas_usage_take() WHERE database = 'postgres'$$)
	 AS t(role text, model text, version int, predictions bigint, rows_evaluated bigint,
		  training_runs bigint, training_ms float8, bytes_read bigint);
SELECT string_agg(format('%%s %%s %%s %%s', role, model, version, predictions), ',')
FROM maas.usage_log WHERE source = 'meter_standby'}, '$c$' . $standby->connstr('postgres') . '$c$');
# the bootstrap superuser is the OS user running the tests
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
is($node->safe_psql('postgres', $pull), "$superuser mt 1 300", 'the primary pulls the standby counts');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM maas_usage_take() WHERE model = 'mt'}), '0',
	'which were handed over only once');
is($node->safe_psql('postgres', $logged), $after + 300, 'the primary logs them once');
$node->safe_psql('postgres', $pull);
is($node->safe_psql('postgres', $logged), $after + 300, 'a second pull adds nothing');
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres', q{SELECT count(*) FROM maas.usage_log WHERE source = 'meter_standby'}),
	'1', 'and the standby sees them through replication');

$standby->stop;
$node->stop;
done_testing();
