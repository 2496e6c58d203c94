using FunnelStream.Kafka.State;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A checkpoint that exists but cannot be read stops the worker at start-up with exit code 1 and a
/// message naming the checkpoint key and the store, before anything is consumed or committed:
/// counting on from empty state would silently lose what the checkpoint held.
/// </summary>
public sealed class State_CorruptCheckpoint_ExitsNonZeroNamingTheKey : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fs-corrupt-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Run_CorruptCheckpointInDirectoryStore_ExitOneNamingKeyAndStoreAndNothingCommitted()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 9, good: 200, retryRate: 0, badRate: 0, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records);
        const string Instance = "corrupt-0";
        var store = new DirectoryCheckpointStore(_directory);
        string key = CheckpointKeys.For(cluster.GroupId, Instance);
        store.Save([new(key, "FSIC but not really a checkpoint"u8.ToArray())]);

        (CliProcess worker, _) = cluster.StartWorker(new Dictionary<string, string>
        {
            ["FunnelStream__State__Store"] = "directory",
            ["FunnelStream__State__Directory"] = _directory,
        }, Instance);
        using (worker)
        {
            DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!worker.HasExited && DateTime.UtcNow < until)
                await Task.Delay(200);
            Assert.True(worker.HasExited, "the worker kept running on a corrupt checkpoint");
            Assert.Equal(1, worker.ExitCode);
            Assert.Contains($"the checkpoint '{key}' in directory {_directory} cannot be restored", worker.Stderr, StringComparison.Ordinal);
        }
        List<string> notAtEnd = await FaultTestKit.CommittedAtEndsAsync(cluster.Broker.BootstrapServers, cluster.GroupId, WorkerProcessCluster.PartitionsPerTopic, TimeSpan.Zero);
        Assert.Equal(3 * WorkerProcessCluster.PartitionsPerTopic, notAtEnd.Count); // nothing committed for any partition
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
