
# maas_export(name, 'onnx') and 'pmml'.  Every supported model, trained on
# three rows of four of a real dataset, exported as ONNX and run by Python's
# ONNX Runtime on the fourth rows (test/reference/onnx_export_check.py):
# onnx.checker accepts it and it predicts what maas_predict and
# maas_predict_proba do.  ONNX Runtime is in Debian 13 and later only
# (python3-onnxruntime, python3-onnx): elsewhere that part is skipped and
# sql/export_onnx.sql checks the bytes.  The linear models' PMML is read by
# test/reference/pmml_check.py, which recomputes their predictions from it.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = maas_node('export_onnx');
load_datasets($node, 'postgres');
# rn: every fourth row is held out of training
my %cols = (
	diab => 'age, sex, bmi, bp, s1, s2, s3, s4, s5, s6',
	conc => 'cement, blast_furnace_slag, fly_ash, water, superplasticizer, coarse_aggregate, fine_aggregate, age',
	peng => 'island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year',
	iris => 'sepal_length, sepal_width, petal_length, petal_width',
	bc => 'mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, '
	  . 'mean_concavity, mean_concave_points, mean_symmetry, worst_radius, worst_texture, worst_area',
	bcall => join(', ', qw(mean_radius mean_texture mean_perimeter mean_area mean_smoothness
		  mean_compactness mean_concavity mean_concave_points mean_symmetry mean_fractal_dimension
		  radius_error texture_error perimeter_error area_error smoothness_error compactness_error
		  concavity_error concave_points_error symmetry_error fractal_dimension_error worst_radius
		  worst_texture worst_perimeter worst_area worst_smoothness worst_compactness worst_concavity
		  worst_concave_points worst_symmetry worst_fractal_dimension)));
my %source = (diab => 'diabetes', conc => 'concrete', peng => 'penguins', iris => 'iris',
	bc => 'breast_cancer', bcall => 'breast_cancer');
my %target = (diab => 'progression', conc => 'compressive_strength', peng => 'species',
	iris => 'species', bc => 'malignant', bcall => 'malignant');
my @models = (
	[ 'lin_diab', 'linear_regression', 'diab', '{}' ],
	[ 'enet_conc', 'elastic_net', 'conc', '{"alpha": 0.5}' ],
	[ 'lasso_diab', 'lasso', 'diab', '{"alpha": 0.1}' ],
	[ 'logit_bc', 'logistic_regression', 'bc', '{}' ],
	[ 'logit_peng', 'logistic_regression', 'peng', '{}' ],
	[ 'dt_conc', 'decision_tree', 'conc', '{"max_depth": 8}' ],
	[ 'dt_peng', 'decision_tree', 'peng', '{}' ],
	[ 'rf_iris', 'random_forest', 'iris', '{"n_estimators": 20}' ],
	[ 'rf_conc', 'random_forest', 'conc', '{"n_estimators": 20, "max_depth": 10}' ],
	[ 'gb_conc', 'gradient_boosting', 'conc', '{"n_estimators": 30}' ],
	[ 'gb_bc', 'gradient_boosting', 'bc', '{"n_estimators": 30}' ],
	[ 'gb_peng', 'gradient_boosting', 'peng', '{"n_estimators": 20}' ],
	# imported from XGBoost (test/import/): its float thresholds route exactly
	[ 'xgb_bc', 'gradient_boosting', 'bcall', 'import' ]);
my $sql = "SET client_min_messages = warning;\n";
for my $d (sort keys %source)
{
	$sql .= "CREATE TABLE h_$d AS SELECT row_number() OVER () AS rn, * FROM $source{$d};\n";
}
for my $m (@models)
{
	my ($name, $alg, $d, $params) = @$m;
	next if $params eq 'import';
	$sql .= "SELECT maas_train('$name', '$alg', 'SELECT $target{$d}, $cols{$d} FROM h_$d WHERE rn % 4 <> 0', "
	  . "'$target{$d}', '$params');\n";
}
my $xgb_bc = slurp_file('test/import/xgb_bc.json');
$sql .= "SELECT maas_import('xgb_bc', 'xgboost', \$m\$$xgb_bc\$m\$);\n";
$node->safe_psql('postgres', $sql);

local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGDATABASE} = 'postgres';
# a measured value below a bound; a missing one (the check did not run) fails
sub Below { my ($v, $bound) = @_; return defined $v && $v ne '' && $v < $bound; }
sub Held { my ($name) = grep { $_->[0] eq $_[0] } @models; return "$name->[0]=SELECT $cols{$name->[2]} FROM h_$name->[2] WHERE rn % 4 = 0"; }

my $have_ort = system('/usr/bin/python3', '-c', 'import numpy, onnx, onnxruntime') == 0;
SKIP:
{
	my $n_classifiers = grep { $_->[0] =~ /^(logit|dt_peng|rf_iris|gb_bc|gb_peng|xgb_bc)/ } @models;
	skip 'python3-onnxruntime and python3-onnx are not installed', 2 * @models + $n_classifiers + 2
	  unless $have_ort;
	my $out = `/usr/bin/python3 test/reference/onnx_export_check.py @{[ map { "'" . Held($_->[0]) . "'" } @models ]} 2>&1`;
	is($?, 0, 'onnx.checker accepts every exported model and ONNX Runtime runs it') or diag($out);
	# Debian's onnx and onnxruntime each register the ai.onnx.ml schemas: noise
	note(join("\n", grep { /^\w+ \d+ / } split /\n/, $out));
	my %r = map { my @f = split; ($f[0] => [@f[1 .. 6]]) } grep { /^\w+ \d+ / } split /\n/, $out;
	for my $m (@models)
	{
		my ($name, $alg, $d) = @$m;
		my $r = $r{$name} || [];
		my $ops = $r->[4] // '';
		my $classifier = $target{$d} ne 'progression' && $target{$d} ne 'compressive_strength';
		# float32 input and arithmetic: the bound README explains (Export, ONNX)
		ok(Below($r->[1], 1e-6) && ($alg =~ /regression|net|lasso/ ? $ops =~ /MatMul/ : $ops =~ /TreeEnsembleRegressor/),
			"$name ($alg): ONNX Runtime's predictions equal maas's on $r->[0] held-out rows to 1e-6 (max "
			  . ($classifier ? 'absolute' : 'relative') . " difference $r->[1]; operators $ops)");
		ok(defined $r->[3] && $r->[3] == 0, "$name: every label is maas_predict_class's")
		  if $classifier;
		ok(defined $r->[5] && $r->[5] eq '0', "$name: X built by the metadata input_sql predicts the same");
	}
	# penguins has NULLs (a held-out row of them all): the Imputer fills them
	like($r{logit_peng}[4] // '', qr/Imputer/, 'a model with imputed columns imputes in the graph');
}

# PMML of the linear models and the CART trees, recomputed from the document by Python
my @linear = grep { $_->[1] =~ /regression|net|lasso|decision_tree|random_forest/ } @models;
my $pmml = `/usr/bin/python3 test/reference/pmml_check.py @{[ map { "'" . Held($_->[0]) . "'" } @linear ]} 2>&1`;
is($?, 0, 'the linear and CART models export as PMML that xml.etree reads') or diag($pmml);
note($pmml);
my %p = map { my @f = split; ($f[0] => [@f[1 .. 3]]) } grep { /^\w+ \d+ / } split /\n/, $pmml;
for my $m (@linear)
{
	my $r = $p{ $m->[0] } || [];
	ok(Below($r->[1], 1e-9) && $r->[0] > 30,
		"$m->[0] ($m->[1]): the PMML's predictions equal maas's to 1e-9 on $r->[0] held-out rows (max $r->[1])");
}

done_testing();
