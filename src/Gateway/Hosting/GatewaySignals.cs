using System.Runtime.InteropServices;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The signals a running gateway answers, registered before the host is built so none of them can kill it half-way:
/// SIGTERM (systemd stop, kill) and SIGINT (Ctrl-C) stop it cleanly (StopCCRQ to every peer, accounting Stops, the admin
/// socket removed); SIGHUP (logrotate, <c>systemctl reload</c>) no longer terminates the process (the runtime's default)
/// but goes to <see cref="GatewayHost.HandleHangup"/>, where the reload will live.
/// </summary>
public sealed class GatewaySignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private GatewayHost? _host;

    /// <param name="stop">Called on SIGTERM and SIGINT.</param>
    public GatewaySignals(Action stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop(); }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop(); }),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Volatile.Read(ref _host)?.HandleHangup();
            }),
        ];
    }

    /// <summary>The host that SIGHUP goes to once it exists (before that, a SIGHUP is ignored).</summary>
    public void Attach(GatewayHost host) => Volatile.Write(ref _host, host);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
            registration.Dispose();
    }
}
