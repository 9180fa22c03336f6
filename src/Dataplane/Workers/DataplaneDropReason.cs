namespace PptpGw.Dataplane.Workers;

/// <summary>
/// Why the dataplane dropped a packet (or a signal). Every drop has exactly one reason and is counted per worker
/// (<see cref="DataplaneCounters"/>) and, when the session is known, per session (<see cref="SessionDropCounters"/>).
/// </summary>
public enum DataplaneDropReason
{
    /// <summary>Not a drop (slot 0 of the counter arrays is unused).</summary>
    None = 0,

    // ---- outside → inside ----

    /// <summary>Outside port delivering IPv4: the header does not parse (RFC 791 §3.1) or its checksum fails.</summary>
    OutsideIpv4Invalid,

    /// <summary>Outside port delivering IPv4: protocol is not 47 (GRE).</summary>
    OutsideNotGre,

    /// <summary>
    /// Outside port delivering IPv4: a fragment. Not reassembled yet (a kernel raw socket hands over reassembled
    /// datagrams, so only a DPDK-style port can show one; PPTP clients send GRE below the path MTU).
    /// </summary>
    OutsideFragment,

    /// <summary>Not an enhanced GRE header a PNS accepts (RFC 2637 §4.1): version, K bit, protocol 0x880B, C/R/s bits, lengths.</summary>
    GreHeaderInvalid,

    /// <summary>No live session has this (peer address, call id): the call ended, was never set up, or the source is forged.</summary>
    UnknownSession,

    /// <summary>The session belongs to another worker (a port delivered it to the wrong one).</summary>
    WrongWorker,

    /// <summary>GRE sequence number already delivered or held (RFC 2637 §4.3).</summary>
    GreDuplicate,

    /// <summary>GRE sequence number before the next expected one and not a known duplicate (its gap was given up).</summary>
    GreTooOld,

    /// <summary>GRE sequence number at least our advertised receive window ahead (RFC 2637 §4.2).</summary>
    GreBeyondWindow,

    /// <summary>The GRE payload is not a PPP frame (RFC 1662 §3.1 address/control, RFC 1661 §2 protocol field).</summary>
    PppFrameInvalid,

    /// <summary>An MPPE datagram (protocol 0x00FD) for a session without MPPE keys (CCP not opened, RFC 1962 §2).</summary>
    MppeNotNegotiated,

    /// <summary>MPPE refused the packet (see the session's MppeReceiver drop counters for the precise MppeDropReason).</summary>
    MppeDecryptFailed,

    /// <summary>
    /// The decrypted protocol is not IPv4 (0x0021): the only network protocol this gateway carries. No longer
    /// produced since decryption is verified (issue 9): such a plaintext is no evidence and counts as
    /// <see cref="MppeVerificationFailed"/>. Kept so that the numbering of the reasons stays stable.
    /// </summary>
    MppeInnerProtocolUnsupported,

    /// <summary>Plain IPv4 (0x0021) while the session requires encryption or has MPPE on (RFC 3078 §1: once CCP opened with MPPE, clear data is refused).</summary>
    UnencryptedRefused,

    /// <summary>A network-layer packet whose NCP is not opened (IPv4 before IPCP, or any other network protocol): RFC 1661 §3.7 "silently discarded".</summary>
    NetworkProtocolNotOpen,

    /// <summary>The inner IPv4 header is malformed (too short, not version 4, total length inconsistent).</summary>
    InnerIpv4Invalid,

    /// <summary>Anti-spoofing: the inner IPv4 source is not the session's tunnel address.</summary>
    SpoofedSource,

    /// <summary>The ring to the control plane is full: a control frame or a reset signal could not go up.</summary>
    ControlRingFull,

    /// <summary>The inside port did not take the packet (its ring or device queue is full).</summary>
    InsideTransmitFull,

    // ---- inside → outside ----

    /// <summary>A packet from the inside that is not a well-formed IPv4 header.</summary>
    InsideIpv4Invalid,

    /// <summary>No session has the destination as its tunnel address.</summary>
    NoSessionForDestination,

    /// <summary>The session requires encryption but MPPE keys are not installed yet.</summary>
    EncryptionNotReady,

    /// <summary>MPPE refused to encrypt (see the session's MppeSender drop counters).</summary>
    MppeEncryptFailed,

    /// <summary>Not enough headroom (or a payload over 65,535 octets) to prepend PPP, MPPE, GRE or IPv4 headers.</summary>
    NoHeadroom,

    /// <summary>The outside port did not take the packet (socket buffer or ring full).</summary>
    OutsideTransmitFull,

    /// <summary>No packet buffer for an acknowledgment-only packet (the pool is exhausted); it stays owed.</summary>
    PoolExhausted,

    // ---- session lifetime ----

    /// <summary>A packet of a session being closed: held in its reorder buffer at close, or met after the close.</summary>
    SessionClosed,

    /// <summary>A command or a control frame from the control plane for a session that no longer exists.</summary>
    StaleCommand,

    // ---- outside → inside: evidence and budgets (issue 9) ----

    /// <summary>
    /// An MPPE packet that, decrypted on a copy of the key state, is not a well-formed IPv4 frame
    /// (<see cref="Mppe.MppePlaintext"/>): a forgery (or a corrupted packet). Nothing of the session moved: GRE window,
    /// reorder ring, acknowledgment owed, MPPE key, coherency count and RC4 stream are as before it.
    /// </summary>
    MppeVerificationFailed,

    /// <summary>
    /// An MPPE packet whose coherency jump needs more key changes than the session's or the worker's rekey budget
    /// has left (<see cref="RekeyBudget"/>); nothing was computed or changed.
    /// </summary>
    MppeRekeyBudgetExhausted,

    // ---- inside → outside: the tunnel's MTU (issue 14) ----

    /// <summary>
    /// An inside datagram larger than the session's tunnel MTU (the client's MRU, the group's <c>ppp mtu</c>, less the
    /// MPPE header) that cannot be fragmented: with Don't Fragment set (answered with ICMP "fragmentation needed" and
    /// the tunnel MTU, RFC 1191 §4, unless RFC 1812 §4.3.2.7 or the worker's ICMP rate limit forbid it), or with IP
    /// options; then dropped. Without DF and options it leaves in RFC 791 fragments (not a drop).
    /// </summary>
    TunnelMtuExceeded,
}

/// <summary>Per-reason drop counters of one session (a snapshot).</summary>
public sealed class SessionDropCounters
{
    private readonly ulong[] _counts;

    internal SessionDropCounters(ulong[] counts) => _counts = counts;

    /// <summary>Drops of the session for <paramref name="reason"/>.</summary>
    public ulong this[DataplaneDropReason reason] => (uint)reason < (uint)_counts.Length ? _counts[(int)reason] : 0;

    /// <summary>All drops of the session.</summary>
    public ulong Total
    {
        get
        {
            ulong total = 0;
            foreach (ulong c in _counts)
                total += c;
            return total;
        }
    }
}

/// <summary>
/// A snapshot of the whole dataplane's counters (the sum over workers): traffic, and drops by reason —
/// "every drop has a reason and a counter". Counters are monotonic; a snapshot taken while workers run may lag a little.
/// </summary>
public sealed class DataplaneCounters
{
    /// <summary>Number of <see cref="DataplaneDropReason"/> values (the length of the drop arrays).</summary>
    public const int ReasonCount = (int)DataplaneDropReason.TunnelMtuExceeded + 1;

    private readonly ulong[] _drops;

    internal DataplaneCounters(ulong[] drops, in WorkerTraffic traffic)
    {
        _drops = drops;
        Traffic = traffic;
    }

    /// <summary>Packets counted by direction and kind.</summary>
    public WorkerTraffic Traffic { get; }

    /// <summary>Drops for <paramref name="reason"/>.</summary>
    public ulong this[DataplaneDropReason reason] => (uint)reason < (uint)_drops.Length ? _drops[(int)reason] : 0;

    /// <summary>All drops.</summary>
    public ulong TotalDropped
    {
        get
        {
            ulong total = 0;
            foreach (ulong c in _drops)
                total += c;
            return total;
        }
    }

    /// <summary>The reasons with a non-zero count, for logs and <c>show</c> output.</summary>
    public IEnumerable<KeyValuePair<DataplaneDropReason, ulong>> NonZeroDrops()
    {
        for (int i = 1; i < _drops.Length; i++)
        {
            if (_drops[i] != 0)
                yield return new((DataplaneDropReason)i, _drops[i]);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Traffic}; dropped {TotalDropped}: " + string.Join(", ", NonZeroDrops().Select(d => $"{d.Key}={d.Value}"));
}

/// <summary>Packet counts of a worker (or the sum over workers).</summary>
/// <param name="OutsideReceived">Packets taken from the outside port.</param>
/// <param name="InsideDelivered">IPv4 packets handed to the inside port.</param>
/// <param name="InsideReceived">Packets taken from the inside port.</param>
/// <param name="OutsideSent">Packets handed to the outside port (data, control frames and acknowledgments).</param>
/// <param name="ControlFramesUp">PPP control frames handed up to the control plane.</param>
/// <param name="ControlFramesDown">PPP control frames sent for the control plane.</param>
/// <param name="AcknowledgmentsReceived">Acknowledgment-only GRE packets received (RFC 2637 §4.1, S clear).</param>
/// <param name="AcknowledgmentsSent">Acknowledgment-only GRE packets sent because no data carried the acknowledgment in time.</param>
/// <param name="ResetRequestsSignalled">Stateful MPPE losses signalled up (each asks for a CCP Reset-Request).</param>
/// <param name="Commands">Commands from the control plane applied.</param>
public readonly record struct WorkerTraffic(
    ulong OutsideReceived,
    ulong InsideDelivered,
    ulong InsideReceived,
    ulong OutsideSent,
    ulong ControlFramesUp,
    ulong ControlFramesDown,
    ulong AcknowledgmentsReceived,
    ulong AcknowledgmentsSent,
    ulong ResetRequestsSignalled,
    ulong Commands)
{
    /// <summary>The sum of two counts.</summary>
    public static WorkerTraffic operator +(WorkerTraffic a, WorkerTraffic b) => new(
        a.OutsideReceived + b.OutsideReceived,
        a.InsideDelivered + b.InsideDelivered,
        a.InsideReceived + b.InsideReceived,
        a.OutsideSent + b.OutsideSent,
        a.ControlFramesUp + b.ControlFramesUp,
        a.ControlFramesDown + b.ControlFramesDown,
        a.AcknowledgmentsReceived + b.AcknowledgmentsReceived,
        a.AcknowledgmentsSent + b.AcknowledgmentsSent,
        a.ResetRequestsSignalled + b.ResetRequestsSignalled,
        a.Commands + b.Commands);

    /// <summary>Operator-free form of <c>+</c> (CA2225).</summary>
    public static WorkerTraffic Add(WorkerTraffic a, WorkerTraffic b) => a + b;
}
