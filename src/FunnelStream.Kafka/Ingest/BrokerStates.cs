using System.Text.Json;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// How many of the brokers in a librdkafka statistics report (<c>statistics.interval.ms</c>) the
/// client has a connection up to. The client's own internal broker is not counted; the group
/// coordinator's logical broker is.
/// </summary>
/// <param name="Known">Brokers in the report.</param>
/// <param name="Up">Brokers in state <c>UP</c>: connected, and their handshake answered.</param>
internal readonly record struct BrokerStates(int Known, int Up)
{
    /// <summary>Reads the <c>brokers</c> object of a statistics report; (0, 0) when it has none.</summary>
    /// <exception cref="JsonException">The report is not JSON.</exception>
    public static BrokerStates Parse(string statistics)
    {
        using JsonDocument doc = JsonDocument.Parse(statistics);
        if (!doc.RootElement.TryGetProperty("brokers", out JsonElement brokers) || brokers.ValueKind != JsonValueKind.Object)
            return default;
        int known = 0, up = 0;
        foreach (JsonProperty broker in brokers.EnumerateObject())
        {
            JsonElement b = broker.Value;
            if (b.TryGetProperty("source", out JsonElement source) && source.ValueEquals("internal"))
                continue;
            known++;
            if (b.TryGetProperty("state", out JsonElement state) && state.ValueEquals("UP"))
                up++;
        }
        return new BrokerStates(known, up);
    }
}
