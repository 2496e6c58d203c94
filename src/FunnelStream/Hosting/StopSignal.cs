using System.Runtime.InteropServices;

namespace FunnelStream.Hosting;

/// <summary>
/// A cancellation token that fires on SIGINT (Ctrl+C), SIGTERM or SIGQUIT, so every command can
/// shut down cleanly: stop consuming, apply, flush, commit, close, then exit 0.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle),
        ];
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>Also stop after <paramref name="duration"/>, when given.</summary>
    public void StopAfter(TimeSpan? duration)
    {
        if (duration is { } d)
            _cts.CancelAfter(d);
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // we exit ourselves, after a clean shutdown
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in _registrations)
            r.Dispose();
        _cts.Dispose();
    }
}
