using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Sessions;

/// <summary>
/// What the control plane negotiated for a session and the dataplane needs per packet. Bits may be added; the
/// dataplane reads the whole set with one 16-bit load, so a change made with
/// <see cref="SessionTable.TrySetFlags"/> is seen by a worker either entirely or not at all.
/// </summary>
[Flags]
public enum SessionFlags : ushort
{
    /// <summary>Nothing negotiated yet: no MPPE, full PPP framing, no IP forwarding.</summary>
    None = 0,

    /// <summary>MPPE with 40-bit session keys (RFC 3078 §2.1, CCP option 18 bit "L"; key begins D1 26 9E, RFC 3079 §3.2).</summary>
    Mppe40 = 1 << 0,

    /// <summary>MPPE with 56-bit session keys (RFC 3078 §2.1 bit "M"; key begins D1, RFC 3079 §3.2).</summary>
    Mppe56 = 1 << 1,

    /// <summary>MPPE with 128-bit session keys (RFC 3078 §2.1 bit "S").</summary>
    Mppe128 = 1 << 2,

    /// <summary>MPPE stateless mode: a new key for every packet (RFC 3078 §2.1 bit "H", RFC 3079 §3.1).</summary>
    MppeStateless = 1 << 3,

    /// <summary>The peer agreed to receive frames without the FF 03 address and control fields (ACFC, RFC 1661 §6.6).</summary>
    TransmitAcfc = 1 << 4,

    /// <summary>The peer agreed to receive one-byte protocol fields where the protocol allows (PFC, RFC 1661 §6.5).</summary>
    TransmitPfc = 1 << 5,

    /// <summary>IPCP reached Opened (RFC 1332 §1, RFC 1661 §3.7): IP datagrams may flow in both directions.</summary>
    IpcpOpened = 1 << 6,
}

/// <summary>
/// The configuration of one session that the control plane sets when it installs the session in a
/// <see cref="SessionTable"/>: the outside key (<see cref="PeerAddress"/>, <see cref="CallId"/>), the inside key
/// (<see cref="TunnelAddress"/>), the call id the peer chose (the key of the GRE packets we send, RFC 2637 §4.1), the
/// worker that owns the session's per-packet state, and <see cref="Flags"/>.
/// <para>
/// Addresses are host-order <see cref="uint"/> values (a.b.c.d = a&lt;&lt;24 | b&lt;&lt;16 | c&lt;&lt;8 | d), as
/// <c>BinaryPrimitives.ReadUInt32BigEndian</c> reads them from an IPv4 header.
/// </para>
/// <para>
/// Layout: 16 bytes with every field naturally aligned, so the table can change <see cref="TunnelAddress"/> and
/// <see cref="Flags"/> of a live session with single atomic stores while workers read it.
/// </para>
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SessionConfig
{
    // Internal so SessionTable can take a ref to one field for a single atomic store; no other code writes them.
    internal readonly uint _peerAddress;
    internal readonly uint _tunnelAddress;
    internal readonly ushort _callId;
    internal readonly ushort _peerCallId;
    internal readonly ushort _worker;
    internal readonly SessionFlags _flags;

    /// <summary>Creates a configuration; see the properties for each value.</summary>
    public SessionConfig(uint peerAddress, ushort callId, ushort peerCallId, uint tunnelAddress, ushort worker, SessionFlags flags = SessionFlags.None)
    {
        _peerAddress = peerAddress;
        _callId = callId;
        _peerCallId = peerCallId;
        _tunnelAddress = tunnelAddress;
        _worker = worker;
        _flags = flags;
    }

    /// <summary>The PAC's (client's) outside IPv4 address: the source of the GRE packets it sends us.</summary>
    public uint PeerAddress { get => _peerAddress; init => _peerAddress = value; }

    /// <summary>
    /// Our call id for this call (the PNS's Call ID of the Outgoing-Call-Reply, RFC 2637 §2.8), which the peer puts in
    /// the low 16 bits of the GRE key of every packet it sends us (RFC 2637 §4.1). Never 0: 0 is kept reserved.
    /// </summary>
    public ushort CallId { get => _callId; init => _callId = value; }

    /// <summary>The peer's call id (Outgoing-Call-Request, RFC 2637 §2.7): the GRE key of the packets we send it.</summary>
    public ushort PeerCallId { get => _peerCallId; init => _peerCallId = value; }

    /// <summary>
    /// The address IPCP gave the client (RFC 1332 §3.3), the inside key; 0 while IPCP has not assigned one yet, in
    /// which case the session is found from the outside only.
    /// </summary>
    public uint TunnelAddress { get => _tunnelAddress; init => _tunnelAddress = value; }

    /// <summary>Index of the worker that owns the session's per-packet state (GRE sequence numbers, RC4 state, counters).</summary>
    public ushort Worker { get => _worker; init => _worker = value; }

    /// <summary>What was negotiated: MPPE strength and mode, PPP header compression, IPCP state.</summary>
    public SessionFlags Flags { get => _flags; init => _flags = value; }
}
