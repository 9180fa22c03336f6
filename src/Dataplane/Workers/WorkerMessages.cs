using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Workers;

/// <summary>What the control plane asks a worker to do to one of its sessions.</summary>
internal enum WorkerCommandKind : byte
{
    /// <summary>IPCP opened: tunnel address, ACFC/PFC for what we send, encryption required.</summary>
    SetNetwork,

    /// <summary>CCP opened with MPPE: key the sender and the receiver.</summary>
    SetMppe,

    /// <summary>The peer sent a CCP Reset-Request (RFC 3078 §8): flush our next stateful packet.</summary>
    PeerResetRequest,

    /// <summary>LCP or CCP renegotiates (RFC 1661 §4.1 tld): no data until SetNetwork/SetMppe again; the keys are dropped.</summary>
    NetworkDown,

    /// <summary>Send a PPP control frame (in <see cref="WorkerCommand.Frame"/>) with the session's GRE numbering.</summary>
    SendControlFrame,

    /// <summary>The session was removed: give back held packets, forget the keys; counters stay readable.</summary>
    Close,
}

/// <summary>
/// One command on a worker's command ring (control plane → worker). The worker is the only writer of its sessions'
/// per-packet state, so the control plane never writes it: it sends a command and the worker applies it at the top
/// of its loop. Commands carry a <see cref="SessionHandle"/>: a command for a session that has gone is refused.
/// </summary>
internal struct WorkerCommand
{
    public WorkerCommandKind Kind;
    public SessionHandle Session;
    public uint TunnelAddress;
    public bool TransmitAcfc;
    public bool TransmitPfc;
    public bool RequireEncryption;
    public bool Stateless;

    /// <summary>SetNetwork: the MSS that TCP SYNs through the session are clamped to (<c>TcpMssClamp</c>); 0: none.</summary>
    public ushort TcpMss;

    /// <summary>SetNetwork: the largest PPP information field the client takes (its MRU, bounded by <c>ppp mtu</c>); 0: unbounded.</summary>
    public ushort TunnelMtu;
    public MppeKeyStrength Strength;

    /// <summary>SetMppe: the send start key followed by the receive start key (wiped by the worker once used).</summary>
    public byte[]? Keys;

    /// <summary>SendControlFrame: the PPP frame in a pool packet, owned by the command until applied.</summary>
    public PacketHandle Frame;
}

/// <summary>What a worker hands up to the control plane.</summary>
internal enum UpMessageKind : byte
{
    /// <summary>A PPP control frame in <see cref="UpMessage.Frame"/> (freed by the control plane after the sink saw it).</summary>
    ControlFrame,

    /// <summary>Stateful MPPE lost synchronisation: send a CCP Reset-Request (RFC 3078 §8).</summary>
    ResetRequestNeeded,
}

/// <summary>One message on a worker's up ring (worker → control plane).</summary>
internal readonly record struct UpMessage(UpMessageKind Kind, SessionHandle Session, PacketHandle Frame);

/// <summary>Per-slot values the control plane sets at install (through <see cref="ISessionSlotInitializer"/>) and a worker reads when it first meets the session.</summary>
internal struct SessionSpecSlot
{
    public ushort OurReceiveWindow;
    public ushort PeerReceiveWindow;
}
