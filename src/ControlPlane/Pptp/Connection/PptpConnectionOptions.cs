namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Settings of a control connection; one instance may be shared by all connections (treat it as immutable once used).</summary>
public sealed record PptpConnectionOptions
{
    /// <summary>Host Name sent in Start-Control-Connection-Reply (§2.2), ASCII, at most 64 octets.</summary>
    public string HostName { get; init; } = "pptpgw";
    /// <summary>Vendor String sent in Start-Control-Connection-Reply (§2.2), ASCII, at most 64 octets.</summary>
    public string VendorString { get; init; } = "pptpgw";
    /// <summary>Firmware Revision sent in Start-Control-Connection-Reply.</summary>
    public ushort FirmwareRevision { get; init; } = 0x0100;
    /// <summary>Maximum Channels announced in Start-Control-Connection-Reply (§2.2: PPP sessions this PAC supports).</summary>
    public ushort MaximumChannels { get; init; } = 1;
    /// <summary>Framing Capabilities announced: asynchronous and synchronous (GRE carries either, §2.2).</summary>
    public PptpFramingCapabilities FramingCapabilities { get; init; } = PptpFramingCapabilities.Asynchronous | PptpFramingCapabilities.Synchronous;
    /// <summary>Bearer Capabilities announced: analog and digital.</summary>
    public PptpBearerCapabilities BearerCapabilities { get; init; } = PptpBearerCapabilities.Analog | PptpBearerCapabilities.Digital;

    /// <summary>How long after TCP open the Start-Control-Connection-Request must arrive (pptpd's <c>stimeout</c>, 10 s: an idle
    /// connection holds a descriptor, so it is not kept long).</summary>
    public TimeSpan StartRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Receive idleness after which we send an Echo-Request (PIX <c>vpdn group 1 pptp echo 60</c>); zero disables keep-alives.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long our Echo-Request may go unanswered before the connection is closed (RFC 2637 §3.1.4 suggests 60 s).</summary>
    public TimeSpan EchoReplyTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long to wait for Stop-Control-Connection-Reply after our Stop-Control-Connection-Request.</summary>
    public TimeSpan StopReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long the gateway's handler may take to decide on an Outgoing-Call-Request (then OCRP Time-out).</summary>
    public TimeSpan CallDecisionTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long one write to the peer may take before the connection is closed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls allowed at once on one control connection; more are refused with General Error / No-Resource.</summary>
    public int MaxCallsPerConnection { get; init; } = 1;
    /// <summary>Packet Recv. Window Size we announce in Outgoing-Call-Reply (§2.8; flow control §4.4).</summary>
    public ushort ReceiveWindowSize { get; init; } = 64;
    /// <summary>Packet Processing Delay we announce in Outgoing-Call-Reply, 1/10 s.</summary>
    public ushort ProcessingDelay { get; init; }
    /// <summary>Connect Speed we announce, bits/s, clamped into the request's [Minimum BPS, Maximum BPS].</summary>
    public uint ConnectSpeed { get; init; } = 100_000_000;
    /// <summary>What to do with reserved fields that are not 0 (default tolerate and report).</summary>
    public PptpReservedFieldPolicy ReservedFieldPolicy { get; init; } = PptpReservedFieldPolicy.Tolerate;

    internal void Validate()
    {
        PptpString.FromAscii(HostName);
        PptpString.FromAscii(VendorString);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCallsPerConnection, 1, nameof(MaxCallsPerConnection));
        foreach ((TimeSpan value, string name) in new[]
        {
            (StartRequestTimeout, nameof(StartRequestTimeout)), (EchoReplyTimeout, nameof(EchoReplyTimeout)),
            (StopReplyTimeout, nameof(StopReplyTimeout)), (CallDecisionTimeout, nameof(CallDecisionTimeout)), (WriteTimeout, nameof(WriteTimeout)),
        })
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, name);
        ArgumentOutOfRangeException.ThrowIfLessThan(EchoInterval, TimeSpan.Zero, nameof(EchoInterval));
    }
}
