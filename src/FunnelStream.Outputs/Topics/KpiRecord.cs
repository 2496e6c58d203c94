namespace FunnelStream.Outputs.Topics;

/// <summary>
/// One output record, encoded: the key and value bytes (UTF-8 JSON, docs/topics.md) and the
/// revision carried in the value, for a header. Immutable once built.
/// </summary>
/// <param name="Key">The record key (JSON).</param>
/// <param name="Value">The record value (JSON).</param>
/// <param name="Revision">0 for the first record of a key, then 1, 2, ...</param>
public sealed record KpiRecord(byte[] Key, byte[] Value, int Revision);
