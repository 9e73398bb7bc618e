#!/usr/bin/perl
# Reads records carrying "sent_ms" (tide-gen --stamp) and, at the end,
# prints the arrival latency (now - sent_ms) p50/p99/max in ms over the
# records after the first --skip N SENT (warm-up).  Used by
# tests/bench/latency.sh.  The warm-up is counted by send time, not by
# arrival: the first records sent wait for the producer's start (metadata,
# the idempotent producer's id) and arrive in one burst together with later
# ones, so skipping the first N to arrive kept some of them, and a p99 of
# about 1 s that steady state never sees (seen: 47.7 ms steady, 996 ms
# with them).
use strict;
use warnings;
use Time::HiRes qw(time);

my $skip = 0;
$skip = $ARGV[1] if @ARGV >= 2 && $ARGV[0] eq '--skip';
my @rec;	# [sent_ms, latency]
while (my $line = <STDIN>) {
	my $now = time() * 1000;
	next unless $line =~ /"sent_ms":(\d+)/;
	push @rec, [$1, $now - $1];
}
@rec = sort { $a->[0] <=> $b->[0] } @rec;
splice(@rec, 0, $skip < @rec ? $skip : scalar @rec);
my @lat = sort { $a <=> $b } map { $_->[1] } @rec;
my $c = scalar @lat;
if ($c == 0) {
	print "records 0\n";
	exit 1;
}
printf "records %d p50 %.1f ms p99 %.1f ms max %.1f ms\n", $c,
    $lat[int($c * 0.50)], $lat[int($c * 0.99)], $lat[$c - 1];
