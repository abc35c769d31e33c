
# Models follow streaming replication: a hot standby predicts exactly as the
# primary in every input form, reads (maas_info, maas_evaluate) but refuses
# to train or deploy, and sees a redeploy once it has caught up.
# Prediction writes nothing: no WAL, no transaction id.
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

# wal_log_hints off: a first read that sets hint bits must not look like a
# write of maas's
my $primary = maas_node('primary', init => { allows_streaming => 1 },
	conf => "wal_log_hints = off\nautovacuum = off\n"
	  . "maas.usage_flush_interval = 0\n");	# the metering worker writes
load_datasets($primary, 'postgres');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# trained and deployed after the standby started: the models arrive by WAL
$primary->safe_psql('postgres', q{
SELECT maas_train('sb_diabetes', 'linear_regression', 'diabetes', 'progression');
SELECT maas_train('sb_penguins', 'logistic_regression', 'penguins', 'species', '{"exclude": ["year"]}');
SELECT maas_train('sb_cancer', 'logistic_regression', 'breast_cancer', 'malignant');
});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

my $diabetes_array = 'ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]';
my $live_bytes = q{(SELECT m.model FROM maas.models m JOIN maas.deployed d USING (name, version) WHERE name = '%s')};
my %predictions = (
	diabetes_name_row => q{SELECT string_agg(maas_predict('sb_diabetes', d)::text, E'\n' ORDER BY d::text) FROM diabetes d},
	diabetes_name_array => qq{SELECT string_agg(maas_predict('sb_diabetes', $diabetes_array)::text, E'\\n' ORDER BY d::text)
							  FROM diabetes d},
	diabetes_bytes_array => sprintf(q{SELECT string_agg(maas_predict(%s, %s)::text, E'\n' ORDER BY d::text)
									   FROM diabetes d}, sprintf($live_bytes, 'sb_diabetes'), $diabetes_array),
	penguins_class_row => q{SELECT string_agg(maas_predict_class('sb_penguins', p), E'\n' ORDER BY p::text) FROM penguins p},
	penguins_proba_row => q{SELECT string_agg(maas_predict_proba('sb_penguins', p)::text, E'\n' ORDER BY p::text) FROM penguins p},
	penguins_number_row => q{SELECT string_agg(maas_predict('sb_penguins', p)::text, E'\n' ORDER BY p::text) FROM penguins p},
	cancer_proba_row => q{SELECT string_agg(maas_predict_proba('sb_cancer', b)::text, E'\n' ORDER BY b::text) FROM breast_cancer b},
	cancer_class_row => q{SELECT string_agg(maas_predict_class('sb_cancer', b), E'\n' ORDER BY b::text) FROM breast_cancer b},
	info => q{SELECT string_agg(maas_info(name)::text, E'\n' ORDER BY name) FROM maas.deployed},
	info_bytes => q{SELECT string_agg(maas_info(model)::text, E'\n' ORDER BY id) FROM maas.models},
	evaluate => q{SELECT maas_evaluate('sb_diabetes', 'diabetes')::text || E'\n' ||
						 maas_evaluate('sb_penguins', 'SELECT * FROM penguins WHERE island <> ''Dream''')::text || E'\n' ||
						 maas_evaluate('sb_cancer', 'breast_cancer')::text},
	explain => q{SELECT string_agg(maas_explain('sb_diabetes', d)::text, E'\n' ORDER BY d::text) FROM diabetes d},
);
for my $what (sort keys %predictions)
{
	my $p = $primary->safe_psql('postgres', $predictions{$what});
	my $s = $standby->safe_psql('postgres', $predictions{$what});
	ok(length($p) > 0, "primary answers $what");
	is($s, $p, "standby answers $what as the primary");
}
# usage accounting lives in shared memory: the standby counts its own
# predictions (the 442 rows of each diabetes prediction query above)
like($standby->safe_psql('postgres', q{SELECT sum(predictions + rows_evaluated) FROM maas.usage WHERE model = 'sb_diabetes'}),
	qr/^[1-9][0-9]{3,}$/, 'the standby counts its predictions in maas.usage');
like($standby->safe_psql('postgres', q{SELECT maas_evaluate('sb_diabetes', 'diabetes')->>'rows'}),
	qr/^442$/, 'maas_evaluate on the standby scores every row');

# training and deploying on the standby: a clear error, SQLSTATE 25006
for my $call (
	q{SELECT maas_train('sb_diabetes', 'linear_regression', 'diabetes', 'progression')},
	q{SELECT maas_train('sb_other', 'linear_regression', 'diabetes', 'progression')},
	q{SELECT maas_deploy('sb_diabetes', 1)},
	q{SELECT maas_rollback('sb_diabetes')},
	q{SELECT maas_grant('sb_diabetes', 'public')},
	q{SELECT maas_revoke('sb_diabetes', 'public')},
	q{SELECT maas_drop('sb_diabetes', 1)})
{
	my ($fn) = $call =~ /(maas_\w+)/;
	like(sql_error($standby, 'postgres', $call),
		qr/^25006: cannot run $fn\(\) on a standby/, "$call on the standby: 25006 and a clear message");
}

# A standby session that keeps its model cache across a redeploy and a
# rollback on the primary sees each live version once caught up
my $first_row = qq{SELECT maas_predict('sb_diabetes', $diabetes_array) || ' ' ||
				   (SELECT version FROM maas.deployed WHERE name = 'sb_diabetes')
				   FROM (SELECT * FROM diabetes t ORDER BY t::text LIMIT 1) d};
my $session = $standby->background_psql('postgres');
# (chomp: PostgreSQL 16's BackgroundPsql before 16.3 keeps the newline)
chomp(my $v1 = $session->query_safe($first_row));
like($v1, qr/^[-0-9.e+]+ 1$/, 'standby session predicts with version 1');

$primary->safe_psql('postgres', q{
SELECT maas_train('sb_diabetes', 'linear_regression', 'diabetes', 'progression', '{"l2": 1000, "deploy": "never"}');
SELECT maas_deploy('sb_diabetes', 2);
});
my $v2_primary = $primary->safe_psql('postgres', $first_row);
$primary->wait_for_catchup($standby);
chomp(my $v2 = $session->query_safe($first_row));
like($v2, qr/ 2$/, 'after a redeploy on the primary the standby session uses version 2');
is($v2, $v2_primary, 'with the primary\'s prediction');
isnt((split / /, $v2)[0], (split / /, $v1)[0], 'which differs from version 1\'s');

$primary->safe_psql('postgres', q{SELECT maas_rollback('sb_diabetes')});
$primary->wait_for_catchup($standby);
chomp(my $v3 = $session->query_safe($first_row));
is($v3, $v1, 'after a rollback the standby session is back on version 1');
$session->quit;

# Prediction writes nothing.  Warm up first (caches, hint bits), then 1000
# prediction statements of every form on the primary must leave the WAL
# insert position where it was.  Background processes may log a record of
# their own in the window, so a changed position is retried twice.
$primary->safe_psql('postgres', 'VACUUM; CHECKPOINT');
my @statements;
for my $i (1 .. 200)
{
	my $offset = $i % 300;
	push @statements,
	  qq{SELECT maas_predict('sb_diabetes', d) FROM diabetes d OFFSET $offset LIMIT 1;},
	  qq{SELECT maas_predict('sb_diabetes', $diabetes_array) FROM diabetes OFFSET $offset LIMIT 1;},
	  qq{SELECT maas_predict_class('sb_penguins', p) FROM penguins p OFFSET $offset LIMIT 1;},
	  qq{SELECT maas_predict_proba('sb_cancer', b) FROM breast_cancer b OFFSET $offset LIMIT 1;},
	  sprintf(q{SELECT maas_predict(%s, %s) FROM diabetes OFFSET %d LIMIT 1;},
		sprintf($live_bytes, 'sb_diabetes'), $diabetes_array, $offset);
}
my $script = join("\n", @statements);
$primary->safe_psql('postgres', $script);    # warm-up
my $unchanged = 0;
my @lsns;
for my $attempt (1 .. 3)
{
	my $out = $primary->safe_psql('postgres',
		"SELECT pg_current_wal_insert_lsn();\n$script\nSELECT pg_current_wal_insert_lsn();");
	my @lines = split /\n/, $out;
	is(scalar(@lines), 1002, '1000 predictions ran') if $attempt == 1;
	push @lsns, "$lines[0]..$lines[-1]";
	if ($lines[0] eq $lines[-1])
	{
		$unchanged = 1;
		last;
	}
}
ok($unchanged, "1000 predictions leave the WAL position unchanged (@lsns)");

# per statement, independent of background activity: no WAL records, no xid
my $wal = $primary->safe_psql('postgres', qq{
EXPLAIN (ANALYZE, WAL, FORMAT JSON)
SELECT maas_predict('sb_diabetes', d), maas_predict('sb_diabetes', $diabetes_array),
	   maas_explain('sb_diabetes', d)
FROM diabetes d;
EXPLAIN (ANALYZE, WAL, FORMAT JSON)
SELECT maas_predict_class('sb_penguins', p), maas_predict_proba('sb_penguins', p) FROM penguins p});
like($wal, qr/"WAL Records": 0,/, 'EXPLAIN (WAL): prediction writes no WAL records')
  or diag($wal);
unlike($wal, qr/"WAL Records": [1-9]/, 'in no plan node');
is( $primary->safe_psql('postgres', qq{
BEGIN;
SELECT count(maas_predict('sb_diabetes', d)) FROM diabetes d;
SELECT count(maas_predict_class('sb_penguins', p)) FROM penguins p;
SELECT count(maas_predict_proba('sb_cancer', b)) FROM breast_cancer b;
SELECT count(maas_predict(m.model, $diabetes_array)) FROM diabetes, maas.models m WHERE m.name = 'sb_diabetes';
SELECT count(maas_explain('sb_diabetes', d)) FROM diabetes d;
SELECT count(maas_info(name)) FROM maas.deployed;
SELECT txid_current_if_assigned() IS NULL;
COMMIT;}),
	"442\n344\n569\n884\n442\n3\nt",
	'a transaction that only predicts is assigned no transaction id');

$standby->stop;
$primary->stop;
done_testing();
