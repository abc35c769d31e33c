
# maas_tune in a running server: a NOTICE per trial while the search runs
# (maas.progress_interval), pg_cancel_backend from another session stops it
# promptly and leaves no version and no trial, and the trials survive
# pg_dump / pg_restore with their version.
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

my $node = maas_node('tune');
chdir maas_root();
load_datasets($node, 'postgres');

# 1. progress: one NOTICE per trial (interval 1 ms: every trial is due)
my ($out, $lines) = run_timed($node, "SET maas.progress_interval = '1ms'",
	q{SELECT trials FROM maas_tune('tuned', 'logistic_regression', 'iris', 'species',
		'{"grid": {"C": [0.01, 0.1, 1, 10]}, "folds": 5}')});
is($out, '4', 'maas_tune tried 4 settings');
my @trial = grep { $_->[1] =~ /^NOTICE:  maas_tune: trial \d+ \(round 1 of 1, 4 settings in it, 150 rows\): logistic_regression \{"C": [\d.]+\}: accuracy [\d.]+ \(sd [\d.e-]+\) in [\d.]+ s$/ } @$lines;
is(scalar(@trial), 4, 'a progress NOTICE per trial, with its setting and score')
  or diag(join("\n", map { $_->[1] } @$lines));

# 2. cancel from another session, in the middle of the search
my $no_rows = q{SELECT (SELECT count(*) FROM maas.models WHERE name = 'cancelled')
	+ (SELECT count(*) FROM maas.trials WHERE name = 'cancelled')};
my $bg = start_psql($node, 'postgres',
	[q{SELECT maas_tune('cancelled', 'mlp', 'digits', 'digit', '{"grid": {"epochs": [300, 400]}, "folds": 5}')}],
	'tune_cancel');
my $pid = backend_pid($node, 'tune_cancel', '%maas_tune%', 1);
ok($pid, "maas_tune is running (pid $pid)");
my $cancelled_at = time;
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', 'pg_cancel_backend');
eval { $bg->{h}->finish; };
my $elapsed = time - $cancelled_at;
like(${ $bg->{err} }, qr/ERROR:  canceling statement due to user request/,
	'the search reports the cancel');
cmp_ok($elapsed, '<', 3, sprintf('stopped within 3 s of the cancel (%.2f s)', $elapsed));
is($node->safe_psql('postgres', $no_rows), '0', 'no version and no trial left');

# 3. dump and restore: the trials come back with their version
my $before = $node->safe_psql('postgres',
	q{SELECT string_agg(format('%s %s %s %s', trial, setting, scores, best), '; ' ORDER BY trial)
	  FROM maas.trials WHERE name = 'tuned'});
my $dump = $node->basedir . '/tune.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored',
	q{SELECT string_agg(format('%s %s %s %s', trial, setting, scores, best), '; ' ORDER BY trial)
	  FROM maas.trials WHERE name = 'tuned'}), $before, 'the trials are restored as they were');
is($node->safe_psql('restored', q{SELECT (maas_tune('tuned', 'logistic_regression', 'iris', 'species',
		'{"grid": {"C": [1]}, "folds": 3}')).version}), '2', 'a new search after the restore stores version 2');
is($node->safe_psql('restored', q{SELECT count(*) FROM maas.trials WHERE name = 'tuned'}), '5',
	'its trial joins the restored ones');

done_testing();
