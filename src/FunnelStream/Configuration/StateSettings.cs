using FunnelStream.Kafka.State;

namespace FunnelStream.Configuration;

/// <summary><c>FunnelStream:State</c>: checkpoints of the instance's state and the offsets it reflects (docs/reliability.md).</summary>
/// <remarks>Defaults: store <c>kafka</c> on topic <c>funnel.state</c>, every 5 s, 30 s save timeout, 512 KiB chunks.</remarks>
public sealed class StateSettings
{
    /// <summary><c>kafka</c> (default), <c>directory</c> or <c>none</c>.</summary>
    public string Store { get; set; } = "kafka";

    /// <summary>The checkpoint topic when <see cref="Store"/> is <c>kafka</c>. Default <c>funnel.state</c>.</summary>
    public string Topic { get; set; } = "funnel.state";

    /// <summary>The checkpoint directory when <see cref="Store"/> is <c>directory</c> (required then).</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// This instance's name in its consumer group, the key of its checkpoint: unique within the group
    /// and the same across restarts (a StatefulSet pod name, a host name). Default: the host name.
    /// </summary>
    public string InstanceId { get; set; } = "";

    /// <summary>How often the state is checkpointed and its offsets committed. Default 5 s; between 100 ms and 10 min.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a checkpoint save or load may take. Default 30 s; between 1 s and 10 min.</summary>
    public TimeSpan SaveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest checkpoint record, bytes; bigger checkpoints are split. Default 524,288; between 4,096 and 900,000 (under the usual 1 MB <c>message.max.bytes</c>).</summary>
    public int ChunkBytes { get; set; } = 512 * 1024;

    /// <summary>Adds a message naming the key for every invalid setting.</summary>
    internal void Validate(List<string> errors)
    {
        const string S = FunnelStreamOptions.Section + ":State:";
        if (Parse(Store) is null)
            errors.Add($"{S}Store: must be one of kafka, directory, none (got '{Store}')");
        if (Parse(Store) == StateStoreKind.Kafka && string.IsNullOrWhiteSpace(Topic))
            errors.Add($"{S}Topic: must not be empty when Store is kafka");
        if (Parse(Store) == StateStoreKind.Directory && string.IsNullOrWhiteSpace(Directory))
            errors.Add($"{S}Directory: required when Store is directory");
        if (Interval < TimeSpan.FromMilliseconds(100) || Interval > TimeSpan.FromMinutes(10))
            errors.Add($"{S}Interval: must be between 00:00:00.1 and 00:10:00 (got {Interval})");
        if (SaveTimeout < TimeSpan.FromSeconds(1) || SaveTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"{S}SaveTimeout: must be between 00:00:01 and 00:10:00 (got {SaveTimeout})");
        if (InstanceId.Length > 200 || InstanceId.Any(char.IsControl) || InstanceId.Contains('/'))
            errors.Add($"{S}InstanceId: at most 200 printable characters, no '/' (got '{InstanceId}')");
        if (ChunkBytes is < 4096 or > 900_000)
            errors.Add($"{S}ChunkBytes: must be between 4096 and 900000 (got {ChunkBytes})");
    }

    /// <summary>The validated settings as the pipeline's options.</summary>
    internal StateOptions ToOptions() => new()
    {
        Store = Parse(Store) ?? StateStoreKind.Kafka,
        Topic = Topic,
        InstanceId = string.IsNullOrWhiteSpace(InstanceId) ? Environment.MachineName : InstanceId.Trim(),
        Directory = Directory,
        Interval = Interval,
        SaveTimeout = SaveTimeout,
        ChunkBytes = ChunkBytes,
    };

    private static StateStoreKind? Parse(string value) => value?.Trim().ToLowerInvariant() switch
    {
        "kafka" => StateStoreKind.Kafka,
        "directory" => StateStoreKind.Directory,
        "none" => StateStoreKind.None,
        _ => null,
    };
}
