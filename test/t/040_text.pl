
# text_classifier: reports its epochs while it runs, stops promptly on
# statement_timeout and pg_cancel_backend while it trains (not while it
# reads) leaving nothing behind, and predicts in parallel workers.
use strict;
use warnings;

use File::Basename qw(dirname);
use lib dirname(__FILE__);
use IPC::Run;
use MaasTAP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = maas_node('text');
my $root = maas_root();
$node->safe_psql('postgres', qq{
SET client_min_messages = warning;
CREATE EXTENSION maas;
CREATE TABLE reuters (split text, body text, is_grain int);
COPY reuters FROM '$root/data/reuters_grain.csv' (FORMAT csv, HEADER);
});

# 1. progress: epochs, loss and words per second
my ($out, $lines, $took) = run_timed($node, "SET maas.progress_interval = '100ms'",
	q{SELECT version FROM maas_train('p_text', 'text_classifier', 'reuters', 'is_grain',
		'{"exclude": ["split"], "epochs": 100}')});
is($out, '1', 'text_classifier with 100 epochs trains');
my @epochs = map { $_->[1] =~ /^NOTICE:  text_classifier: epoch (\d+) of 100, loss [\d.e+-]+, \d+ words\/s$/ ? $1 : () } @$lines;
cmp_ok(scalar(@epochs), '>=', 2, sprintf("at least two epoch reports in %.1f s: @epochs", $took));
ok((!grep { $epochs[$_] <= $epochs[ $_ - 1 ] } 1 .. $#epochs), 'epochs advance');

# 2. statement_timeout and pg_cancel_backend stop the SGD (the read of
# 2,158 stories takes well under the timeout)
my $endless = q{SELECT maas_train('c_text', 'text_classifier', 'reuters', 'is_grain',
	'{"exclude": ["split"], "epochs": 10000}')};
my $start = time;
my ($ret, $o, $err) = $node->psql('postgres', "SET statement_timeout = '1500ms';\n$endless", timeout => 60);
my $elapsed = time - $start;
like($err, qr/canceling statement due to statement timeout/, 'statement_timeout cancels text_classifier');
cmp_ok($elapsed, '<', 3.5, sprintf('within 2 s of the timeout (%.2f s)', $elapsed));

my $bg = start_psql($node, 'postgres', [$endless], 'text_cancel');
my $pid = backend_pid($node, 'text_cancel', '%c_text%', 1.0);
ok(defined $pid, 'the endless fit is running');
$start = time;
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$bg->{h}->finish;
$elapsed = time - $start;
like(${ $bg->{err} }, qr/canceling statement due to user request/, 'pg_cancel_backend cancels text_classifier');
cmp_ok($elapsed, '<', 2, sprintf('within 2 s (%.2f s)', $elapsed));
is($node->safe_psql('postgres', q{SELECT count(*) FROM maas.models WHERE name = 'c_text'}), '0',
	'no model row left');

# 3. the (name, text) form in parallel workers gives what one backend gives
my $serial = $node->safe_psql('postgres', q{
SET max_parallel_workers_per_gather = 0;
SELECT sum(maas_predict('p_text', body)) FROM reuters});
my $parallel = $node->safe_psql('postgres', q{
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SELECT sum(maas_predict('p_text', body)) FROM reuters});
is($parallel, $serial, "parallel workers predict the same ($serial stories classified as grain)");

done_testing();
