using System.Globalization;
using System.Text;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Generated bad records of every kind the contract names, cycled to any size, each with a unique
/// id so none is a duplicate of another: invalid and truncated JSON, invalid UTF-8, wrong types,
/// missing fields, unknown type, NaN/Infinity/negative/huge money, far-future and far-past
/// timestamps, 1 MB+ records, deeply nested JSON, duplicate keys. Test helper.
/// </summary>
internal static class BadRecordCorpus
{
    /// <summary>The reason labels the corpus must produce between them (docs/metrics.md, "Reject reasons").</summary>
    public static readonly string[] ExpectedReasons =
    [
        "invalid_json", "invalid_utf8", "too_large", "too_deep", "duplicate_field", "missing_id", "invalid_id", "missing_type",
        "unknown_type", "missing_ts", "invalid_ts", "future_ts", "too_old", "missing_journey",
        "invalid_dimension", "invalid_money",
    ];

    /// <summary><paramref name="count"/> bad records (at most <paramref name="huge"/> of them over 1 MB), as raw value bytes with a key.</summary>
    public static List<(string Key, byte[] Value)> Generate(int count, int huge, DateTimeOffset now)
    {
        string ts = now.AddMinutes(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var kinds = new List<Func<string, byte[]>>
        {
            id => U($"{{\"id\":\"{id}\",\"type\":click,\"ts\":\"{ts}\"}}"),                                   // invalid JSON
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts[..10]}"),                           // truncated
            id => [.. U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"campaign\":\""), 0xFF, 0xFE, 0x80, .. U("\"}")], // invalid UTF-8
            id => U($"{{\"id\":{id.Length},\"type\":\"click\",\"ts\":\"{ts}\"}}"),                          // wrong type: id
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":true}}"),                                  // wrong type: ts
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"campaign\":42}}"),              // wrong type: dimension
            id => U($"{{\"type\":\"click\",\"ts\":\"{ts}\",\"note\":\"{id}\"}}"),                            // missing id
            id => U($"{{\"id\":\"{id}\",\"ts\":\"{ts}\"}}"),                                                 // missing type
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\"}}"),                                              // missing ts
            id => U($"{{\"id\":\"{id}\",\"type\":\"lead\",\"ts\":\"{ts}\"}}"),                               // missing journey
            id => U($"{{\"id\":\"{id}\",\"type\":\"teleport\",\"ts\":\"{ts}\"}}"),                           // unknown type
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"cost\":\"NaN\"}}"),             // NaN money
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"cost\":1e400}}"),               // Infinity money
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"cost\":-1.5}}"),                // negative money
            id => U($"{{\"id\":\"{id}\",\"type\":\"won\",\"journey\":\"j\",\"ts\":\"{ts}\",\"amount\":1e15}}"), // huge money
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"2999-01-01T00:00:00Z\"}}"),              // far future
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"1970-01-02T00:00:00Z\"}}"),              // far past
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"meta\":{new string('[', 2000)}{new string(']', 2000)}}}"), // deeply nested
            id => U($"{{\"id\":\"{id}\",\"type\":\"click\",\"type\":\"lead\",\"ts\":\"{ts}\"}}"),            // duplicate key
        };
        var records = new List<(string, byte[])>(count);
        int hugeLeft = huge;
        for (int i = 0; i < count; i++)
        {
            string id = $"bad-{i}";
            if (hugeLeft > 0 && i % (count / Math.Max(1, huge)) == 0)
            {
                hugeLeft--;
                records.Add((id, U($"{{\"id\":\"{id}\",\"type\":\"click\",\"ts\":\"{ts}\",\"pad\":\"{new string('x', 1_100_000)}\"}}")));
                continue;
            }
            records.Add((id, kinds[i % kinds.Count](id)));
        }
        return records;
    }

    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);
}
