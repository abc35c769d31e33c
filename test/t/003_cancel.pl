
# Training stops promptly on statement_timeout and on pg_cancel_backend,
# leaving nothing behind; a backend killed by SIGKILL during training (or
# after it, before commit) makes the server restart, and after recovery the
# registry holds exactly what was committed.
use strict;
use warnings;

# MaasTAP.pm is next to this file: found by the path the test was run by,
# since $FindBin::RealBin is empty when a directory above is unreadable
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('cancel', conf => "restart_after_crash = on\nshared_buffers = 256MB\n");
$node->safe_psql('postgres', 'CREATE EXTENSION maas');

# 1,000,000 rows x 16 float8 features; label: 2 classes, label10: 10 classes
# (a fit of many L-BFGS iterations, minutes long), y: a number
my $t0 = time;
$node->safe_psql('postgres', q{
SELECT setseed(0.1);
CREATE TABLE big AS
SELECT x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16,
	   (x1 + x2 - x3 + 0.5 * x4 - x5 + e > 0.5)::int AS label,
	   floor(x1 * 5 + x2 * 5)::int AS label10,
	   x1 + 2 * x2 - x3 + 0.3 * x16 + e AS y
FROM (SELECT random() x1, random() x2, random() x3, random() x4, random() x5, random() x6,
			 random() x7, random() x8, random() x9, random() x10, random() x11, random() x12,
			 random() x13, random() x14, random() x15, random() x16, random() - 0.5 e
	  FROM generate_series(1, 1000000)) s;
-- about 10 us a row: a source that takes ~10 s to read
CREATE FUNCTION slow(x float8) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE s float8 := 0;
BEGIN
	FOR i IN 1..40 LOOP s := s + x; END LOOP;
	RETURN s;
END $$;
});
note(sprintf('table of 1M rows made in %.1f s', time - $t0));

# A little committed history, to check after the crashes
$node->safe_psql('postgres', q{
SELECT maas_train('kept', 'linear_regression', 'SELECT * FROM big LIMIT 10000', 'y',
				  '{"exclude": ["label", "label10"]}');
SELECT maas_train('kept', 'linear_regression', 'SELECT * FROM big LIMIT 20000', 'y',
				  '{"exclude": ["label", "label10"], "deploy": "always"}');
SELECT maas_rollback('kept');
});
my $registry = q{SELECT id, name, version, md5(model), metrics FROM maas.models ORDER BY id;
				 SELECT id, name, version, reason, rolled_back FROM maas.deployments ORDER BY id};
my $registry_before = $node->safe_psql('postgres', $registry);

my $features = join(', ', map { "x$_" } 1 .. 16);
my $logistic10 = qq{SELECT maas_train('c_logistic', 'logistic_regression',
	'SELECT $features, label10 FROM big', 'label10')};
my $linear_slow = qq{SELECT maas_train('c_linear', 'linear_regression',
	'SELECT $features, y + 0 * slow(x1) AS y FROM big', 'y')};
my $no_rows = q{SELECT count(*) FROM maas.models WHERE name LIKE 'c\_%'};

# 1. statement_timeout
for my $case ([ 'logistic_regression (10 classes)', $logistic10 ],
	[ 'linear_regression (slow source)', $linear_slow ])
{
	my ($what, $sql) = @$case;
	my $start = time;
	my ($ret, $out, $err) = $node->psql('postgres', "SET statement_timeout = '1s';\n$sql",
		timeout => 60);
	my $elapsed = time - $start;
	like($err, qr/ERROR:  canceling statement due to statement timeout/,
		"$what: statement_timeout cancels maas_train");
	cmp_ok($elapsed, '<', 3, sprintf("$what: within 3 s (%.2f s)", $elapsed));
	cmp_ok($elapsed, '>=', 0.9, "$what: not before the timeout");
	is($node->safe_psql('postgres', $no_rows), '0', "$what: no model row left");
}

# 2. pg_cancel_backend from another session, once the training has run
# 1.5 s (into the L-BFGS iterations), and once it has read for 0.5 s
for my $case ([ 'logistic_regression (10 classes)', $logistic10, 1.5 ],
	[ 'linear_regression (slow source)', $linear_slow, 0.5 ])
{
	my ($what, $sql, $after) = @$case;
	my $bg = start_psql($node, 'postgres', [$sql], 'cancel_me');
	my $pid = backend_pid($node, 'cancel_me', '%maas_train%', $after);
	ok($pid, "$what: training is running (pid $pid)");
	my $cancelled_at = time;
	is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', "$what: pg_cancel_backend");
	eval { $bg->{h}->finish; };
	my $elapsed = time - $cancelled_at;
	like(${ $bg->{err} }, qr/ERROR:  canceling statement due to user request/,
		"$what: the training session reports the cancel");
	cmp_ok($elapsed, '<', 3, sprintf("$what: stopped within 3 s of the cancel (%.2f s)", $elapsed));
	is($node->safe_psql('postgres', $no_rows), '0', "$what: no model row left");
}

# 3. SIGKILL of the backend while it trains: the postmaster restarts every
# backend and recovers; the registry is as committed
my $bg = start_psql($node, 'postgres', [$logistic10], 'kill_me');
my $pid = backend_pid($node, 'kill_me', '%maas_train%', 1.0);
ok($pid, "training to kill is running (pid $pid)");
ok(kill('KILL', $pid), 'SIGKILL sent');
eval { $bg->{h}->finish; };
like(${ $bg->{err} }, qr/server closed the connection unexpectedly|terminating connection/,
	'the killed session lost its connection');
ok($node->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'), 'server is back after recovery');
# "server process (PID n)" up to PostgreSQL 17, "client backend (PID n)" from 18
ok($node->log_contains(qr/\(PID $pid\) was terminated by signal 9/),
	'the postmaster saw the backend die of SIGKILL');

sub check_registry
{
	my ($when) = @_;
	is($node->safe_psql('postgres', $registry), $registry_before, "$when: the registry is exactly as committed");
	is($node->safe_psql('postgres', $no_rows), '0', "$when: no partial model row");
	is( $node->safe_psql('postgres', q{
			SELECT count(*) FROM maas.deployments d
			WHERE NOT EXISTS (SELECT FROM maas.models m WHERE m.name = d.name AND m.version = d.version)}),
		'0', "$when: every deployment references an existing model");
	is( $node->safe_psql('postgres', q{
			SELECT bool_and(maas_info(model)->>'algorithm' = algorithm) FROM maas.models}),
		't', "$when: every stored model reads back");
	is($node->safe_psql('postgres', q{SELECT name || '=' || version FROM maas.deployed}),
		'kept=1', "$when: the live version is unchanged");
	return;
}
check_registry('after SIGKILL during training');

# 4. SIGKILL after maas_train returned, before its transaction commits
$bg = start_psql($node, 'postgres',
	[ qq{BEGIN;
		 SELECT maas_train('c_uncommitted', 'linear_regression', 'SELECT * FROM big LIMIT 1000', 'y');
		 SELECT maas_deploy('kept', 2);
		 SELECT pg_sleep(120);
		 COMMIT;} ],
	'kill_me_too');
$pid = backend_pid($node, 'kill_me_too', '%pg_sleep%', 0.2);
ok($pid, "uncommitted training is waiting to commit (pid $pid)");
is($node->safe_psql('postgres', qq{SELECT count(*) > 0 FROM pg_locks WHERE pid = $pid AND locktype = 'transactionid'}),
	't', 'it has written (holds a transaction id)');
ok(kill('KILL', $pid), 'SIGKILL sent');
eval { $bg->{h}->finish; };
ok($node->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'), 'server is back after the second recovery');
check_registry('after SIGKILL before commit');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid() AND locktype <> 'virtualxid'}),
	'0', 'no lock of the dead transaction survives');

# and the registry works on: the next version of kept is 3, c_uncommitted
# starts at version 1, ids continue past the lost ones
is( $node->safe_psql('postgres', q{
		SELECT version FROM maas_train('kept', 'linear_regression', 'SELECT * FROM big LIMIT 5000', 'y',
									   '{"exclude": ["label", "label10"]}');
		SELECT version FROM maas_train('c_uncommitted', 'linear_regression', 'SELECT * FROM big LIMIT 1000', 'y');
		SELECT count(DISTINCT id) = count(*) FROM maas.models}),
	"3\n1\nt", 'training after the crashes continues the versions');

$node->stop;
done_testing();
