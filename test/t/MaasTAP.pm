
# MaasTAP: shared set-up of the maas TAP tests (test/t/*.pl).
#
# A node is a PostgreSQL::Test::Cluster with maas preloaded (as in
# production and in test/run.sh), messages in English, progress reports off,
# and room for the tests' data.  The datasets of data/ load with
# data/schema.sql and data/load.sql, which name their files relative to the
# repository root: that is the working directory of every test
# (MAAS_ROOT, else two levels above this file).  test/tap.sh runs the tests
# from a world-readable copy of test/ and data/, with MAAS_ROOT set to it.
package MaasTAP;

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter 'import';
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT = qw(maas_root maas_node load_datasets sql_error start_psql
  wait_for_query backend_pid run_timed);

# abs_path fails where a directory above is unreadable: then the relative path
my $root = $ENV{MAAS_ROOT} || abs_path(dirname(__FILE__) . '/../..')
  || dirname(__FILE__) . '/../..';
chdir $root
  or die "cannot chdir to $root: $! (as root, run the tests with test/tap.sh: "
  . "the server user postgres may not be able to read the repository)";

sub maas_root { return $root; }

# A started node.  init => {...} goes to init(); conf => '...' is appended to
# postgresql.conf after the defaults below, so it can override them.
sub maas_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init(%{ $opts{init} || {} });
	$node->append_conf(
		'postgresql.conf', qq{
shared_preload_libraries = 'maas'
shared_buffers = 128MB
max_connections = 20
lc_messages = 'C'
log_statement = none
maas.progress_interval = 0
} . ($opts{conf} // ''));
	$node->start unless $opts{no_start};
	return $node;
}

# CREATE EXTENSION and the datasets of data/ in a database
sub load_datasets
{
	my ($node, $db) = @_;
	$node->safe_psql($db, qq{
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS maas;
\\i data/schema.sql
\\i data/load.sql
});
	return;
}

# Run SQL expecting an error; returns "SQLSTATE: message" of the first one
# (or "no error").  VERBOSITY verbose puts the SQLSTATE after "ERROR:  ".
sub sql_error
{
	my ($node, $db, $sql, %opts) = @_;
	my ($ret, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql",
		timeout => $opts{timeout} // $PostgreSQL::Test::Utils::timeout_default);
	return 'no error' if $ret == 0 && $err !~ /ERROR:/;
	return "$1: $2" if $err =~ /ERROR:\s+([0-9A-Z]{5}): (.*)/;
	return "unrecognized: $err";
}

# psql in the background, as application_name $app, running each
# statement of @$statements with its own -c.  Returns a hash with the
# IPC::Run harness, refs to stdout and stderr, and the start time.
sub start_psql
{
	my ($node, $db, $statements, $app, %opts) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq',
			'-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr($db) . " application_name=$app",
			map { ('-c', $_) } @$statements
		],
		'<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($opts{timeout} // 180));
	return { h => $h, out => \$out, err => \$err, started => time };
}

# Poll until $sql (a boolean query) is true or $timeout seconds pass;
# returns the seconds waited, or undef on timeout.
sub wait_for_query
{
	my ($node, $db, $sql, $timeout) = @_;
	my $start = time;

	while (time - $start < $timeout)
	{
		my ($ret, $out) = $node->psql($db, $sql);
		return time - $start if $ret == 0 && $out eq 't';
		sleep 0.05;
	}
	return undef;
}

# The pid of the backend of a session with that application_name, running
# a statement that matches $like, once it has run for $min_seconds
sub backend_pid
{
	my ($node, $app, $like, $min_seconds) = @_;
	my $cond = qq{application_name = '$app' AND state = 'active'
		AND query LIKE '$like' AND now() - query_start >= interval '$min_seconds s'};
	wait_for_query($node, 'postgres',
		"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE $cond)", 60)
	  // return undef;
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE $cond");
}

# Run statements in psql on the node's database postgres, recording when
# each line of stderr arrived; returns (stdout, [[seconds since start,
# line], ...], seconds it took)
sub run_timed
{
	my ($node, @statements) = @_;
	my ($out, $err) = ('', '');
	my $start = time;
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr('postgres'), map { ('-c', $_) } @statements
		],
		'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(120));
	my @lines;
	my $seen = 0;
	my $collect = sub {
		while ((my $nl = index($err, "\n", $seen)) >= 0)
		{
			push @lines, [ time - $start, substr($err, $seen, $nl - $seen) ];
			$seen = $nl + 1;
		}
	};
	while ($h->pumpable)
	{
		$h->pump_nb;
		$collect->();
		sleep 0.005;
	}
	$h->finish;
	$collect->();
	chomp $out;
	return ($out, \@lines, time - $start);
}

1;
