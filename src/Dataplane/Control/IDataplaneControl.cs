using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Control;

/// <summary>What the control plane tells the dataplane when a PPTP call is accepted (RFC 2637 §2.7/§2.8).</summary>
/// <param name="PeerAddress">The client's outside IPv4 address (host order): GRE must come from it.</param>
/// <param name="CallId">Our call id (the key of the peer's GRE packets).</param>
/// <param name="PeerCallId">The peer's call id (the key of our GRE packets).</param>
/// <param name="OurReceiveWindow">The Packet Recv Window Size we advertised in the Outgoing-Call-Reply.</param>
/// <param name="PeerReceiveWindow">The Packet Recv Window Size the peer advertised in its Outgoing-Call-Request.</param>
public readonly record struct DataplaneSessionSpec(
    uint PeerAddress,
    ushort CallId,
    ushort PeerCallId,
    ushort OurReceiveWindow,
    ushort PeerReceiveWindow);

/// <summary>MPPE as CCP negotiated it (RFC 3078 §2), with the start keys of RFC 3079 from our point of view.</summary>
/// <param name="Strength">40, 56 or 128 bits.</param>
/// <param name="Stateless">The H bit: rekey on every packet (RFC 3078 §7.1) rather than every 256.</param>
/// <param name="SendStartKey">Key we encrypt with (8 or 16 octets).</param>
/// <param name="ReceiveStartKey">Key we decrypt with (8 or 16 octets).</param>
public readonly record struct MppeParameters(
    MppeKeyStrength Strength,
    bool Stateless,
    ReadOnlyMemory<byte> SendStartKey,
    ReadOnlyMemory<byte> ReceiveStartKey);

/// <summary>Per-session counters that <c>show vpdn</c> prints and accounting reports.</summary>
/// <param name="ControlPacketsIn">Of <paramref name="PacketsIn"/>, the PPP control frames (LCP, CCP, ...) handed up: the
/// rest is the client's data, which is what Idle-Timeout (RFC 2865 §5.28) watches.</param>
public readonly record struct SessionCounters(
    ulong PacketsIn,
    ulong BytesIn,
    ulong PacketsOut,
    ulong BytesOut,
    uint LastSequenceReceived,
    uint LastAcknowledgmentReceived,
    uint NextSequenceToSend,
    uint LastAcknowledgmentSent,
    ushort PeerReceiveWindow,
    ulong OutOfOrder,
    ulong Dropped,
    ulong ControlPacketsIn = 0)
{
    /// <summary>Packets of the client's data received (IPv4 and anything not a control frame): <see cref="PacketsIn"/> minus the control frames.</summary>
    public ulong DataPacketsIn => PacketsIn - ControlPacketsIn;
}

/// <summary>
/// Receives what the dataplane hands up: PPP control frames arriving in GRE (LCP, PAP, CHAP, IPCP, CCP …) and
/// the stateful-MPPE loss signal. Called on a control-plane thread (never a worker); implementations may block briefly.
/// </summary>
public interface IControlFrameSink
{
    /// <summary>A PPP frame (address/control and protocol fields as received) for session <paramref name="session"/>.</summary>
    void OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame);

    /// <summary>Stateful MPPE lost synchronisation: the control plane must send a CCP Reset-Request (RFC 3078 §8).</summary>
    void OnResetRequestNeeded(SessionHandle session);
}

/// <summary>
/// The control plane's handle on the dataplane. One writer: all calls come from the control plane (they are
/// serialised by the implementation); workers never call it. Every method is cheap and never blocks on a worker.
/// </summary>
public interface IDataplaneControl
{
    /// <summary>Installs a session after the call is accepted; GRE from the peer is then sequenced and control frames flow up.</summary>
    SessionInstallError TryOpen(in DataplaneSessionSpec spec, out SessionHandle session);

    /// <summary>
    /// IPCP opened: the session's tunnel address (host order) and the header compression agreed by LCP for what we send
    /// (ACFC, PFC). From now on IPv4 is forwarded both ways, encrypted when <paramref name="requireEncryption"/> or MPPE is set.
    /// <paramref name="tcpMss"/> (0: off) is the MSS the session's TCP SYNs are clamped to, both ways.
    /// <paramref name="tunnelMtu"/> (0: unbounded) is the largest PPP information field the client takes (its MRU, the
    /// group's <c>ppp mtu</c>): an inside datagram with Don't Fragment that does not fit is answered with ICMP
    /// "fragmentation needed" (RFC 1191) and dropped.
    /// </summary>
    bool SetNetwork(SessionHandle session, uint tunnelAddress, bool transmitAcfc, bool transmitPfc, bool requireEncryption, ushort tcpMss = 0,
        ushort tunnelMtu = 0);

    /// <summary>CCP opened with MPPE: start encrypting and decrypting with these keys.</summary>
    bool SetMppe(SessionHandle session, in MppeParameters mppe);

    /// <summary>
    /// The network layer went down without the call ending: LCP or CCP renegotiates (RFC 1661 §4.1, Configure-Request in
    /// Opened: tld). Data stops both ways (no clear datagram slips out while MPPE is off) and the MPPE state is dropped;
    /// <see cref="SetNetwork"/> and <see cref="SetMppe"/> bring it up again, the coherency count restarting at 0.
    /// </summary>
    bool SetNetworkDown(SessionHandle session);

    /// <summary>The peer sent a CCP Reset-Request: our next packet carries the flushed bit (RFC 3078 §8).</summary>
    bool OnPeerResetRequest(SessionHandle session);

    /// <summary>Sends a PPP control frame (already framed: address/control if wanted, protocol, packet) with the session's GRE numbering.</summary>
    bool SendControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame);

    /// <summary>Removes the session; its counters stay readable until the slot is reused.</summary>
    bool Close(SessionHandle session);

    /// <summary>Reads the session's counters (a consistent-enough snapshot; counters are monotonic).</summary>
    bool TryGetCounters(SessionHandle session, out SessionCounters counters);
}
