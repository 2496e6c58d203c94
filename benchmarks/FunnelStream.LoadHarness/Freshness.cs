using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace FunnelStream.LoadHarness;

/// <summary>
/// Latency percentiles, milliseconds, from producer send to visible; with <c>LagPerSecond</c>, the
/// records produced but not yet visible, sampled once a second: where a lag starts and whether it
/// builds or recovers; and with <c>MaxMsPerSecond</c>, the longest latency of the records produced in
/// each second: which second a tail comes from.
/// </summary>
internal readonly record struct Latency(long Records, long Lost, double P50Ms, double P99Ms, double MaxMs, Cost Cost, long[] LagPerSecond, double[] MaxMsPerSecond);

/// <summary>
/// Freshness: produces click events with <c>ts</c> = now at a steady rate, round-robin over the
/// partitions of a topic, and measures when each becomes visible. "Visible" is a count read by a
/// probe every ~1 ms: for E2E the engine's counted total (the number /metrics renders), for B3 the
/// bare consumer's record count. Record k is visible once the count exceeds k. Both sides use the
/// same probe, so its ~1 ms resolution costs both the same.
/// </summary>
internal static class Freshness
{
    private const int Ring = 1 << 21;

    // The send times and the latency histogram (24 MB of large-object-heap arrays), allocated once, before
    // any measured row: allocated in a phase, they counted against the worker running in the same process
    // (they were two of its largest large-object allocations, and large-object budget is a gen-2 trigger).
    private static readonly long[] Sent = new long[Ring];
    private static readonly long[] Histogram = new long[1_000_000]; // 10 µs buckets up to 10 s; beyond goes to the last

    /// <summary>Allocates the measuring arrays now, before the rows whose collections are counted.</summary>
    public static void Prepare() => _ = Sent.Length + Histogram.Length;

    public static Latency Measure(string bootstrap, string topic, double rate, TimeSpan duration, Func<long> visible, string idPrefix)
    {
        using IProducer<Null, byte[]> producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 1,
            Acks = Acks.Leader,
        }).Build();
        // The producer's first records would otherwise wait for its connection and the topic's metadata,
        // a start-up delay of the producer that is neither consumer's doing.
        using (IAdminClient admin = new DependentAdminClientBuilder(producer.Handle).Build())
            admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        long[] sent = Sent, histogram = Histogram;
        Array.Clear(sent);
        Array.Clear(histogram);
        long produced = 0, seen = 0;
        bool producing = true;
        long quietSince = 0;
        var meter = new Meter();
        long start = Stopwatch.GetTimestamp(); // producing starts now: the seconds of the send times count from here
        long baseVisible = visible();
        var lag = new List<long>();
        long[] worstBySecond = new long[(int)Math.Ceiling(duration.TotalSeconds) + 1];
        long nextSample = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var probe = new Thread(() =>
        {
            while (true)
            {
                long v = visible() - baseVisible;
                long now = Stopwatch.GetTimestamp();
                long limit = Math.Min(v, Volatile.Read(ref produced));
                if (now >= nextSample && Volatile.Read(ref producing))
                {
                    lag.Add(Volatile.Read(ref produced) - v);
                    nextSample += Stopwatch.Frequency;
                }
                for (; seen < limit; seen++)
                {
                    long sentAt = sent[seen % Ring];
                    long ticks = now - sentAt;
                    int second = (int)Math.Min((sentAt - start) / Stopwatch.Frequency, worstBySecond.Length - 1);
                    worstBySecond[second] = Math.Max(worstBySecond[second], ticks);
                    long bucket = ticks * 100_000 / Stopwatch.Frequency;
                    histogram[Math.Min(bucket, histogram.Length - 1)]++;
                }
                if (!Volatile.Read(ref producing))
                {
                    if (seen >= Volatile.Read(ref produced))
                        return;
                    // Records the embedded broker's retention dropped before they were read never show: stop after 5 s without progress.
                    if (limit > seen || quietSince == 0)
                        quietSince = now;
                    else if (Stopwatch.GetElapsedTime(quietSince).TotalSeconds > 5)
                        return;
                }
                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "freshness-probe" };
        probe.Start();

        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        byte[] prefix = Encoding.UTF8.GetBytes($"{{\"id\":\"{idPrefix}");
        var tps = Enumerable.Range(0, BrokerProcess.FreshPartitions).Select(p => new TopicPartition(topic, p)).ToArray();
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= end)
                break;
            long due = (long)((now - start) * rate / Stopwatch.Frequency);
            while (produced < due)
            {
                if (produced - seen >= Ring - 1)
                    break; // the consumer is hopelessly behind; do not overwrite unsent times
                sent[produced % Ring] = Stopwatch.GetTimestamp();
                byte[] value = Payload(prefix, produced, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                try
                {
                    producer.Produce(tps[produced % tps.Length], new Message<Null, byte[]> { Value = value });
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                    continue;
                }
                Volatile.Write(ref produced, produced + 1);
            }
            Thread.Sleep(1);
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        Volatile.Write(ref producing, false);
        probe.Join();
        Cost cost = meter.Stop(produced);
        return new Latency(seen, produced - seen, Percentile(histogram, 0.50), Percentile(histogram, 0.99), worstBySecond.Max() * 1000.0 / Stopwatch.Frequency, cost, lag.ToArray(),
            [.. worstBySecond.Select(t => Math.Round(t * 1000.0 / Stopwatch.Frequency, 2))]);
    }

    private static double Percentile(long[] histogram, double q)
    {
        long total = histogram.Sum();
        long target = (long)Math.Ceiling(total * q);
        long acc = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            acc += histogram[i];
            if (acc >= target)
                return (i + 1) * 0.01; // upper edge of the 10 µs bucket, in ms
        }
        return histogram.Length * 0.01;
    }

    private static byte[] Payload(byte[] prefix, long k, long tsMs)
    {
        Span<byte> buffer = stackalloc byte[160];
        prefix.CopyTo(buffer);
        int n = prefix.Length;
        Utf8Formatter.TryFormat(k, buffer[n..], out int w);
        n += w;
        ReadOnlySpan<byte> mid = "\",\"type\":\"click\",\"ts\":"u8;
        mid.CopyTo(buffer[n..]);
        n += mid.Length;
        Utf8Formatter.TryFormat(tsMs, buffer[n..], out w);
        n += w;
        ReadOnlySpan<byte> tail = ",\"journey\":\"fresh\",\"campaign\":\"freshness\",\"channel\":\"bench\",\"cost\":0.25}"u8;
        tail.CopyTo(buffer[n..]);
        n += tail.Length;
        return buffer[..n].ToArray();
    }
}
