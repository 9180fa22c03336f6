namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>What the listener's admission did since it started (metrics, tests, <c>show</c> views). Thread-safe.</summary>
public sealed class PptpAdmissionCounters
{
    private long _accepted, _rateLimited, _shed, _refused, _acceptErrors;

    /// <summary>TCP connections accepted (before any admission decision).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Closed at once: the source was over the per-source connection rate.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Connections that had not sent SCCRQ, closed to admit a newer one while the listener was full.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    /// <summary>Refused while the listener was full and every connection was past SCCRQ.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>accept(2) failures (EMFILE, ENFILE, ...); the loop backs off and goes on.</summary>
    public long AcceptErrors => Interlocked.Read(ref _acceptErrors);

    internal void AddAccepted() => Interlocked.Increment(ref _accepted);
    internal void AddRateLimited() => Interlocked.Increment(ref _rateLimited);
    internal void AddShed() => Interlocked.Increment(ref _shed);
    internal void AddRefused() => Interlocked.Increment(ref _refused);
    internal void AddAcceptError() => Interlocked.Increment(ref _acceptErrors);
}
