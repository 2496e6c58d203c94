using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Kafka.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunnelStream.Kafka.Tests.State;

/// <summary>
/// The checkpointer between the worker and a store: state and offsets saved and restored together,
/// hand-over records for the partitions an instance owns, when a checkpoint is due, and a clear
/// error for a checkpoint that cannot be restored.
/// </summary>
public sealed class StateCheckpointerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fs-ckr-" + Guid.NewGuid().ToString("N"));

    private sealed class Counter : ICheckpointable
    {
        public long Value { get; set; }

        public int CheckpointVersion => 1;

        public void WriteCheckpoint(IBufferWriter<byte> output) => new CheckpointWriter(output).WriteInt64(Value);

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
        {
            var r = new CheckpointReader(data);
            Value = r.ReadInt64();
        }
    }

    private StateCheckpointer Checkpointer(Counter counter, string instance = "i-0", TimeSpan? interval = null) =>
        new(new DirectoryCheckpointStore(_directory), "g", instance, [new("counter", counter)], interval ?? TimeSpan.FromSeconds(5), new StateStats(), NullLogger.Instance);

    [Fact]
    public void Restore_NothingSaved_NoOffsetsAndComponentUntouched()
    {
        var counter = new Counter();

        Assert.Empty(Checkpointer(counter).Restore());
        Assert.Equal(0, counter.Value);
    }

    [Fact]
    public void Save_Capture_BytesGoBackToThePoolAndCannotBeUsedAgain()
    {
        StateCheckpointer writer = Checkpointer(new Counter { Value = 7 });
        CapturedCheckpoint first = writer.Capture([new("funnel.clicks", 0, 1)], 0);
        Assert.True(first.Length > 0);

        Assert.True(writer.Save(first, [], 0));

        Assert.Throws<ObjectDisposedException>(() => first.Memory);
        CapturedCheckpoint second = writer.Capture([new("funnel.clicks", 0, 2)], 1); // may reuse the pooled array
        Assert.True(writer.Save(second, [], 1));
        Assert.Equal(7, RestoredValue());
    }

    [Fact]
    public void Dispose_ThenCapture_ThrowsObjectDisposed_AndABufferGivenBackLaterIsNotReused()
    {
        StateCheckpointer writer = Checkpointer(new Counter { Value = 3 });
        CapturedCheckpoint held = writer.Capture([new("funnel.clicks", 0, 1)], 0);

        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.Capture([new("funnel.clicks", 0, 2)], 1));
        Assert.True(writer.Save(held, [], 0)); // a capture in flight still saves; its buffer is then freed
        Assert.Equal(3, RestoredValue());
    }

    private long RestoredValue()
    {
        var counter = new Counter();
        Checkpointer(counter).Restore();
        return counter.Value;
    }

    [Fact]
    public void Restore_AfterSave_StateAndOffsetsTogether()
    {
        var before = new Counter { Value = 42 };
        StateCheckpointer writer = Checkpointer(before);
        InputOffset[] offsets = [new("funnel.clicks", 0, 17), new("funnel.leads", 2, 5)];
        Assert.True(writer.Save(writer.Capture(offsets, 1_000), offsets, 1_000));
        before.Value = 99; // after the checkpoint: not in it

        var after = new Counter();
        StateCheckpointer reader = Checkpointer(after);
        IReadOnlyList<InputOffset> restored = reader.Restore();

        Assert.Equal(42, after.Value);
        Assert.Equal(offsets, restored);
        Assert.True(reader.Stats.RestoredBytes > 0);
        Assert.Equal(1, writer.Stats.Checkpoints);
    }

    [Fact]
    public void Handovers_LatestSaveOfAnyInstanceWins_OnlyForTheOwnedPartitions()
    {
        var a = Checkpointer(new Counter(), "a");
        var b = Checkpointer(new Counter(), "b");
        InputOffset[] firstOwner = [new("t", 0, 10), new("t", 1, 20)];
        Assert.True(a.Save(a.Capture(firstOwner, 0), firstOwner, 0));
        // b took partition 1 over and counted on; a's later checkpoint still lists 1 in its offsets but no longer owns it.
        Assert.True(b.Save(b.Capture([new("t", 1, 35)], 0), [new("t", 1, 35)], 0));
        Assert.True(a.Save(a.Capture(firstOwner, 1), [new("t", 0, 12)], 1));

        Dictionary<(string Topic, int Partition), HandoverRecord> found = b.Handovers([("t", 0), ("t", 1), ("t", 2)]);

        Assert.Equal(new HandoverRecord(12, "a"), found[("t", 0)]);
        Assert.Equal(new HandoverRecord(35, "b"), found[("t", 1)]);
        Assert.False(found.ContainsKey(("t", 2)));
    }

    [Fact]
    public void IsDue_FirstAlways_ThenOnlyWithInputUntilTheUnchangedRewrite()
    {
        StateCheckpointer c = Checkpointer(new Counter(), interval: TimeSpan.FromSeconds(5));
        Assert.True(c.IsDue(0, changed: false));
        c.Capture([], 0);

        Assert.False(c.IsDue(4_999, changed: true));
        Assert.True(c.IsDue(5_000, changed: true));
        Assert.False(c.IsDue(5_000 * (StateCheckpointer.UnchangedRewriteIntervals - 1), changed: false));
        Assert.True(c.IsDue(5_000 * StateCheckpointer.UnchangedRewriteIntervals, changed: false));
    }

    [Fact]
    public void Restore_CorruptCheckpoint_ThrowsNamingKeyAndStore()
    {
        new DirectoryCheckpointStore(_directory).Save([new("g/i-0", new byte[] { 1, 2, 3, 4, 5 })]);

        StateRestoreException e = Assert.Throws<StateRestoreException>(() => Checkpointer(new Counter()).Restore());

        Assert.Contains("'g/i-0'", e.Message, StringComparison.Ordinal);
        Assert.Contains(_directory, e.Message, StringComparison.Ordinal);
        Assert.Contains("InstanceId", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
