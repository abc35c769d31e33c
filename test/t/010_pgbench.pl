# Load: 16 pgbench clients predict with the model 'live' (row and array
# forms) while another session retrains, redeploys and rolls it back all
# the time, alternating two variants whose predictions differ.  No query
# may fail, and each query must see exactly one version.  Reports TPS.
#
#   MAAS_PGBENCH_SECONDS   duration (default 10; the reported run used 60)
#   MAAS_PGBENCH_CLIENTS   clients (default 16)
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $root = $ENV{MAAS_ROOT} // '.';
my $seconds = $ENV{MAAS_PGBENCH_SECONDS} // 10;
my $clients = $ENV{MAAS_PGBENCH_CLIENTS} // 16;

my $node = PostgreSQL::Test::Cluster->new('pgbench');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'maas'
max_connections = 64
fsync = off
synchronous_commit = off
log_min_messages = warning
log_statement = none
});
$node->start;
my $t0 = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# real data: the diabetes dataset; live_same holds one input 1000 times
$node->safe_psql('postgres', qq{
CREATE EXTENSION maas;
\\i $root/data/schema.sql
\\copy diabetes FROM '$root/data/diabetes.csv' (FORMAT csv, HEADER)
CREATE TABLE live_same AS SELECT * FROM diabetes LIMIT 0;
INSERT INTO live_same SELECT 59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87, 0 FROM generate_series(1, 1000);
CREATE TABLE live_anomaly (script text, nv bigint, p float8, at timestamptz DEFAULT now());
CREATE TABLE live_seen (p float8);
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM diabetes'), '442', 'diabetes loaded');

# the two variants: l2 0 and l2 100, trained from the same rows with the same split
my $predict = q{SELECT maas_predict('live', ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]::float8[])};
my @variants = ('{"l2": 0, "deploy": "always"}', '{"l2": 100, "deploy": "always"}');
my @expect;
for my $v (@variants)
{
	$node->safe_psql('postgres', qq{SET maas.progress_interval = 0;
		SELECT maas_train('live', 'linear_regression', 'diabetes', 'progression', '$v')});
	push @expect, $node->safe_psql('postgres', $predict);
}
note "variant predictions: $expect[0] and $expect[1]";
cmp_ok(abs($expect[0] - $expect[1]), '>', 0.01, 'the two variants predict differently');
$node->safe_psql('postgres', 'SELECT maas_usage_reset()');

# pgbench in the background
my $dir = "$root/test/pgbench";
my @cmd = (
	'pgbench', '-n', '-c', $clients, '-j', 4, '-T', $seconds, '-D', "v0=$expect[0]", '-D', "v1=$expect[1]",
	'-f', "$dir/mixed.sql\@10", '-f', "$dir/array.sql\@10", '-f', "$dir/observe.sql\@1",
	'-h', $node->host, '-p', $node->port, 'postgres');
my ($out, $err) = ('', '');
my $start = time;
my $bench = IPC::Run::start(\@cmd, '>', \$out, '2>', \$err);

# meanwhile: retrain every 2 s, alternating the variants; in between,
# roll back and redeploy every 0.5 s
my ($trained, $flips, $i) = (0, 0, 0);
while (time - $start < $seconds - 0.5)
{
	if ($i % 4 == 0)
	{
		my $v = $variants[($trained + 2) % 2];
		$node->safe_psql('postgres', qq{SET maas.progress_interval = 0;
			SELECT maas_train('live', 'linear_regression', 'diabetes', 'progression', '$v')});
		$trained++;
	}
	elsif ($i % 2 == 1)
	{
		$node->safe_psql('postgres', q{SELECT maas_rollback('live')});
		$flips++;
	}
	else
	{
		$node->safe_psql('postgres',
			q{SELECT maas_deploy('live', (SELECT max(version) FROM maas.models WHERE name = 'live'))});
		$flips++;
	}
	$i++;
	sleep(0.5);
}
$bench->finish;
my $rc = $? >> 8;
note "pgbench stdout:\n$out";
note "pgbench stderr:\n$err" if $err ne '';

is($rc, 0, 'pgbench exits 0');
unlike($err, qr/error|abort/i, 'no client error or abort');
my ($processed) = $out =~ /number of transactions actually processed: (\d+)/;
my ($failed) = $out =~ /number of failed transactions: (\d+)/;
my ($tps) = $out =~ /tps = ([\d.]+) \(without initial connection time\)/;
my ($latency) = $out =~ /latency average = ([\d.]+) ms/;
ok(defined $processed && $processed > 0, 'transactions were processed');
is($failed // 0, 0, 'zero failed transactions');
my %per_script;
while ($out =~ /SQL script \d+: \S+\/(\w+)\.sql\n.*?- (\d+) transactions/gs)
{
	$per_script{$1} = $2;
}
is(scalar(keys %per_script), 3, 'pgbench reports each script');

# one version per query, and both versions were served
is($node->safe_psql('postgres', 'SELECT count(*) FROM live_anomaly'), '0',
	'every query saw exactly one version, and one of the two variants')
  or diag($node->safe_psql('postgres', 'SELECT * FROM live_anomaly LIMIT 20'));
my $seen = $node->safe_psql('postgres', qq{
	SELECT count(*) FILTER (WHERE abs(p - $expect[0]) < 1e-6) || ' ' ||
		   count(*) FILTER (WHERE abs(p - $expect[1]) < 1e-6) || ' ' || count(*) FROM live_seen});
my ($seen0, $seen1, $seen_all) = split / /, $seen;
ok($seen0 > 0 && $seen1 > 0 && $seen0 + $seen1 == $seen_all,
	"both variants were served, nothing else ($seen0 + $seen1 of $seen_all)");
ok($trained >= 2 && $flips >= 2, "the model changed during the run ($trained trainings, $flips deploys/rollbacks)");

# the registry is consistent
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM maas.deployments d
	WHERE NOT EXISTS (SELECT FROM maas.models m WHERE m.name = d.name AND m.version = d.version)}),
	'0', 'every deployment references a model');
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 'live'}),
	$trained + 2, 'one version per training');

# usage accounting counted every prediction of every client: exactly those
# of the transactions pgbench reports, plus at most one transaction per
# client that was running when the time was up (pgbench does not count it)
my $expected_predictions = 2000 * ($per_script{mixed} // 0) + 1000 * ($per_script{array} // 0)
  + ($per_script{observe} // 0);
my $counted = $node->safe_psql('postgres', q{SELECT sum(predictions) FROM maas.usage WHERE model = 'live'});
ok($counted >= $expected_predictions && $counted <= $expected_predictions + 2000 * $clients,
	"usage counted every prediction ($counted for $expected_predictions in reported transactions)");

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $t0, 'the server never restarted');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* exited with exit code [1-9]/, 'no backend crashed');

my $pps = $tps ? $tps * $expected_predictions / $processed : 0;
diag(sprintf("pgbench: %d clients, %d s, %d transactions, %d failed, tps = %.1f, latency %.2f ms, "
	  . "%.0f predictions/s; %d retrains, %d deploys/rollbacks meanwhile",
	$clients, $seconds, $processed // 0, $failed // 0, $tps // 0, $latency // 0, $pps, $trained, $flips));

$node->stop;
done_testing();
