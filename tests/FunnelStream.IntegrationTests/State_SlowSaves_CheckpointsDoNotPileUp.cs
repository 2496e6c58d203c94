using Confluent.Kafka;
using FunnelStream.Kafka.State;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A checkpoint store slower than the checkpoint interval (a large state, a slow disk or broker):
/// the worker takes the next checkpoint once the last one is saved, instead of capturing one every
/// interval and queueing them behind the saves. So when the input stops, the state saved and the
/// offsets committed catch up with it within about two saves, not a save per interval that passed.
/// And while a save is in flight, the worker keeps consuming and counting: it does not pause.
/// </summary>
public sealed class State_SlowSaves_CheckpointsDoNotPileUp : IDisposable
{
    private static readonly TimeSpan SaveTime = TimeSpan.FromSeconds(1);
    private readonly string _directory = Directory.CreateTempSubdirectory("funnelstream-slow-").FullName;

    [Fact]
    public async Task SavesSlowerThanInterval_InputStops_CommittedCatchesUpWithinTwoSaves()
    {
        var store = new SlowStore(SaveTime);
        await using var fixture = new WorkerFixture(partitions: 1, configure: o =>
        {
            o.State.Store = "directory";
            o.State.Directory = _directory;
            o.State.Interval = TimeSpan.FromMilliseconds(100);
        });
        fixture.Worker.StateStoreDecorator = inner => store.Wrapping(inner);
        await fixture.StartAsync();

        // Input for ~4 s, i.e. ~40 intervals and ~4 saves.
        var set = new KnownEventSet(seed: 11, good: 800, retryRate: 0, badRate: 0, DateTimeOffset.UtcNow);
        using (IProducer<string?, byte[]> producer = fixture.CreateProducer())
        {
            foreach (var slice in set.Records.Chunk(20))
            {
                await Task.WhenAll(slice.Select(r => WorkerFixture.ProduceAsync(producer, r.Topic, r.Key, r.Json)));
                await Task.Delay(100);
            }
        }
        ScrapedMetrics counted = await fixture.ScrapeUntilAsync(m => m.Sum("funnel_events_total") == set.ExpectedTotal, TimeSpan.FromSeconds(60));
        Assert.Empty(set.Differences(counted));

        // At most the save in flight and one more stand between the counted state and the committed offsets.
        List<string> behind = await FaultTestKit.CommittedAtEndsAsync(fixture.Broker.BootstrapServers, fixture.Settings.Ingest(fixture.Broker.BootstrapServers).GroupId,
            partitions: 1, timeout: 2 * SaveTime + TimeSpan.FromSeconds(3));
        Assert.True(behind.Count == 0, $"committed offsets still behind the counted input after two saves ({store.Saves} saves so far): {string.Join("; ", behind)}");
        Assert.True(store.Saves >= 3, $"expected the saves to go on while input arrived, got {store.Saves}");
    }

    [Fact]
    public async Task SaveInFlight_ManyBatchesArrive_CountedWithoutPausingBeforeTheSaveEnds()
    {
        var store = new SlowStore(TimeSpan.FromSeconds(8));
        var logs = new CapturedLogs { MinimumLevel = Microsoft.Extensions.Logging.LogLevel.Warning };
        await using var fixture = new WorkerFixture(partitions: 1, logs: logs, configure: o =>
        {
            o.State.Store = "directory";
            o.State.Directory = _directory;
            o.State.Interval = TimeSpan.FromMilliseconds(100);
            // Batches of 4 events: the burst below is ~750 batches, far past the 128 (twice the channel
            // capacity) that pause the partitions while applied batches wait.
            o.Pipeline.BatchSize = 4;
        });
        fixture.Worker.StateStoreDecorator = inner => store.Wrapping(inner);
        await fixture.StartAsync();
        var set = new KnownEventSet(seed: 12, good: 3000, retryRate: 0, badRate: 0, DateTimeOffset.UtcNow);
        using IProducer<string?, byte[]> producer = fixture.CreateProducer();

        // The first records make a checkpoint due; its save takes 8 s.
        await Task.WhenAll(set.Records.Take(10).Select(r => WorkerFixture.ProduceAsync(producer, r.Topic, r.Key, r.Json)));
        Assert.True(store.Started.Wait(TimeSpan.FromSeconds(30)), "no checkpoint save started");
        await Task.WhenAll(set.Records.Skip(10).Select(r => WorkerFixture.ProduceAsync(producer, r.Topic, r.Key, r.Json)));
        ScrapedMetrics counted = await fixture.ScrapeUntilAsync(m => m.Sum("funnel_events_total") == set.ExpectedTotal, TimeSpan.FromSeconds(60));

        Assert.Empty(set.Differences(counted));
        Assert.True(store.Saves == 0, "the burst was counted only after the save in flight ended");
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("pausing", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A checkpoint store that takes <c>saveTime</c> for every save, then saves to the real one.</summary>
    private sealed class SlowStore(TimeSpan saveTime)
    {
        private int _saves;

        /// <summary>Saves that ended.</summary>
        public int Saves => Volatile.Read(ref _saves);

        /// <summary>Set once the first save started.</summary>
        public ManualResetEventSlim Started { get; } = new();

        public ICheckpointStore Wrapping(ICheckpointStore inner) => new Slowed(inner, this, saveTime);

        private sealed class Slowed(ICheckpointStore inner, SlowStore counts, TimeSpan saveTime) : ICheckpointStore
        {
            public string Description => "slow " + inner.Description;

            public void Save(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> checkpoints)
            {
                counts.Started.Set();
                Thread.Sleep(saveTime);
                inner.Save(checkpoints);
                Interlocked.Increment(ref counts._saves);
            }

            public IReadOnlyDictionary<string, byte[]> Load(IReadOnlyCollection<string> keys) => inner.Load(keys);

            public void Dispose() => inner.Dispose();
        }
    }
}
