
# SVMs while they run: linear_svm, linear_svr and svm (exact SMO and
# Nystrom) report progress NOTICEs from inside their solvers, and stop
# promptly on pg_cancel_backend, leaving nothing behind.
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

my $node = maas_node('svm');
$node->safe_psql('postgres', q{
CREATE EXTENSION maas;
SELECT setseed(0.3);
-- labels with noise: neither problem is separable, so solvers work a while
CREATE TABLE noisy AS
SELECT x1, x2, x3, x4, x5, x6, x7, x8,
	   (x1 + x2 - x3 + 0.5 * x4 - x5 + e > 0.5)::int AS label,
	   x1 + 2 * x2 - x3 + e AS y
FROM (SELECT random() x1, random() x2, random() x3, random() x4, random() x5,
			 random() x6, random() x7, random() x8, random() - 0.5 e
	  FROM generate_series(1, 20000)) s;
});

# 1. progress, every 50 ms, from inside each solver
for my $case (
	[ 'linear_svm', q{SELECT version FROM maas_train('p_lsvm', 'linear_svm', 'SELECT * FROM noisy', 'label', '{"exclude": ["y"], "C": 100}')},
		qr/NOTICE:  linear_svm: pass \d+, projected gradient gap [\d.e+-]+ \(tol [\d.e+-]+\)$/ ],
	[ 'linear_svr', q{SELECT version FROM maas_train('p_lsvr', 'linear_svr', 'SELECT * FROM noisy', 'y', '{"exclude": ["label"], "C": 100}')},
		qr/NOTICE:  linear_svr: pass \d+, violations [\d.e+-]+ of the first pass's \(tol [\d.e+-]+\)$/ ],
	[ 'svm exact', q{SELECT version FROM maas_train('p_svm', 'svm', 'SELECT * FROM noisy LIMIT 5000', 'label', '{"exclude": ["y"], "method": "exact", "tol": 1e-6}')},
		qr/NOTICE:  svm: \d+ SMO steps on \d+ rows \(\d+ active\)$/ ])
{
	my ($what, $sql, $pattern) = @$case;
	my ($ret, $out, $err) = $node->psql('postgres', "SET maas.progress_interval = '50ms';\n$sql");
	is($ret, 0, "$what: training succeeds");
	my @lines = grep { $_ =~ $pattern } split /\n/, $err;
	cmp_ok(scalar(@lines), '>=', 1, "$what: progress from inside the solver (" . scalar(@lines) . ' reports)');
	note($_) for (split /\n/, $err)[0 .. 2];
}

# 2. pg_cancel_backend once the solver runs
my $no_rows = q{SELECT count(*) FROM maas.models WHERE name LIKE 'c\_%'};
for my $case (
	[ 'svm exact', q{SELECT maas_train('c_svm', 'svm', 'SELECT * FROM noisy LIMIT 20000', 'label', '{"exclude": ["y"], "method": "exact", "tol": 1e-9}')} ],
	[ 'linear_svm', q{SELECT maas_train('c_lsvm', 'linear_svm', 'SELECT * FROM noisy', 'label', '{"exclude": ["y"], "C": 1000, "tol": 1e-12, "max_iter": 100000000}')} ])
{
	my ($what, $sql) = @$case;
	my $bg = start_psql($node, 'postgres', [$sql], 'cancel_me');
	my $pid = backend_pid($node, 'cancel_me', '%maas_train%', 1.0);
	ok($pid, "$what: training is running (pid $pid)");
	my $cancelled_at = time;
	is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', "$what: pg_cancel_backend");
	eval { $bg->{h}->finish; };
	my $elapsed = time - $cancelled_at;
	like(${ $bg->{err} }, qr/ERROR:  canceling statement due to user request/,
		"$what: the training session reports the cancel");
	cmp_ok($elapsed, "<", 2, sprintf("$what: stopped within 2 s of the cancel (%.2f s)", $elapsed));
	is($node->safe_psql('postgres', $no_rows), '0', "$what: no model row left");
}

$node->stop;
done_testing();
