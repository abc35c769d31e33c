# Usage accounting when its table is full: a (database, role, model) beyond
# maas.usage_max_entries is not counted, and what it did shows in
# maas.usage_info.dropped instead of vanishing; a reset starts over.
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

my $node = maas_node('usage', conf => "maas.usage_max_entries = 100\n"
	  . "maas.usage_flush_interval = 0\n");	# nothing flushed: nothing to evict
load_datasets($node, 'postgres');

# 105 models: one training run each, then 3 predictions of each
$node->safe_psql('postgres', q{
SELECT maas_usage_reset();
SELECT count(maas_train('full_' || i, 'linear_regression', 'iris', 'petal_width', '{"exclude": ["species"]}'))
FROM generate_series(1, 105) i;
SELECT sum(maas_predict('full_' || i, ARRAY[5.1, 3.5, 1.4]))
FROM generate_series(1, 105) i, generate_series(1, 3) r;
});

my ($entries, $max, $dropped, $counted) = split /\|/, $node->safe_psql('postgres', q{
SELECT entries, max_entries, dropped,
	   (SELECT sum(predictions + training_runs) FROM maas.usage)
FROM maas.usage_info});
is($max, 100, 'max_entries shows maas.usage_max_entries');
is($entries, 100, 'the table filled up to max_entries');
ok($dropped > 0, "counts that did not fit are dropped, and shown ($dropped)");
is($counted + $dropped, 105 * 4, 'every training run and prediction is either counted or dropped');

$node->safe_psql('postgres', 'SELECT maas_usage_reset()');
is($node->safe_psql('postgres', 'SELECT entries || \' \' || dropped || \' \' || (reset_at > now() - interval \'1 minute\') FROM maas.usage_info'),
	'0 0 true', 'a reset empties the table and zeroes dropped');

$node->stop;
done_testing();
