using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// The configuration a journeys or sales-cycles checkpoint depends on, as named (key, value) pairs, so
/// that a restore under another configuration fails with a message naming each difference.
/// </summary>
internal static class JourneyCheckpointFingerprint
{
    public static void Write(CheckpointWriter w, IReadOnlyList<KeyValuePair<string, string>> items)
    {
        w.WriteInt32(items.Count);
        foreach ((string key, string value) in items)
        {
            w.WriteString(key);
            w.WriteString(value);
        }
    }

    /// <summary>Reads the written fingerprint and throws <see cref="InvalidDataException"/> naming every item that differs from <paramref name="current"/>.</summary>
    public static void Check(ref CheckpointReader r, string component, IReadOnlyList<KeyValuePair<string, string>> current)
    {
        int n = r.ReadCount(8);
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string key = r.ReadString();
            string value = r.ReadString();
            if (!written.TryAdd(key, value))
                throw new InvalidDataException($"checkpoint is corrupt: the {component} configuration lists '{key}' twice");
        }
        var differences = new List<string>();
        foreach ((string key, string value) in current)
        {
            if (!written.Remove(key, out string? then))
                differences.Add($"{key} is {value} now and was not recorded");
            else if (then != value)
                differences.Add($"{key} was {then}, is {value} now");
        }
        foreach ((string key, string then) in written)
            differences.Add($"{key} was {then} and is no longer configured");
        if (differences.Count > 0)
        {
            throw new InvalidDataException(
                $"the {component} state was checkpointed under another configuration: {string.Join("; ", differences)}. "
                + "Restore the configuration it was written with, or start from fresh state without this checkpoint (see docs/reliability.md)");
        }
    }

    public static string Seconds(IReadOnlyList<double> bounds) =>
        string.Join(",", bounds.Select(b => b.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    public static string Duration(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
