
# Models survive pg_dump -Fc / pg_restore into a fresh database: every row of
# the catalog, the live versions, the grants, the predictions, and the
# sequences (new versions and ids continue where the dump left off).
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

my $node = maas_node('dump');
$node->safe_psql('postgres', 'CREATE DATABASE src');
load_datasets($node, 'src');

# Several models with a history: linear (2 versions, rolled back), logistic
# binary (boolean target), multiclass with a text target and text features
# (3 versions, deployed by hand, rolled back), a maas_grant and SQL GRANTs.
$node->safe_psql('src', q{
CREATE ROLE dr_reader;
CREATE ROLE dr_trainer;
SELECT maas_train('dr_diabetes', 'linear_regression', 'diabetes', 'progression');
SELECT maas_train('dr_diabetes', 'linear_regression', 'diabetes', 'progression',
				  '{"l2": 100, "deploy": "always"}');
SELECT maas_rollback('dr_diabetes');
SELECT maas_train('dr_cancer', 'logistic_regression', 'breast_cancer', 'malignant', '{"C": 0.5}');
SELECT maas_train('dr_penguins', 'logistic_regression', 'penguins', 'species', '{"exclude": ["year"]}');
SELECT maas_train('dr_penguins', 'logistic_regression', 'penguins', 'species',
				  '{"exclude": ["year"], "C": 0.01, "deploy": "never"}');
SELECT maas_train('dr_penguins', 'logistic_regression', 'penguins', 'species',
				  '{"features": ["bill_length_mm", "island"], "deploy": "always"}');
SELECT maas_deploy('dr_penguins', 2);
SELECT maas_deploy('dr_penguins', 1);
SELECT maas_rollback('dr_penguins');
SELECT maas_grant('dr_penguins', 'dr_reader', 'predict');
SELECT maas_grant('dr_diabetes', 'public', 'deploy');
REVOKE EXECUTE ON FUNCTION maas_train(text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION maas_train(text, text, text, text, jsonb) TO dr_trainer;
GRANT SELECT ON penguins TO dr_reader;
});

# Everything that must survive, as text
my %snapshot = (
	models => q{SELECT id, name, version, algorithm, task, params, features, target,
					metrics, md5(model), octet_length(model), rows_trained, train_ms,
					trained_at, owner, trained_by
				FROM maas.models ORDER BY id},
	deployments => q{SELECT * FROM maas.deployments ORDER BY id},
	deployed => q{SELECT * FROM maas.deployed ORDER BY name},
	grants => q{SELECT * FROM maas.grants ORDER BY name, grantee, privilege},
	names => q{SELECT * FROM maas.names ORDER BY name},
	live_info => q{SELECT name, maas_info(name) FROM maas.deployed ORDER BY name},
	model_info => q{SELECT id, maas_info(model) FROM maas.models ORDER BY id},
	diabetes => q{SELECT string_agg(d::text || ' -> ' || maas_predict('dr_diabetes', d)
						|| ' ' || maas_predict('dr_diabetes', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]),
						E'\n' ORDER BY d::text)
				  FROM diabetes d},
	cancer => q{SELECT string_agg(b::text || ' -> ' || maas_predict_class('dr_cancer', b) || ' '
						|| maas_predict_proba('dr_cancer', b)::text, E'\n' ORDER BY b::text)
				FROM breast_cancer b},
	penguins => q{SELECT string_agg(p::text || ' -> ' || maas_predict_class('dr_penguins', p) || ' '
						|| maas_predict_proba('dr_penguins', p)::text, E'\n' ORDER BY p::text)
				  FROM penguins p},
	every_version => q{SELECT string_agg(m.version || ': ' || maas_predict(m.model, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]),
										 E'\n' ORDER BY m.id, d::text)
					   FROM maas.models m, diabetes d WHERE m.name = 'dr_diabetes'},
	privileges => q{SELECT has_function_privilege('dr_reader', 'maas_train(text, text, text, text, jsonb)', 'EXECUTE'),
						   has_function_privilege('dr_trainer', 'maas_train(text, text, text, text, jsonb)', 'EXECUTE'),
						   has_table_privilege('dr_reader', 'penguins', 'SELECT'),
						   has_table_privilege('dr_reader', 'maas.models', 'SELECT'),
						   has_table_privilege('dr_reader', 'maas.models', 'INSERT')},
	as_reader => q{SET ROLE dr_reader;
				   SELECT count(*), sum(maas_predict('dr_penguins', p)) FROM penguins p;
				   SELECT count(*) FROM maas.models;
				   RESET ROLE},
	sequences => q{SELECT last_value, is_called FROM maas.models_id_seq
				   UNION ALL SELECT last_value, is_called FROM maas.deployments_id_seq},
);

my %before;
$before{$_} = $node->safe_psql('src', $snapshot{$_}) for sort keys %snapshot;

# sanity: the snapshots hold what the statements above made
is($before{privileges}, 'f|t|t|t|f', 'privileges: maas_train revoked from PUBLIC, granted to dr_trainer');
like($before{as_reader}, qr/^344\|[0-9.e+]+\n0$/, 'the grantee predicts 344 rows and sees no catalog rows');
is(scalar(split /\n/, $before{diabetes}), 442, 'a prediction per diabetes row');
is(scalar(split /\n/, $before{every_version}), 2 * 442, 'predictions of both dr_diabetes versions');
is(scalar(split /\n/, $before{penguins}), 344, 'a prediction per penguin');
like($before{grants}, qr/dr_penguins\|dr_reader\|predict/, 'the grant of maas_grant');
like($before{names}, qr/^dr_cancer\|.*\ndr_diabetes\|.*\ndr_penguins\|/, 'a row per model name');
is($node->safe_psql('src', 'SELECT count(*) FROM maas.models'), '6', 'six model versions');
is($node->safe_psql('src', q{SELECT string_agg(name || '=' || version, ',' ORDER BY name) FROM maas.deployed}),
	'dr_cancer=1,dr_diabetes=1,dr_penguins=2', 'live versions after deploys and rollbacks');
is($node->safe_psql('src', 'SELECT count(*) FILTER (WHERE rolled_back) || \'/\' || count(*) FROM maas.deployments'),
	'2/7', 'two of seven deployments rolled back');
is( $node->safe_psql('src', q{SET ROLE dr_reader; SELECT count(*) FROM penguins p WHERE maas_predict_class('dr_penguins', p) IS NOT NULL}),
	'344', 'the grantee predicts before the dump');

# dump, restore into a fresh database of the same cluster
my $dump = "$PostgreSQL::Test::Utils::tmp_check/src.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore (which creates the extension)');

is($node->safe_psql('dst', q{SELECT extversion FROM pg_extension WHERE extname = 'maas'}),
	'0.2.0', 'extension created by the restore');
for my $what (sort keys %snapshot)
{
	my $after = $node->safe_psql('dst', $snapshot{$what});
	is($after, $before{$what}, "identical after restore: $what");
}

# The sequences continue: a new version of a name gets the next number and
# a fresh id; new deployments get fresh ids.  Train the same in src and dst:
# both must give the same numbers, beyond everything dumped.
my $train = q{SELECT version FROM maas_train('dr_diabetes', 'linear_regression', 'diabetes', 'progression',
												'{"deploy": "always"}');
			  SELECT max(id) FROM maas.models;
			  SELECT max(id) FROM maas.deployments;
			  SELECT maas_train('dr_new', 'linear_regression', 'concrete', 'compressive_strength') IS NOT NULL;
			  SELECT id FROM maas.models WHERE name = 'dr_new'};
my $old_max = $node->safe_psql('src', 'SELECT max(id) FROM maas.models');
my $old_deploy_max = $node->safe_psql('src', 'SELECT max(id) FROM maas.deployments');
my $src_new = $node->safe_psql('src', $train);
my $dst_new = $node->safe_psql('dst', $train);
is($dst_new, $src_new, 'training after the restore continues the sequences as in the source');
my ($version, $model_id, $deploy_id, undef, $new_id) = split /\n/, $dst_new;
is($version, '3', 'next version of dr_diabetes is 3');
is($model_id, $old_max + 1, 'next model id follows the dumped ones');
is($deploy_id, $old_deploy_max + 1, 'next deployment id follows the dumped ones');
is($new_id, $old_max + 2, 'a new name gets the id after that');
is($node->safe_psql('dst', q{SELECT version FROM maas.deployed WHERE name = 'dr_diabetes'}),
	'3', 'the new version is live in the restored database');

# And the restored catalog still answers its access rules: the grantee may
# predict with dr_penguins but not train it; a new owner's model is theirs
is( $node->safe_psql('dst', q{SET ROLE dr_reader; SELECT count(*) FROM penguins p WHERE maas_predict_class('dr_penguins', p) IS NOT NULL}),
	'344', 'the grantee predicts after the restore');
like(sql_error($node, 'dst', q{SET ROLE dr_reader; SELECT maas_deploy('dr_penguins', 1)}),
	qr/^42501: /, 'the grantee may not deploy after the restore');

$node->stop;
done_testing();
