# Faults: a backend killed with SIGKILL in the middle of maas_deploy,
# maas_rollback and maas_train, and the whole server stopped with
# -m immediate during a deploy or a training, leave the registry as it was
# (no partial rows, the same live version, every deployment pointing at a
# model, intact indexes); a committed deploy survives a crash.
# maas.max_memory refuses a training run early, with a hint, leaving
# nothing; statement_timeout stops a training run on a million rows within
# about a second, for every algorithm the build has.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $root = $ENV{MAAS_ROOT} // '.';

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'maas'
restart_after_crash = on
log_min_messages = warning
log_statement = none
max_parallel_workers_per_gather = 0
});
$node->start;

$node->safe_psql('postgres', qq{
CREATE EXTENSION maas;
CREATE EXTENSION amcheck;
\\i $root/data/schema.sql
\\copy diabetes FROM '$root/data/diabetes.csv' (FORMAT csv, HEADER)
SET maas.progress_interval = 0;
SELECT maas_train('f', 'linear_regression', 'diabetes', 'progression');
SELECT maas_train('f', 'linear_regression', 'diabetes', 'progression', '{"l2": 100, "deploy": "always"}');
SELECT maas_train('f', 'linear_regression', 'diabetes', 'progression', '{"l2": 10, "deploy": "never"}');
SELECT maas_grant('f', 'public');
-- a million rows of ten features, for long trainings
CREATE TABLE big AS
SELECT g AS id, random() AS x1, random() AS x2, random() AS x3, random() AS x4, random() AS x5,
	   random() AS x6, random() AS x7, random() AS x8, random() AS x9, random() AS x10
FROM generate_series(1, 1000000) g;
ALTER TABLE big ADD COLUMN y float8, ADD COLUMN c boolean;
UPDATE big SET y = x1 + 2 * x2 - x3 + random(), c = x1 + 2 * x2 - x3 + random() > 1.5;
VACUUM ANALYZE big;
});

my $predict = q{SELECT maas_predict('f', ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]::float8[])};

# Everything of the registry, as one digest
my $digest_sql = q{
SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
	SELECT 'm ' || id || ' ' || name || ' ' || version || ' ' || md5(model) FROM maas.models
	UNION ALL SELECT 'd ' || id || ' ' || name || ' ' || version || ' ' || rolled_back FROM maas.deployments
	UNION ALL SELECT 'n ' || n::text FROM maas.names n
	UNION ALL SELECT 'g ' || g::text FROM maas.grants g) s(x)};

sub registry_state
{
	return join(' ', $node->safe_psql('postgres', $digest_sql),
		$node->safe_psql('postgres', q{SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM maas.deployed}),
		$node->safe_psql('postgres', $predict));
}

# The invariants that must hold whatever happened
sub check_consistent
{
	my ($what) = @_;
	is($node->safe_psql('postgres', q{
		SELECT count(*) FROM maas.deployments d
		WHERE NOT EXISTS (SELECT FROM maas.models m WHERE m.name = d.name AND m.version = d.version)}),
		'0', "$what: every deployment references a model");
	is($node->safe_psql('postgres', q{
		SELECT count(*) FROM maas.names n
		WHERE n.last_version < (SELECT max(version) FROM maas.models m WHERE m.name = n.name)}),
		'0', "$what: no model has a version above its name's last version");
	is($node->safe_psql('postgres', q{
		SELECT count(*) FROM maas.models m WHERE maas_info(m.model) IS NULL}),
		'0', "$what: every stored model reads back");
	my ($rc, $out, $err) = $node->psql('postgres', q{
		SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'maas'});
	is($rc, 0, "$what: the catalog's indexes are intact") or diag($err);
}

# Wait until the server accepts connections again after a crash
sub wait_recovered
{
	$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
}

sub end_session
{
	my ($s) = @_;
	eval {
		$s->{run}->pump_nb;
		$s->{stdin} .= "\\q\n" if $s->{run}->pumpable;
		$s->{run}->finish;
	};
}

# Start a statement in a session of its own; returns the session and its
# backend pid.  The statement is handed to psql without waiting for any
# output: psql buffers what \echo prints until a statement's result comes,
# so a marker echoed before a long statement may only arrive after it.
sub start_in_session
{
	my ($sql) = @_;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_safe('SET maas.progress_interval = 0');
	$s->{stdin} .= "$sql\n";
	$s->{run}->pump_nb for 1 .. 3;
	return ($s, $pid);
}

# Wait until the backend has been running maas_train for a while; a run
# that ended before is a failure of the test's set-up, said as such
sub wait_active
{
	my ($pid, $seconds) = @_;
	my $deadline = time + 60;
	while (time < $deadline)
	{
		my $state = $node->safe_psql('postgres', qq{
			SELECT state || ' ' || (now() - query_start > interval '$seconds s')
			FROM pg_stat_activity WHERE pid = $pid AND query LIKE '%maas_train%'});
		return if $state eq 'active true';
		die "backend $pid ended its maas_train within $seconds s: make the training longer"
		  if $state =~ /^idle/;
		sleep(0.05);
	}
	die "backend $pid never started its maas_train";
}

my $start = registry_state();
check_consistent('at the start');
my $t0 = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# 1. SIGKILL between maas_deploy and COMMIT
{
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_safe('BEGIN');
	# (chomp: PostgreSQL 16's BackgroundPsql before 16.3 keeps the newline)
	chomp(my $deployed = $s->query_safe(q{SELECT maas_deploy('f', 3)}));
	is($deployed, '3', 'deploy inside an open transaction');
	is($node->safe_psql('postgres', q{SELECT version FROM maas.deployed WHERE name = 'f'}), '2',
		'others still see version 2');
	kill 'KILL', $pid;
	end_session($s);
	wait_recovered();
	isnt($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), '', 'server back after the kill');
	is(registry_state(), $start, 'kill during deploy: registry as before, version 2 live');
	check_consistent('kill during deploy');
}

# 2. SIGKILL between maas_rollback and COMMIT
{
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_safe('BEGIN');
	chomp(my $live = $s->query_safe(q{SELECT maas_rollback('f')}));
	is($live, '1', 'rollback inside an open transaction');
	kill 'KILL', $pid;
	end_session($s);
	wait_recovered();
	is(registry_state(), $start, 'kill during rollback: registry as before');
	check_consistent('kill during rollback');
}

# 3. SIGKILL in the middle of a long training (three million rows, logistic)
{
	my ($s, $pid) = start_in_session(
		q{SELECT maas_train('f', 'logistic_regression', 'SELECT b.* FROM big b, generate_series(1, 3)', 'c', '{"exclude": ["id", "y"], "tol": 1e-12, "max_iter": 100000, "deploy": "always"}');});
	wait_active($pid, 1);
	kill 'KILL', $pid;
	end_session($s);
	wait_recovered();
	is(registry_state(), $start, 'kill during training: no new version, nothing deployed');
	check_consistent('kill during training');
}

# 4. SIGKILL while the training inserts: many short trainings of one name
#    from several sessions, one killed at a random moment
{
	my @sessions;
	for my $i (1 .. 3)
	{
		push @sessions, [ start_in_session(join("\n", map {
			qq{SELECT maas_train('g', 'linear_regression', 'diabetes', 'progression', '{"l2": $_, "deploy": "always"}');}
		} 1 .. 400)) ];
	}
	sleep(0.5 + rand(1));
	kill 'KILL', $sessions[1][1];
	end_session($_->[0]) for @sessions;
	wait_recovered();
	my $versions = $node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 'g'});
	note "model g has $versions versions after the crash";
	is($node->safe_psql('postgres', q{
		SELECT count(*) FROM maas.deployments d WHERE name = 'g' AND NOT EXISTS
			(SELECT FROM maas.models m WHERE m.name = d.name AND m.version = d.version)}),
		'0', 'crash among concurrent trainings: deployments of g point at its models');
	is($node->safe_psql('postgres', q{
		SELECT count(DISTINCT version) = count(*) FROM maas.models WHERE name = 'g'}), 't',
		'no duplicate versions');
	check_consistent('crash among concurrent trainings');
	$node->safe_psql('postgres', q{SELECT maas_drop('g') FROM maas.names WHERE name = 'g'});
	is(registry_state(), $start, 'registry as before once g is dropped');
}

# 5. The whole server stopped with -m immediate during an open deploy
{
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	$s->query_safe('BEGIN');
	$s->query_safe(q{SELECT maas_deploy('f', 1)});
	$s->query_safe(q{SELECT maas_grant('f', 'pg_monitor', 'deploy')});
	$node->stop('immediate');
	end_session($s);
	$node->start;
	is(registry_state(), $start, 'immediate stop during deploy: registry as before');
	check_consistent('immediate stop during deploy');
}

# 6. ... and during a long training
{
	my ($s, $pid) = start_in_session(
		q{SELECT maas_train('f', 'logistic_regression', 'SELECT b.* FROM big b, generate_series(1, 3)', 'c', '{"exclude": ["id", "y"], "tol": 1e-12, "max_iter": 100000}');});
	wait_active($pid, 1);
	$node->stop('immediate');
	end_session($s);
	$node->start;
	is(registry_state(), $start, 'immediate stop during training: registry as before');
	check_consistent('immediate stop during training');
}

# 7. A committed deploy survives an immediate stop
{
	$node->safe_psql('postgres', q{SELECT maas_deploy('f', 3)});
	my $after = registry_state();
	$node->stop('immediate');
	$node->start;
	is($node->safe_psql('postgres', q{SELECT version FROM maas.deployed WHERE name = 'f'}), '3',
		'committed deploy survives');
	is(registry_state(), $after, 'registry as committed');
	check_consistent('after a committed deploy and a crash');
	$node->safe_psql('postgres', q{SELECT maas_rollback('f')});
	is($node->safe_psql('postgres', q{SELECT version FROM maas.deployed WHERE name = 'f'}), '2',
		'rollback after recovery');
}

# 8. maas.max_memory: refused early, with a hint, leaving nothing
my $full_ms;	# a whole linear regression on the million rows
{
	my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM maas.models');
	my $t = time;
	my ($rc, $out, $err) = $node->psql('postgres', q{
		SET maas.progress_interval = 0;
		SET maas.max_memory = '10MB';
		\set VERBOSITY verbose
		SELECT maas_train('m', 'linear_regression', 'big', 'y', '{"exclude": ["id", "c"]}');});
	my $refused_ms = (time - $t) * 1000;
	# how many rows it read before refusing: a sequence counts them (its
	# increments survive the error)
	my ($rc2, $out2, $err2) = $node->psql('postgres', q{
		CREATE SEQUENCE rows_read;
		SET maas.progress_interval = 0;
		SET maas.max_memory = '10MB';
		SELECT maas_train('m', 'linear_regression', 'SELECT b.*, nextval(''rows_read'') AS n FROM big b', 'y',
						  '{"exclude": ["id", "c", "n"]}');});
	like($err2, qr/more than maas.max_memory/, 'max_memory: refused again, counting rows');
	my $rows_read = $node->safe_psql('postgres', 'SELECT last_value FROM rows_read');
	cmp_ok($rows_read, '<', 500000, "max_memory: refused after reading $rows_read of 1000000 rows");
	like($err, qr/54000: training data needs \d+ MB, more than maas.max_memory \(10 MB\)/,
		'max_memory: 54000 with the sizes');
	like($err, qr/HINT:  Raise maas.max_memory, or train on a sample/, 'max_memory: with a hint');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM maas.models'), $before, 'max_memory: no row left');
	$t = time;
	$node->safe_psql('postgres', 'SELECT count(*) FROM big');
	my $scan_ms = (time - $t) * 1000;
	$t = time;
	$node->safe_psql('postgres', q{SET maas.progress_interval = 0;
		SELECT maas_train('m', 'linear_regression', 'big', 'y', '{"exclude": ["id", "c"], "deploy": "never"}')});
	$full_ms = (time - $t) * 1000;
	cmp_ok($refused_ms, '<', 1000, 'max_memory: refused within a second');
	cmp_ok($refused_ms, '<', $full_ms / 2, 'max_memory: refused well before a full run would end');
	diag(sprintf('max_memory 10MB on 1M rows: refused after %.0f ms and %d rows; count(*) takes %.0f ms, '
		  . 'the full training %.0f ms', $refused_ms, $rows_read, $scan_ms, $full_ms));
	$node->safe_psql('postgres', q{SELECT maas_drop('m')});
}

# 9. statement_timeout stops training promptly, for every algorithm there is
{
	my (undef, undef, $err) = $node->psql('postgres', q{SELECT maas_train('x', 'no_such_algorithm', 'big', 'y')});
	my ($list) = $err =~ /Valid algorithms are: ([^.]+)\./;
	my @algorithms = split /, /, ($list // 'linear_regression, logistic_regression');
	note "algorithms: @algorithms";
	# each algorithm's target (undef: unsupervised) and params for a long run;
	# als reads (user, item, rating) pairs: TAP 023 cancels it
	my %target = (linear_regression => 'y', linear_svr => 'y', elastic_net => 'y', lasso => 'y',
		kmeans => undef, pca => undef, logistic_regression => 'c', naive_bayes => 'c',
		linear_svm => 'c', svm => 'c');
	my %more = (
		logistic_regression => ', "max_iter": 100000, "tol": 1e-12',
		linear_regression => '', pca => '', naive_bayes => '', elastic_net => '', lasso => '',
		mlp => ', "hidden_layers": [64, 32], "epochs": 50, "batch_size": 256',
		kmeans => ', "n_clusters": 16, "n_init": 20, "tol": 0',
		linear_svm => ', "tol": 1e-12, "max_iter": 100000',
		linear_svr => ', "tol": 1e-12, "max_iter": 100000',
		svm => ', "method": "nystrom", "n_components": 50, "tol": 1e-12');
	# text models read a document column: one made from big's rows
	my $docs = q{'SELECT ''word'' || (id % 997) || '' term'' || (id % 13) || '' w'' || (id % 101) AS body, c FROM big'};
	my %source = map { $_ => $docs } qw(text_classifier lstm gru cnn transformer);
	$target{$_} = 'c' for keys %source;
	$more{text_classifier} = ', "epochs": 50';
	$more{lstm} = $more{gru} = $more{cnn} = $more{transformer} = ', "maxlen": 20';
	# algorithms whose fit is quick next to the read, timed like linear regression
	my %read_bound = map { $_ => 1 } qw(linear_regression pca naive_bayes elastic_net lasso);
	# text_classifier reads documents, which big has none of: sql/text.sql
	# cancels it
	for my $alg (grep { $_ ne 'als' && $_ ne 'text_classifier' } @algorithms)
	{
		my $target = exists $target{$alg} ? $target{$alg} : 'y';
		my $target_sql = defined $target ? "'$target'" : 'NULL';
		my $exclude = !defined $target ? '"id", "y", "c"' : $target eq 'y' ? '"id", "c"' : '"id", "y"';
		my $src = $source{$alg} // q{'big'};
		my $exclude_param = $source{$alg} ? '"text": ["body"]' : qq{"exclude": [$exclude]};
		# long runs: logistic to a tiny tolerance; trees deep enough to take
		# long, shallow enough for the model size limit of 1M rows
		my $more = $more{$alg} // ', "max_depth": 10';
		# 100 ms: while the rows are read; for linear regression, half its
		# run (mostly reading); for the others, 0.3 and 1.5 s into their fit
		# (the reading takes about as long as a whole linear regression)
		my @timeouts = $read_bound{$alg} ? (100, int($full_ms / 2))
		  : (100, int($full_ms + 300), int($full_ms + 1500));
		my $cancelled = 0;
		for my $timeout_ms (@timeouts)
		{
			my $t = time;
			my ($rc, $out, $err) = $node->psql('postgres', qq{
				SET maas.progress_interval = 0;
				SET statement_timeout = $timeout_ms;
				\\set VERBOSITY verbose
				SELECT maas_train('t', '$alg', $src, $target_sql, '{$exclude_param$more}');});
			my $ms = (time - $t) * 1000;
			if ($err =~ /57014/)
			{
				cmp_ok($ms - $timeout_ms, '<', 1000,
					sprintf('%s: statement_timeout %d ms stops it after %.0f ms', $alg, $timeout_ms, $ms));
				diag(sprintf('statement_timeout %d ms: %s cancelled after %.0f ms (%.0f ms late)',
					$timeout_ms, $alg, $ms, $ms - $timeout_ms));
				$cancelled++;
			}
			elsif ($rc == 0)
			{
				note sprintf('%s finished within %d ms (%.0f ms): nothing to cancel', $alg, $timeout_ms, $ms);
				$node->safe_psql('postgres', q{SELECT maas_drop('t')});
			}
			else
			{
				fail("$alg: unexpected error: $err");
			}
		}
		ok($cancelled > 0, "$alg: statement_timeout cancelled at least one run");
	}
	is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 't'}), '0',
		'cancelled trainings left nothing');
}

is($node->safe_psql('postgres', q{SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM maas.deployed})
	  . ' ' . $node->safe_psql('postgres', $predict),
	(split / /, $start, 2)[1], 'at the end, the same version is live and predicts the same');
my $log = slurp_file($node->logfile);
my $kills = () = $log =~ /was terminated by signal 9/g;
is($kills, 4, 'exactly the four backends this test killed died by a signal');
unlike($log, qr/terminated by signal (?!9)|PANIC|TRAP:/, 'no other crash');

$node->stop;
done_testing();
