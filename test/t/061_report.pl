
# maas_report rendered by a browser: the page of a classifier and of a
# regressor, each with a source, opened by headless Chromium (Debian's
# chromium, which test/deps.sh installs), and the screenshot read back by
# test/reference/report_screenshot.py (python3-pil): not a blank page, the
# charts drawn down the whole page in the palette's colours, the confusion
# matrix's shades for the classifier.  Skipped where Chromium cannot run
# (no package, or a chroot without what it needs).
# MAAS_REPORT_SCREENSHOT=path keeps the classifier's screenshot (README's).
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Copy qw(copy);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my ($chromium) = grep { -x $_ } map { "$_/chromium" } split /:/, $ENV{PATH};

# Chromium as root needs --no-sandbox; its profile and crash files in $tmp
sub screenshot
{
	my ($html, $png, $height) = @_;
	unlink $png;
	my $out = `HOME=$tmp timeout 120 $chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir=$tmp/profile --screenshot=$png --window-size=1100,$height file://$html 2>&1`;
	return -s $png ? '' : ($out || 'no screenshot written');
}

plan skip_all => 'chromium is not installed (test/deps.sh installs it)' unless defined $chromium;
plan skip_all => 'python3-pil is not installed (test/deps.sh installs it)'
  if system('/usr/bin/python3', '-c', 'import PIL') != 0;

my $node = maas_node('report');
load_datasets($node, 'postgres');
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
SELECT maas_train('report_classifier', 'gradient_boosting', 'breast_cancer', 'malignant',
				  '{"n_estimators": 40, "max_depth": 3, "seed": 1}');
SELECT maas_train('report_classifier', 'gradient_boosting', 'breast_cancer', 'malignant',
				  '{"n_estimators": 60, "max_depth": 3, "seed": 2, "deploy": "always"}');
SELECT maas_train('report_regressor', 'gradient_boosting', 'diabetes', 'progression',
				  '{"n_estimators": 50, "max_depth": 3, "seed": 1}');
});

my %case = (
	classifier => [ 'report_classifier', 'breast_cancer', 5200 ],
	regressor => [ 'report_regressor', 'diabetes', 3600 ]);
my %seen;
for my $kind (sort keys %case)
{
	my ($model, $source, $height) = @{ $case{$kind} };
	my $html = $node->safe_psql('postgres', "SELECT maas_report('$model', '$source')");
	my $file = "$tmp/$kind.html";
	open(my $fh, '>:raw', $file) or die;
	print $fh $html;
	close $fh;
	my $err = screenshot($file, "$tmp/$kind.png", $height);
	# the first launch tells whether Chromium can run here at all
	plan skip_all => "chromium cannot run here: $err" if $err ne '' && !%seen;
	is($err, '', "$kind: Chromium renders the page");
	my $line = `/usr/bin/python3 test/reference/report_screenshot.py $tmp/$kind.png 2>&1`;
	my %s = map { split /=/ } split ' ', $line;
	note("$kind: $line");
	$seen{$kind} = \%s;
	# white page with text only: ink about 1%, a few dozen colours
	cmp_ok($s{ink} // 0, '>', 0.03, "$kind: not a blank page (ink $s{ink})");
	cmp_ok($s{colours} // 0, '>', 200, "$kind: drawn in many colours ($s{colours})");
	cmp_ok($s{blue} // 0, '>', 2000, "$kind: the charts' lines and bars are there ($s{blue} pixels)");
	cmp_ok($s{bands} // 0, '>=', 9, "$kind: something in every tenth of the page ($s{bands})");
	cmp_ok($s{lowest_blue} // 0, '>', 0.6 * ($s{drawn} // 1),
		"$kind: charts down to the end of the page (last at $s{lowest_blue} of $s{drawn})");
	if ($kind eq 'classifier')
	{
		copy("$tmp/$kind.png", $ENV{MAAS_REPORT_SCREENSHOT}) if $ENV{MAAS_REPORT_SCREENSHOT};
		cmp_ok($s{dark} // 0, '>', 500, "classifier: the confusion matrix's dark cells ($s{dark} pixels)");
	}
	else
	{
		cmp_ok($s{dark} // 0, '<', 50, "regressor: no confusion matrix ($s{dark} pixels)");
	}
}
cmp_ok($seen{classifier}{drawn}, '>', $seen{regressor}{drawn},
	'the classifier has the longer page: confusion matrix and class curves');

$node->stop;
done_testing();
