namespace FunnelStream.Kafka.State;

/// <summary>Where checkpoints are kept.</summary>
public enum StateStoreKind
{
    /// <summary>No checkpoints: state lives only in memory and offsets are committed once applied (a restart starts counting from zero).</summary>
    None,

    /// <summary>A Kafka topic (<see cref="StateOptions.Topic"/>).</summary>
    Kafka,

    /// <summary>A local directory (<see cref="StateOptions.Directory"/>).</summary>
    Directory,
}
