
# maas_export(name, 'xgboost'): gradient_boosting models, trained or
# imported, written as XGBoost's JSON model and read back by Debian's
# python3-xgboost (test/reference/export_check.py), which predicts what
# maas_predict does.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = maas_node('export');
load_datasets($node, 'postgres');
my $bc = join(', ', map { $_ } qw(mean_radius mean_texture mean_perimeter mean_area
	mean_smoothness mean_compactness mean_concavity mean_concave_points mean_symmetry
	mean_fractal_dimension radius_error texture_error perimeter_error area_error
	smoothness_error compactness_error concavity_error concave_points_error symmetry_error
	fractal_dimension_error worst_radius worst_texture worst_perimeter worst_area
	worst_smoothness worst_compactness worst_concavity worst_concave_points worst_symmetry
	worst_fractal_dimension));
my $peng = 'bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year';
my $conc = 'cement, blast_furnace_slag, fly_ash, water, superplasticizer, coarse_aggregate, fine_aggregate, age';
my $diab = 'age, sex, bmi, bp, s1, s2, s3, s4, s5, s6';
my $xgb_bc = slurp_file('test/import/xgb_bc.json');
my $xgb_diab = slurp_file('test/import/xgb_diab.json');
my $lgb_peng = slurp_file('test/import/lgb_peng.txt');
$node->safe_psql('postgres', qq{
SET client_min_messages = warning;
SELECT maas_train('gb_bc', 'gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 30}');
SELECT maas_train('gb_peng', 'gradient_boosting', 'SELECT species, $peng FROM penguins', 'species', '{"n_estimators": 20}');
SELECT maas_train('gb_conc', 'gradient_boosting', 'concrete', 'compressive_strength', '{"n_estimators": 30}');
SELECT maas_import('xgb_bc', 'xgboost', \$m\$$xgb_bc\$m\$);
SELECT maas_import('xgb_diab', 'xgboost', \$m\$$xgb_diab\$m\$, '{"features": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]}');
SELECT maas_import('lgb_peng', 'lightgbm', \$m\$$lgb_peng\$m\$);
});

local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGDATABASE} = 'postgres';
# a measured value below a bound; a missing one (the check did not run) fails
sub Below { my ($v, $bound) = @_; return defined $v && $v ne '' && $v < $bound; }

# XGBoost itself is Debian's python3-xgboost, which test/deps.sh installs for
# make test; the version matrix's chroots do not have it
my $have_xgboost = system('/usr/bin/python3', '-c', 'import numpy, xgboost') == 0;
SKIP:
{
	skip 'python3-xgboost is not installed', 7 unless $have_xgboost;
	my $out = `/usr/bin/python3 test/reference/export_check.py "gb_bc=SELECT $bc FROM breast_cancer" "gb_peng=SELECT $peng FROM penguins" "gb_conc=SELECT $conc FROM concrete" "xgb_bc=SELECT $bc FROM breast_cancer" "xgb_diab=SELECT $diab FROM diabetes" "lgb_peng=SELECT $peng FROM penguins" 2>&1`;
	is($?, 0, 'XGBoost loads every exported model') or diag($out);
	my %r = map { my @f = split; ($f[0] => [@f[1 .. 3]]) } grep { /^\w+ \d+ / } split /\n/, $out;
	note($out);

	# XGBoost adds in single precision and holds leaves as floats: 1e-6
	ok(Below($r{gb_bc}[1], 1e-6), "trained binary: XGBoost's probabilities equal maas's (max $r{gb_bc}[1] over $r{gb_bc}[0] rows)");
	ok(Below($r{gb_peng}[1], 1e-6), "trained multiclass with NULLs: equal (max $r{gb_peng}[1] over $r{gb_peng}[0] rows)");
	ok(Below($r{xgb_bc}[1], 1e-6), "imported from XGBoost and back: equal (max $r{xgb_bc}[1])");
	ok(Below($r{xgb_diab}[1], 1e-6), "imported regression and back: relative difference $r{xgb_diab}[1]");
	ok(Below($r{lgb_peng}[1], 1e-6), "imported from LightGBM's format, to XGBoost: equal (max $r{lgb_peng}[1])");
	# concrete has a split between two doubles that round to the same float
	# (a cut at 6.1999999999999993 next to the value 6.2): XGBoost cannot
	# tell them apart, so that one row takes the other way
	ok(Below($r{gb_conc}[2], 1.5), "trained regression: at most 1 of $r{gb_conc}[0] rows differs by more than 1e-5 ($r{gb_conc}[2])");
}

# what cannot be exported
like(sql_error($node, 'postgres', q{SELECT maas_train('lin', 'linear_regression', 'diabetes', 'progression'); SELECT maas_export('lin', 'xgboost')}),
	qr/^0A000: maas_export cannot write linear_regression models as "xgboost"/, 'a linear model is not an XGBoost model');
like(sql_error($node, 'postgres', q{SELECT maas_train('dt', 'decision_tree', 'diabetes', 'progression'); SELECT maas_export('dt', 'xgboost')}),
	qr/^0A000: maas_export cannot write decision_tree models as "xgboost"/, 'nor a decision tree');
like(sql_error($node, 'postgres', q{SELECT maas_export('gb_bc', 'pmml')}),
	qr/^0A000: maas_export cannot write gradient_boosting models as "pmml"/, 'nor a boosting model as PMML');
is($node->safe_psql('postgres', q{SELECT maas_export('gb_bc', 1, 'xgboost') = maas_export('gb_bc', 'xgboost')}),
	't', 'a version by number');

done_testing();
