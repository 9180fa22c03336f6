namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>Timer and counters of RFC 1661 §4.6; the defaults are the RFC's.</summary>
public sealed record PppFsmOptions
{
    /// <summary>Restart timer period (RFC 1661 §4.6: default 3 seconds). Also the pause after zrc.</summary>
    public TimeSpan RestartTimer { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Max-Terminate: Terminate-Requests sent without a Terminate-Ack before giving up (default 2).</summary>
    public int MaxTerminate { get; init; } = 2;

    /// <summary>Max-Configure: Configure-Requests sent without a reply before giving up (default 10).</summary>
    public int MaxConfigure { get; init; } = 10;

    /// <summary>
    /// Max-Failure: Configure-Naks sent without sending a Configure-Ack before further Naks of
    /// peer-requested options are turned into Configure-Rejects (default 5).
    /// </summary>
    public int MaxFailure { get; init; } = 5;

    /// <summary>
    /// Largest control packet (Code..Data) this automaton builds: bounds our Configure-Request and the
    /// Nak/Reject buffers handed to the layer. 1500 is PPP's default MRU (RFC 1661 §6.1).
    /// </summary>
    public int MaxPacketLength { get; init; } = 1500;

    internal void Validate()
    {
        if (RestartTimer <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RestartTimer), RestartTimer, "must be positive");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTerminate, 1, nameof(MaxTerminate));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConfigure, 1, nameof(MaxConfigure));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFailure, nameof(MaxFailure));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPacketLength, PppControlPacket.HeaderLength + 64, nameof(MaxPacketLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPacketLength, ushort.MaxValue, nameof(MaxPacketLength));
    }
}
