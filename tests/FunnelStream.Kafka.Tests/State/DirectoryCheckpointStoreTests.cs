using FunnelStream.Kafka.State;

namespace FunnelStream.Kafka.Tests.State;

public sealed class DirectoryCheckpointStoreTests : CheckpointStoreContractTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fs-ckpt-" + Guid.NewGuid().ToString("N"));
    private readonly DirectoryCheckpointStore _store;

    public DirectoryCheckpointStoreTests()
    {
        _store = new DirectoryCheckpointStore(_directory);
    }

    protected override ICheckpointStore Store => _store;

    [Fact]
    public void Save_KeyWithPathCharacters_StaysInsideTheDirectory()
    {
        _store.Save([new("../../etc/passwd", new byte[] { 9 })]);

        Assert.Single(Directory.GetFiles(_directory));
        Assert.StartsWith(_directory, _store.PathOf("../../etc/passwd"), StringComparison.Ordinal);
        Assert.Equal([9], _store.Load(["../../etc/passwd"])["../../etc/passwd"]);
    }

    [Fact]
    public void Save_LeavesNoTemporaryFiles()
    {
        _store.Save([new("g/t/0", new byte[1000]), new("g/t/1", new byte[10])]);

        Assert.DoesNotContain(Directory.GetFiles(_directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
