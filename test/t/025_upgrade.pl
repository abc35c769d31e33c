
# Upgrades.  (1) The model bytes released versions wrote (test/models/<version>/,
# made by test/models/make_models.sh from the release's tag) are read by
# this build and predict exactly what the release predicted.  (2) A
# database that installed 0.1.0 (from the frozen maas--0.1.0.sql) and
# trained, deployed, granted and predicted with models of every algorithm
# 0.1.0 has, runs ALTER EXTENSION maas UPDATE: every model then predicts
# byte for byte the same, and the registry, grants, privileges and usage
# counters are as before; the upgraded objects are those of a fresh
# CREATE EXTENSION.
use strict;
use warnings;

# MaasTAP.pm is next to this file: found by the path the test was run by,
# since $FindBin::RealBin is empty when a directory above is unreadable
use File::Basename qw(dirname basename);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = maas_node('upgrade');

# ---- (1) stored model bytes of every release ----

$node->safe_psql('postgres', 'CREATE EXTENSION maas');
my @releases = sort glob('test/models/[0-9]*');
ok(scalar(@releases) >= 1, 'stored model bytes of at least one release: ' . join(' ', @releases));
for my $dir (@releases)
{
	my $release = basename($dir);
	my @models = sort glob("$dir/*.hex");
	ok(scalar(@models) >= 15, "$release: a model of every algorithm and task (" . scalar(@models) . ')');
	for my $hexfile (@models)
	{
		my $name = basename($hexfile, '.hex');
		my $hex = slurp_file($hexfile);
		$hex =~ s/\s+//g;
		my $tsv = slurp_file("$dir/$name.tsv");
		my ($algorithm) = ($name =~ /^([a-z]+)_/);
		my $out = $node->safe_psql('postgres', qq{
SET extra_float_digits = 3;
CREATE TEMP TABLE expected (features float8[], predict text, proba text, class text);
COPY expected FROM STDIN;
$tsv\\.
CREATE TEMP TABLE m AS SELECT decode('$hex', 'hex') AS model;
SELECT get_byte(model, 4) + 256 * get_byte(model, 5), maas_info(model)->>'algorithm' FROM m;
SELECT count(*),
	   count(*) FILTER (WHERE maas_predict(m.model, e.features)::text IS DISTINCT FROM e.predict
						OR (e.proba IS NOT NULL AND
							(maas_predict_proba(m.model, e.features)::text IS DISTINCT FROM e.proba
							 OR maas_predict_class(m.model, e.features) IS DISTINCT FROM e.class)))
FROM expected e, m;
});
		my ($header, $counts) = split /\n/, $out;
		my ($format, $alg) = split /\|/, $header;
		my ($rows, $wrong) = split /\|/, $counts;
		my %prefix = (lin => 'linear_regression', log => 'logistic_regression', dt => 'decision_tree',
			rf => 'random_forest', gb => 'gradient_boosting', mlp => 'mlp');
		is($alg, $prefix{$algorithm}, "$release $name: read as $prefix{$algorithm} (format version $format)");
		ok($rows >= 20 && $wrong == 0, "$release $name: $rows stored predictions reproduced, $wrong differ");
	}
}

# ---- (2) ALTER EXTENSION maas UPDATE from 0.1.0 ----

$node->safe_psql('postgres', 'CREATE DATABASE up');
$node->safe_psql('up', q{CREATE EXTENSION maas VERSION '0.1.0'});
load_datasets($node, 'up');
is($node->safe_psql('up', q{SELECT extversion || ' ' || (to_regprocedure('maas_help(text)') IS NULL)::text
							FROM pg_extension WHERE extname = 'maas'}),
	'0.1.0 true', 'installed as 0.1.0, without what 0.2.0 adds');

# models of every algorithm and task of 0.1.0, a history, grants, usage
$node->safe_psql('up', q{
SET client_min_messages = warning;
SELECT maas_usage_reset();
\i test/models/train.sql
SELECT maas_train('log_penguins', 'logistic_regression', 'penguins_num', 'species',
				  '{"C": 0.01, "deploy": "never"}');
SELECT maas_deploy('log_penguins', 2);
SELECT maas_rollback('log_penguins');
SELECT maas_train('dt_iris', 'decision_tree', 'iris', 'species', '{"max_depth": 2, "deploy": "always"}');
CREATE ROLE up_reader;
CREATE ROLE up_trainer;
SELECT maas_grant('log_penguins', 'up_reader');
SELECT maas_grant('gb_wine', 'public', 'deploy');
SELECT maas_grant('mlp_iris', 'up_trainer', 'train');
REVOKE EXECUTE ON FUNCTION maas_train(text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION maas_train(text, text, text, text, jsonb) TO up_trainer;
GRANT SELECT ON penguins, penguins_num TO up_reader;
GRANT SELECT ON iris TO up_trainer;
SET ROLE up_reader;
SELECT count(maas_predict_class('log_penguins', p)) FROM penguins_num p;
RESET ROLE;
});

# where each model's rows come from (as test/models/rows.sql says)
my @names = split /\n/, $node->safe_psql('up', 'SELECT DISTINCT name FROM maas.models ORDER BY 1');
is(scalar(@names), 15, '15 models trained under 0.1.0');
my %source = map {
	my $s = (split /_/)[1];
	$_ => ($s eq 'cancer' ? 'breast_cancer' : $s eq 'penguins' ? 'penguins_num' : $s)
} @names;

# Every prediction of every model, as the bytes of the float8 and float8[]
# values: by name with the row and with the feature vector, and with the
# model bytes of every version
my $predictions = "\\i test/models/rows.sql\n";
for my $name (@names)
{
	my $classify = $name !~ /_(diabetes|concrete)$/;
	my $proba = $classify
	  ? qq{encode(array_send(maas_predict_proba('$name', s)), 'hex'), maas_predict_class('$name', s),}
	  : '';
	$predictions .= qq{
SELECT '$name rows', count(*), md5(string_agg(concat_ws(' ',
		encode(float8send(maas_predict('$name', s)), 'hex'), $proba ''), E'\\n' ORDER BY o))
FROM (SELECT s, row_number() OVER () AS o FROM $source{$name} s) q;
SELECT '$name arrays', count(*), md5(string_agg(concat_ws(' ',
		encode(float8send(maas_predict('$name', r.features)), 'hex'),
		(SELECT string_agg(encode(float8send(maas_predict(m.model, r.features)), 'hex')
						   || CASE WHEN m.task = 'regression' THEN ''
							  ELSE encode(array_send(maas_predict_proba(m.model, r.features)), 'hex') END,
						   ',' ORDER BY m.version)
		 FROM maas.models m WHERE m.name = '$name')), E'\\n' ORDER BY o))
FROM (SELECT features, row_number() OVER () AS o FROM pg_temp.model_rows('$name', 100000)) r;
};
}

my %snapshot = (
	models => q{SELECT id, name, version, algorithm, task, params, features, target, metrics,
					   md5(model), rows_trained, train_ms, train_memory_bytes, trained_at, owner, trained_by
				FROM maas.models ORDER BY id},
	names => q{SELECT * FROM maas.names ORDER BY name},
	deployments => q{SELECT * FROM maas.deployments ORDER BY id},
	deployed => q{SELECT * FROM maas.deployed ORDER BY name},
	grants => q{SELECT * FROM maas.grants ORDER BY name, grantee, privilege},
	info => q{SELECT id, maas_info(model) FROM maas.models ORDER BY id},
	privileges => q{SELECT has_function_privilege('up_reader', 'maas_train(text, text, text, text, jsonb)', 'EXECUTE'),
						   has_function_privilege('up_trainer', 'maas_train(text, text, text, text, jsonb)', 'EXECUTE'),
						   has_function_privilege('up_reader', 'maas_reassign(name, name)', 'EXECUTE'),
						   has_function_privilege('up_reader', 'maas_usage_reset()', 'EXECUTE'),
						   has_table_privilege('up_reader', 'maas.models', 'SELECT'),
						   has_table_privilege('up_reader', 'maas.models', 'INSERT')},
	as_reader => q{SET ROLE up_reader;
				   SELECT count(*), sum(maas_predict('log_penguins', p)) FROM penguins_num p;
				   SELECT count(*) FROM maas.models;
				   SELECT maas_predict('gb_wine', ARRAY[13.2, 1.78, 2.14, 11.2, 100, 2.65, 2.76, 0.26, 1.28, 4.38, 1.05, 3.4, 1050]);
				   RESET ROLE},
	sequences => q{SELECT last_value, is_called FROM maas.models_id_seq
				   UNION ALL SELECT last_value, is_called FROM maas.deployments_id_seq},
	predictions => $predictions,
);
my $usage = q{SELECT database, role, model, predictions, training_runs, round(training_ms::numeric, 3), last_used
			  FROM maas.usage ORDER BY 1, 2, 3};
# 0.2.0 counts per version, and maas_evaluate's rows apart: added up per
# model, the 0.1.0 figures
my $usage_020 = q{SELECT database, role, model, sum(predictions + rows_evaluated), sum(training_runs),
					  round(sum(training_ms)::numeric, 3), max(last_used)
				  FROM maas.usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3};

my %before;
$before{$_} = $node->safe_psql('up', $snapshot{$_}) for sort keys %snapshot;
my $usage_before = $node->safe_psql('up', $usage);

# sanity: the snapshots hold what the set-up made
is($before{privileges}, 'f|t|f|f|t|f', 'privileges: maas_train granted to up_trainer only; admin functions revoked');
like($before{as_reader}, qr/^344\|[0-9.e+]+\n0\n[0-9.]+$/, 'the grantee predicts, sees no catalog rows');
is(scalar(split /\n/, $before{predictions}), 30, 'predictions of 15 models, two forms each');
unlike($before{predictions}, qr/\|0\|/, 'every form predicted rows');
# 344 rows in the set-up, 344 in the as_reader snapshot
like($usage_before, qr/^up\|up_reader\|log_penguins\|688\|0\|/m, 'usage counted the grantee\'s predictions');
# the bootstrap superuser is the OS user running the tests
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
like($usage_before, qr/^up\|\Q$superuser\E\|dt_iris\|[0-9]+\|2\|/m, 'usage counted the training runs');
is($node->safe_psql('up', q{SELECT string_agg(name || '=' || version, ',' ORDER BY name)
							FROM maas.deployed WHERE name IN ('dt_iris', 'log_penguins')}),
	'dt_iris=2,log_penguins=1', 'live versions after deploy, rollback and a forced deploy');

# the update
$node->safe_psql('up', 'ALTER EXTENSION maas UPDATE');
is($node->safe_psql('up', q{SELECT extversion FROM pg_extension WHERE extname = 'maas'}),
	'0.2.0', 'ALTER EXTENSION maas UPDATE goes to 0.2.0');
is($node->safe_psql('up', $usage_020), $usage_before, 'usage counters survive the update');
for my $what (sort keys %snapshot)
{
	is($node->safe_psql('up', $snapshot{$what}), $before{$what}, "identical after the update: $what");
}

# the upgraded objects are those of a fresh install
my $objects = q{
SELECT kind, name, arguments, result, description FROM maas_help();
SELECT c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c WHERE c.connamespace = 'maas'::regnamespace ORDER BY 1::text, 2;
SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.proisstrict, md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND p.prokind <> 'a'
ORDER BY 1::text;
SELECT polrelid::regclass, polname, pg_get_expr(polqual, polrelid) FROM pg_policy ORDER BY 1::text, 2;
SELECT relname, relacl FROM pg_class WHERE relnamespace = 'maas'::regnamespace ORDER BY 1;
SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'maas'::regnamespace ORDER BY 1;
};
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION maas');
is($node->safe_psql('up', $objects), $node->safe_psql('fresh', $objects),
	'upgraded objects, constraints, policies and privileges are those of a fresh install');

# life goes on: versions continue, the grantee still predicts, a trainer
# the owner granted trains a new version
is($node->safe_psql('up', q{SELECT version FROM maas_train('lin_diabetes', 'linear_regression', 'diabetes', 'progression')}),
	'2', 'a new version after the update continues the numbering');
is($node->safe_psql('up', q{SET ROLE up_trainer;
	SELECT version FROM maas_train('mlp_iris', 'mlp', 'iris', 'species', '{"hidden_layers": [4], "epochs": 1}')}),
	'2', 'a role granted train before the update trains after it');
like($node->safe_psql('up', q{SELECT count(*), sum(maas_predict('log_penguins', p)) FROM penguins_num p}),
	qr/^344\|/, 'the owner predicts after the update');
is($node->safe_psql('up', q{SELECT count(*) FROM maas_help('maas_predict')}) > 0,
	1, 'maas_help() is there after the update');

# not trusted: a role that may create objects in a database cannot create
# maas there (maas.control, README "Installing")
$node->safe_psql('postgres', q{CREATE ROLE up_dbowner LOGIN; CREATE DATABASE up_owned OWNER up_dbowner});
like(sql_error($node, 'up_owned', 'SET ROLE up_dbowner; CREATE EXTENSION maas'),
	qr/^42501: permission denied to create extension "maas"/,
	'a database owner who is not superuser cannot CREATE EXTENSION maas (42501)');

done_testing();
