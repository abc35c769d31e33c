# Random SQL: sqlsmith against a database with maas, trained models and
# tables of model names, feature vectors, model bytes (valid and damaged),
# fit states and params (test/sqlsmith/setup.sql); then test/sqlsmith/fuzz.py,
# which calls every maas_* function with random and edge arguments in many
# query contexts.  The server must never crash or restart, and no call may
# fail with an internal error.
#
#   MAAS_SQLSMITH_SECONDS  sqlsmith's time (default 20)
#   MAAS_FUZZ_SECONDS      the fuzzer's time (default 15)
#   MAAS_SQLSMITH_SEED     seed of both (default: from the clock, printed)
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = $ENV{MAAS_ROOT} // '.';
my $smith_seconds = $ENV{MAAS_SQLSMITH_SECONDS} // 20;
my $fuzz_seconds = $ENV{MAAS_FUZZ_SECONDS} // 15;
my $seed = $ENV{MAAS_SQLSMITH_SEED} // (time() % 100000);
note "seed $seed";

my $node = PostgreSQL::Test::Cluster->new('sqlsmith');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'maas'
fsync = off
synchronous_commit = off
max_parallel_workers_per_gather = 2
log_min_messages = warning
log_statement = none
log_min_error_statement = panic
restart_after_crash = off
});
$node->start;
my $t0 = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

$node->safe_psql('postgres', 'CREATE DATABASE smith');
my ($out, $err) = ('', '');
my $rc = IPC::Run::run(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $node->host, '-p', $node->port, '-d', 'smith',
	  '-f', 'data/schema.sql', '-f', 'data/load.sql', '-f', 'test/sqlsmith/setup.sql' ],
	'>', \$out, '2>', \$err, init => sub { chdir $root or die "chdir $root: $!" });
ok($rc, 'database set up') or diag($err);
$node->safe_psql('postgres', q{ALTER DATABASE smith SET statement_timeout = '5s'});
cmp_ok($node->safe_psql('smith', 'SELECT count(*) FROM maas.deployed'), '>=', 7, 'the models are deployed');

# sqlsmith: random queries over everything in the database, maas included
my $dsn = sprintf('host=%s port=%d dbname=smith user=%s', $node->host, $node->port, scalar getpwuid($<));
my ($queries, $broken) = (0, 0);
SKIP:
{
	skip 'sqlsmith is not installed (test/deps.sh installs it)', 3
	  if system('sqlsmith --version >/dev/null 2>&1') != 0;
	my ($sout, $serr) = ('', '');
	IPC::Run::run([ 'timeout', '-s', 'INT', $smith_seconds, 'sqlsmith', "--target=$dsn", '--exclude-catalog',
					'--verbose', "--seed=$seed", '--max-queries=10000000' ],
		'>', \$sout, '2>', \$serr);
	my $progress = join('', grep { /^[.eStC]+$/ } split /\n/, $serr);
	# a report every 800 queries and at the end: the last one counts
	my @reports = $serr =~ /^queries: (\d+)/mg;
	$queries = @reports ? $reports[-1] : length($progress);
	$broken = () = $progress =~ /C/g;
	cmp_ok($queries, '>', 50, "sqlsmith ran queries ($queries)");
	is($broken, 0, 'sqlsmith saw no broken connection');
	my %seen;
	my @maas_errors = grep { /maas|model/i && !$seen{$_}++ } split /\n/, $serr;
	note "sqlsmith errors naming maas or models:\n" . join("\n", @maas_errors) if @maas_errors;
	is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $t0, 'no restart after sqlsmith');
}

# the fuzzer: every maas function, random and edge arguments
my ($fout, $ferr) = ('', '');
my $frc = IPC::Run::run([ '/usr/bin/python3', "$root/test/sqlsmith/fuzz.py", "--dsn=$dsn",
						  "--seconds=$fuzz_seconds", "--seed=$seed" ],
	'>', \$fout, '2>', \$ferr);
note "fuzzer:\n$fout$ferr";
ok($frc, 'fuzzer: no internal error, no lost connection, named and inline predictions agree')
  or diag(join("\n", grep { /VIOLATION|^  / } split /\n/, $fout));
my ($calls) = $fout =~ /calls: (\d+)/;
cmp_ok($calls // 0, '>', 1000, 'fuzzer made calls (' . ($calls // 0) . ')');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $t0, 'the server never restarted');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated|PANIC|TRAP:/, 'no backend crashed');

diag("sqlsmith: $queries queries in $smith_seconds s (seed $seed); fuzzer: " . ($calls // 0)
	  . " calls in $fuzz_seconds s");
$node->stop;
done_testing();
