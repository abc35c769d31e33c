
# kmeans and pca on a large table: progress NOTICEs while k-means runs
# (maas.progress_interval), statement_timeout and pg_cancel_backend stop it
# promptly during its iterations (Lloyd on the worker threads, Elkan) and
# leave nothing behind, and the model is the same bytes at any maas.threads.
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

my $node = maas_node('cluster', conf => "shared_buffers = 128MB\n");
$node->safe_psql('postgres', q{
CREATE EXTENSION maas;
SELECT setseed(0.3);
CREATE TABLE big AS
SELECT x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16
FROM (SELECT random() x1, random() x2, random() x3, random() x4, random() x5, random() x6,
			 random() x7, random() x8, random() x9, random() x10, random() x11, random() x12,
			 random() x13, random() x14, random() x15, random() x16
	  FROM generate_series(1, 200000)) s;
});
my $no_rows = q{SELECT count(*) FROM maas.models WHERE name LIKE 'c\_%'};
# uniform noise has no clusters: many iterations of 200,000 x 64 x 16, long enough
my $lloyd = q{SELECT maas_train('c_lloyd', 'kmeans', 'big', NULL,
	'{"n_clusters": 64, "n_init": 50, "tol": 0, "test_size": 0}')};
my $elkan = q{SELECT maas_train('c_elkan', 'kmeans', 'big', NULL,
	'{"n_clusters": 64, "n_init": 50, "tol": 0, "test_size": 0, "algorithm": "elkan"}')};

# 1. progress: NOTICEs with the run and the iteration
my ($ret, $out, $err) = $node->psql('postgres',
	"SET maas.progress_interval = '200ms'; SET statement_timeout = '6s'; $lloyd", timeout => 60);
my @iter = ($err =~ /NOTICE:  kmeans: run \d+ of 50, iteration \d+, \d+ labels changed, [\d.]+ s$/mg);
cmp_ok(scalar(@iter), '>=', 3, 'kmeans reports its runs and iterations: ' . scalar(@iter));

# 2. statement_timeout, Lloyd (worker threads) and Elkan
for my $case ([ 'lloyd', $lloyd ], [ 'elkan', $elkan ])
{
	my ($what, $sql) = @$case;
	my $start = time;
	($ret, $out, $err) = $node->psql('postgres', "SET statement_timeout = '1s';\n$sql", timeout => 60);
	my $elapsed = time - $start;
	like($err, qr/ERROR:  canceling statement due to statement timeout/,
		"$what: statement_timeout cancels kmeans");
	cmp_ok($elapsed, '<', 3, sprintf("$what: within 3 s (%.2f s)", $elapsed));
	is($node->safe_psql('postgres', $no_rows), '0', "$what: no model row left");
}

# 3. pg_cancel_backend once the iterations run
my $bg = start_psql($node, 'postgres', [$lloyd], 'cancel_me');
my $pid = backend_pid($node, 'cancel_me', '%maas_train%', 1.5);
ok($pid, "kmeans is running (pid $pid)");
my $cancelled_at = time;
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', 'pg_cancel_backend');
eval { $bg->{h}->finish; };
my $elapsed = time - $cancelled_at;
like(${ $bg->{err} }, qr/ERROR:  canceling statement due to user request/, 'the session reports the cancel');
cmp_ok($elapsed, '<', 3, sprintf('stopped within 3 s of the cancel (%.2f s)', $elapsed));
is($node->safe_psql('postgres', $no_rows), '0', 'no model row left');

# 4. the same bytes at 1 and 3 threads; pca trained and merged from 4 partial states
my $small = q{'SELECT * FROM big LIMIT 20000', NULL, '{"n_clusters": 8, "n_init": 2, "test_size": 0}'};
is($node->safe_psql('postgres', qq{
SET maas.threads = 1; SELECT threads FROM maas_train('t_km', 'kmeans', $small);
SET maas.threads = 3; SELECT threads FROM maas_train('t_km', 'kmeans', $small);}),
	"1\n3", 'kmeans trained on 1 thread, then on 3');
is($node->safe_psql('postgres', q{SELECT count(DISTINCT md5(model)) FROM maas.models WHERE name = 't_km'}),
	'1', 'kmeans: the same model bytes at 1 and 3 threads');
is($node->safe_psql('postgres', q{
	SELECT max(abs(abs(a.v::float8) - abs(b.v::float8))) < 1e-10
	FROM jsonb_array_elements_text(maas_info((SELECT maas_fit('pca', ARRAY[x1, x2, x3, x4], NULL) FROM big))
								   ->'parameters'->'components'->0) WITH ORDINALITY a(v, i),
		 jsonb_array_elements_text(maas_info((SELECT maas_fit_merge(s) FROM
			(SELECT maas_fit_partial('pca', ARRAY[x1, x2, x3, x4], NULL) AS s FROM big
			 GROUP BY x5 < 0.25, x6 < 0.5) p))->'parameters'->'components'->0) WITH ORDINALITY b(v, i)
	WHERE a.i = b.i}), 't', 'pca: merged partial states give the whole scan\'s first component');

$node->stop;
done_testing();
