
# maas_drift reads, never writes: on a hot standby it gives the primary's
# answer (the profile arrives with the model bytes by WAL), and on the
# primary it leaves the WAL insert position where it was.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = maas_node('primary', init => { allows_streaming => 1 },
	conf => "wal_log_hints = off\nautovacuum = off\n"
	  . "maas.usage_flush_interval = 0\n");
load_datasets($primary, 'postgres');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', q{
SELECT maas_train('dr_penguins', 'logistic_regression', 'penguins', 'species', '{"exclude": ["year"]}');
});
$primary->wait_for_catchup($standby);

my $drift = q{SELECT maas_drift('dr_penguins', 'SELECT * FROM penguins WHERE island = ''Biscoe''')::text};
my $p = $primary->safe_psql('postgres', $drift);
like($p, qr/"drifted": true/, 'the primary finds Biscoe\'s penguins drifted');
is($standby->safe_psql('postgres', $drift), $p, 'the standby answers maas_drift as the primary');

# warmed up (caches, hint bits), then 50 calls must not move the WAL insert
# position; a background record in the window is retried twice
$primary->safe_psql('postgres', 'VACUUM; CHECKPOINT');
my $script = join("\n", map { "$drift;" } 1 .. 50);
$primary->safe_psql('postgres', $script);
my $unchanged = 0;
for my $attempt (1 .. 3)
{
	my @lines = split /\n/, $primary->safe_psql('postgres',
		"SELECT pg_current_wal_insert_lsn();\n$script\nSELECT pg_current_wal_insert_lsn();");
	if ($lines[0] eq $lines[-1])
	{
		$unchanged = 1;
		last;
	}
}
ok($unchanged, 'maas_drift writes no WAL');

done_testing();
