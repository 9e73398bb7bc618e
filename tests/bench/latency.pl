#!/usr/bin/perl
# Reads records carrying "sent_ms" (tide-gen --stamp) and, at the end,
# prints the arrival latency (now - sent_ms) p50/p99/max in ms over the
# records after the first --skip N (warm-up).  Used by tests/bench/latency.sh.
use strict;
use warnings;
use Time::HiRes qw(time);

my $skip = 0;
$skip = $ARGV[1] if @ARGV >= 2 && $ARGV[0] eq '--skip';
my @lat;
my $n = 0;
while (my $line = <STDIN>) {
	my $now = time() * 1000;
	next unless $line =~ /"sent_ms":(\d+)/;
	next if $n++ < $skip;
	push @lat, $now - $1;
}
@lat = sort { $a <=> $b } @lat;
my $c = scalar @lat;
if ($c == 0) {
	print "records 0\n";
	exit 1;
}
printf "records %d p50 %.1f ms p99 %.1f ms max %.1f ms\n", $c,
    $lat[int($c * 0.50)], $lat[int($c * 0.99)], $lat[$c - 1];
