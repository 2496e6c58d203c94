using System.Buffers;
using System.Text;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Tests.Topics;

/// <summary>
/// Window records wait for a durable checkpoint that includes them (issue 6): none leaves before, all
/// leave after in the order made, and a restored checkpoint's held records are published again byte
/// for byte.
/// </summary>
public class CheckpointGatedRecordsTests
{
    private static KpiRecord Record(string key, int revision) =>
        new(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{{\"key\":\"{key}\",\"revision\":{revision}}}"), revision);

    private static string[] Published(KpiRecordList list) => list.Records.Select(r => $"{Encoding.UTF8.GetString(r.Key)}#{r.Revision}").ToArray();

    [Fact]
    public void Publish_AnyRecord_HeldUntilACheckpointIncludingItIsDurable()
    {
        var target = new KpiRecordList();
        var gated = new CheckpointGatedRecords(target);

        gated.Publish(Record("a", 0));
        Assert.Empty(target.Records);
        Assert.True(gated.HasUncaptured);

        gated.Release(5); // no capture has included it yet: a durable checkpoint says nothing about it
        Assert.Empty(target.Records);

        gated.Captured(6);
        Assert.False(gated.HasUncaptured);
        gated.Release(5); // an older checkpoint became durable
        Assert.Empty(target.Records);

        gated.Release(6);
        Assert.Equal(["a#0"], Published(target));
        Assert.Equal(0, gated.Count);
        Assert.Equal(1, gated.Released);
    }

    [Fact]
    public void Release_RecordsMadeAfterTheCapture_StayHeldForTheNextOne()
    {
        var target = new KpiRecordList();
        var gated = new CheckpointGatedRecords(target);
        gated.Publish(Record("a", 0));
        gated.Captured(1);
        gated.Publish(Record("a", 1));
        Assert.True(gated.HasUncaptured);

        gated.Release(1);
        Assert.Equal(["a#0"], Published(target));

        gated.Captured(2);
        gated.Release(2);
        Assert.Equal(["a#0", "a#1"], Published(target));
    }

    [Fact]
    public void Release_AfterAFailedSave_ALaterCheckpointReleasesEverythingHeldInOrder()
    {
        var target = new KpiRecordList();
        var gated = new CheckpointGatedRecords(target);
        gated.Publish(Record("a", 0));
        gated.Publish(Record("b", 0));
        gated.Captured(1); // say its save fails: Release(1) never comes
        gated.Publish(Record("a", 1));
        gated.Captured(2);

        gated.Release(2);

        Assert.Equal(["a#0", "b#0", "a#1"], Published(target));
    }

    [Fact]
    public void ReadCheckpoint_HeldRecords_PublishedAgainUnchangedAtTheFirstRelease()
    {
        var before = new KpiRecordList();
        var gated = new CheckpointGatedRecords(before);
        gated.Publish(Record("a", 3));
        gated.Publish(Record("a", 4));
        gated.Publish(Record("b", 0));
        var buffer = new ArrayBufferWriter<byte>();
        gated.WriteCheckpoint(buffer);
        gated.Captured(1);
        gated.Release(1); // published, then the process dies before the next checkpoint

        var after = new KpiRecordList();
        var restored = new CheckpointGatedRecords(after);
        restored.ReadCheckpoint(buffer.WrittenSpan, restored.CheckpointVersion);
        Assert.Equal(3, restored.Count);
        Assert.False(restored.HasUncaptured); // they are in the restored checkpoint, which is durable
        restored.Release(0);

        Assert.Equal(before.Records.Select(r => (Encoding.UTF8.GetString(r.Key), Encoding.UTF8.GetString(r.Value), r.Revision)),
            after.Records.Select(r => (Encoding.UTF8.GetString(r.Key), Encoding.UTF8.GetString(r.Value), r.Revision)));
    }

    [Fact]
    public void ReadCheckpoint_CorruptOrUnknownVersion_Rejected()
    {
        var gated = new CheckpointGatedRecords(new KpiRecordList());
        gated.Publish(Record("a", 0));
        var buffer = new ArrayBufferWriter<byte>();
        gated.WriteCheckpoint(buffer);
        byte[] data = buffer.WrittenSpan.ToArray();

        var e = Assert.Throws<InvalidDataException>(() => new CheckpointGatedRecords(new KpiRecordList()).ReadCheckpoint(data, 2));
        Assert.Contains("format 2", e.Message);
        Assert.Throws<InvalidDataException>(() => new CheckpointGatedRecords(new KpiRecordList()).ReadCheckpoint(data.AsSpan(0, data.Length - 3), 1));
        Assert.Throws<InvalidDataException>(() => new CheckpointGatedRecords(new KpiRecordList()).ReadCheckpoint([.. data, 0], 1));
        Assert.Throws<InvalidOperationException>(() => gated.ReadCheckpoint(data, 1));
    }
}
