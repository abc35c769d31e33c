# Shards: two servers each hold half of a table; a third trains one model
# from both through postgres_fdw, with maas_fit_partial pushed down to each
# shard and maas_fit_merge on the coordinator, and predicts on the shards
# with the model bytes it sends them.  The merged model equals the one
# trained on all rows in one place: least squares coefficients to 1e-10,
# and the other algorithms with mergeable statistics (ridge, lasso,
# elastic_net, naive_bayes, pca) to 1e-9 in their predictions.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my @shards = map { maas_node("shard$_") } (1, 2);
my $coord = maas_node('coord');
for my $node (@shards, $coord)
{
	load_datasets($node, 'postgres');
}
# each shard keeps its half, by a hash of the row
$shards[0]->safe_psql('postgres', q{DELETE FROM diabetes d WHERE hashtext(d::text) & 1 = 1});
$shards[1]->safe_psql('postgres', q{DELETE FROM diabetes d WHERE hashtext(d::text) & 1 = 0});
my $n1 = $shards[0]->safe_psql('postgres', 'SELECT count(*) FROM diabetes');
my $n2 = $shards[1]->safe_psql('postgres', 'SELECT count(*) FROM diabetes');
is($n1 + $n2, 442, "the shards hold the 442 rows between them ($n1 + $n2)");

# the coordinator reaches both through postgres_fdw; maas is shippable
my $setup = "CREATE EXTENSION postgres_fdw;\n";
for my $i (1, 2)
{
	my $s = $shards[ $i - 1 ];
	$setup .= sprintf(q{
CREATE SERVER s%d FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host %s, port '%s', dbname 'postgres', extensions 'maas');
CREATE USER MAPPING FOR CURRENT_USER SERVER s%d OPTIONS (user '%s');
CREATE FOREIGN TABLE diabetes_s%d (age float8, sex float8, bmi float8, bp float8, s1 float8,
	s2 float8, s3 float8, s4 float8, s5 float8, s6 float8, progression float8)
	SERVER s%d OPTIONS (table_name 'diabetes');
}, $i, "'" . $s->host . "'", $s->port, $i, scalar(getpwuid($<)), $i, $i);
}
$coord->safe_psql('postgres', $setup);

my $x = 'ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]';
my %cases = (
	ols => [ 'linear_regression', 'progression', '{}', 'maas_predict' ],
	ridge => [ 'linear_regression', 'progression', '{"l2": 10}', 'maas_predict' ],
	lasso => [ 'lasso', 'progression', '{"alpha": 0.5}', 'maas_predict' ],
	elastic_net => [ 'elastic_net', 'progression', '{"alpha": 0.1, "l1_ratio": 0.5}', 'maas_predict' ],
	naive_bayes => [ 'naive_bayes', '(progression > 140)::int', '{}', 'maas_predict_proba' ],
	pca => [ 'pca', 'NULL::float8', '{"n_components": 3}', 'maas_transform' ],
);

# postgres_fdw ships an aggregate only when its text arguments come from the
# remote table (its collation rule), and the algorithm's name is a constant:
# so each shard exposes its partial state as a view, which the coordinator
# reads as a foreign table and merges
for my $name (sort keys %cases)
{
	my ($algorithm, $target, $params) = @{ $cases{$name} };
	$_->safe_psql('postgres', qq{CREATE VIEW partial_$name AS
		SELECT maas_fit_partial('$algorithm', $x, $target, '$params') AS p FROM diabetes})
	  for @shards;
	$coord->safe_psql('postgres', join('', map {
		qq{CREATE FOREIGN TABLE partial_${name}_s$_ (p bytea) SERVER s$_ OPTIONS (table_name 'partial_$name');\n}
	} (1, 2)));
}
sub merged
{
	my ($name) = @_;
	return qq{(SELECT maas_fit_merge(p) FROM (SELECT p FROM partial_${name}_s1
											   UNION ALL SELECT p FROM partial_${name}_s2) parts)};
}
sub local_model
{
	my ($name) = @_;
	my ($algorithm, $target, $params) = @{ $cases{$name} };
	return qq{(SELECT maas_fit('$algorithm', $x, $target, '$params') FROM diabetes)};
}

my $plan = $coord->safe_psql('postgres', 'EXPLAIN (VERBOSE, COSTS OFF) SELECT ' . merged('ols'));
like($plan, qr/Remote SQL: SELECT p FROM public\.partial_ols.*Remote SQL: SELECT p FROM public\.partial_ols/s,
	'each shard computes its partial state; the coordinator reads one bytea from each') or diag($plan);
is($coord->safe_psql('postgres', q{SELECT count(*) FROM partial_ols_s1}), '1', 'one state per shard');

# least squares: the same coefficients as one server, to 1e-10
my $coef = $coord->safe_psql('postgres', sprintf(q{
SELECT max(abs(a.value::float8 - b.value::float8) / greatest(1, abs(b.value::float8)))
FROM jsonb_each_text(maas_info(%s)->'parameters'->'coefficients') a
JOIN jsonb_each_text(maas_info(%s)->'parameters'->'coefficients') b USING (key)},
	merged('ols'), local_model('ols')));
cmp_ok($coef, '<=', 1e-10, "least squares from two shards equals one server's (max difference $coef)");

# every mergeable algorithm: the same predictions
for my $name (sort keys %cases)
{
	my ($algorithm, $target, $params, $fn) = @{ $cases{$name} };
	my $diff = $coord->safe_psql('postgres', sprintf(q{
WITH m AS (SELECT %s AS merged, %s AS whole)
SELECT max(abs(a - b) / greatest(1, abs(b)))
FROM m, diabetes d,
	 LATERAL unnest(ARRAY[%s(m.merged, %s)]::float8[], ARRAY[%s(m.whole, %s)]::float8[]) u(a, b)},
		merged($name), local_model($name),
		$fn, $x, $fn, $x));
	cmp_ok($diff, '<=', 1e-9, "$name from two shards predicts as one server's model (max difference $diff)");
}

# prediction runs on the shards, with the bytes the coordinator sends
$coord->safe_psql('postgres', sprintf(q{CREATE TABLE model AS SELECT %s AS bytes}, merged('ols')));
my $remote = q{SELECT count(*) FROM diabetes_s1 d WHERE maas_predict(%s::bytea, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]) > 150};
my $bytes = $coord->safe_psql('postgres', q{SELECT quote_literal(bytes) FROM model});
$plan = $coord->safe_psql('postgres', 'EXPLAIN (VERBOSE, COSTS OFF) ' . sprintf($remote, $bytes));
like($plan, qr/Remote SQL: SELECT .*public\.maas_predict\(/s,
	'the filter on the prediction runs on the shard') or diag(substr($plan, 0, 400));
my $on_shards = 0;
for my $i (1, 2)
{
	$on_shards += $coord->safe_psql('postgres', sprintf($remote =~ s/diabetes_s1/diabetes_s$i/r, $bytes));
}
my $here = $coord->safe_psql('postgres',
	qq{SELECT count(*) FROM diabetes d, model WHERE maas_predict(model.bytes, $x) > 150});
is($on_shards, $here, "predicting on the shards counts the rows the coordinator counts ($here)");

$_->stop for (@shards, $coord);
done_testing();
