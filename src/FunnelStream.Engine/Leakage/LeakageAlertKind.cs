namespace FunnelStream.Engine.Leakage;

/// <summary>The lifecycle step a <see cref="LeakageAlert"/> record reports.</summary>
public enum LeakageAlertKind
{
    /// <summary>The leak was declared: the upper confidence bound fell below the threshold with enough a-events.</summary>
    Opened,

    /// <summary>The leak is still open; fresh numbers (emitted every update interval).</summary>
    Updated,

    /// <summary>The bound stayed above the threshold by the hysteresis margin for the hold time.</summary>
    Resolved,
}
