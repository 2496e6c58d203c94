namespace FunnelStream.Tests.Checkpoints;

/// <summary>What an uninterrupted rig showed after one event: its view, the tracker reads at the windows that closed, and counters to pick cuts by.</summary>
internal sealed record RigStep(string View, WindowRead[] Closes, long Evictions, long Expirations, bool Pass);
