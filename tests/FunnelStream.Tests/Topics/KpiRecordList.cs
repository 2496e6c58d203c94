using System.Text;
using System.Text.Json;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Tests.Topics;

/// <summary>Collects published window records, parsed, for assertions.</summary>
internal sealed class KpiRecordList : IKpiRecordTarget
{
    public List<KpiRecord> Records { get; } = [];

    public void Publish(KpiRecord record) => Records.Add(record);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public JsonElement Value(int index) => JsonDocument.Parse(Records[index].Value).RootElement;

    public IEnumerable<JsonElement> Values => Records.Select(r => JsonDocument.Parse(r.Value).RootElement);
}
