# Quotas under load: 16 pgbench clients, each as its own role, predict 7
# rows a query with a model whose quota gives each role 700 predictions a
# day; one more role has no quota.  Every limited client is refused with
# SQLSTATE 53400 once its quota is used up and none exceeds it by more than
# one query's rows; the role without a quota is never refused.
#
#   MAAS_QUOTA_SECONDS   duration (default 8)
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{MAAS_QUOTA_SECONDS} // 8;
my $clients = 16;
my $quota = 700;
my $rows = 7;

my $node = maas_node('quota', conf => "max_connections = 40\nfsync = off\n");
load_datasets($node, 'postgres');
$node->safe_psql('postgres', q{SELECT maas_train('qm', 'linear_regression', 'diabetes', 'progression')});
my $setup = '';
for my $c (0 .. $clients - 1)
{
	$setup .= "CREATE ROLE quota_$c; GRANT SELECT ON diabetes TO quota_$c; SELECT maas_grant('qm', 'quota_$c');\n";
	# the last client's role has no quota: the others' refusals must not touch it
	$setup .= "SELECT maas_set_quota('qm', 'quota_$c', '{\"predictions_per_day\": $quota}');\n"
	  if $c < $clients - 1;
}
$node->safe_psql('postgres', $setup . 'SELECT maas_usage_reset();');

# each client sets its own role, then predicts $rows rows per query
my $script = "$PostgreSQL::Test::Utils::tmp_check/quota.sql";
open(my $fh, '>', $script) or die;
print $fh "SET ROLE quota_:client_id;\n"
  . "SELECT count(maas_predict('qm', d)) FROM (SELECT * FROM diabetes LIMIT $rows) d;\n";
close $fh;
my ($out, $err) = ('', '');
IPC::Run::run([ 'pgbench', '-n', '-M', 'simple', '-c', $clients, '-j', 2, '-T', $seconds,
	'-f', $script, '-d', $node->connstr('postgres') ], '>', \$out, '2>', \$err);
note $out;

my @refused = $err =~ /client (\d+) script \d+ aborted .*quota of $quota predictions per day for model "qm" is used up/g;
my %refused = map { $_ => 1 } @refused;
is(scalar(keys %refused), $clients - 1, 'every limited client is refused once its quota is used up');
ok(!$refused{ $clients - 1 }, 'the role without a quota is never refused');
my @other = grep { /ERROR|aborted/ && !/quota of $quota predictions|Run was aborted/ } split /\n/, $err;
is(scalar(@other), 0, 'no other error') or diag(join("\n", @other));
like($err, qr/53400|quota/, 'the refusal names the quota');

my $counts = $node->safe_psql('postgres', q{
SELECT role, sum(predictions) FROM maas.usage WHERE model = 'qm' AND role LIKE 'quota\_%'
GROUP BY role ORDER BY role});
my %count = map { split /\|/ } split /\n/, $counts;
my $worst = 0;
for my $c (0 .. $clients - 2)
{
	my $n = $count{"quota_$c"} // 0;
	$worst = $n if $n > $worst;
	ok($n >= $quota && $n <= $quota + $rows, "quota_$c predicted $n rows: its quota, and at most one query more");
}
cmp_ok($count{ 'quota_' . ($clients - 1) } // 0, '>', $quota, 'the role without a quota predicted past it');
note "most rows any limited role predicted: $worst (quota $quota, $rows rows a query)";

$node->stop;
done_testing();
