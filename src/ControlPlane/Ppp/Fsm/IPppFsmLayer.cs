namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// The protocol-specific half of the automaton, implemented by LCP, IPCP and CCP. The automaton owns
/// the state machine, timers, counters, Identifiers and packet framing; the layer owns the options.
/// All calls come from inside the automaton while it holds its lock (see <see cref="PppFsm"/>); they must
/// not block and must not throw. A layer may call back into its automaton (Open, Close, SendPacket, ...):
/// events are then queued and run after the current transition completes.
/// </summary>
public interface IPppFsmLayer
{
    /// <summary>
    /// scr: writes our Configure-Request options (RFC 1661 §5.1) into <paramref name="options"/> and
    /// returns their length, or -1 when they do not fit (the request is then not sent).
    /// Called for every new request; retransmissions on TO+ resend the previous bytes.
    /// </summary>
    int WriteConfigureRequest(Span<byte> options);

    /// <summary>
    /// Judges the peer's Configure-Request options (this decides RCR+ vs RCR-). For <see cref="ConfigureVerdict.Nak"/>
    /// and <see cref="ConfigureVerdict.Reject"/>, writes the response options into <paramref name="response"/>
    /// (at least as large as the request) and sets <paramref name="responseLength"/>. Called in every
    /// state past Starting, before any action of the resulting transition (so before tld in Opened): the
    /// layer should keep what it learnt as "peer options" and use it at tlu. When Max-Failure is exhausted,
    /// the automaton itself converts a Nak into a Reject of the peer's options of the Nak'd types.
    /// </summary>
    ConfigureVerdict JudgeConfigureRequest(ReadOnlySpan<byte> options, Span<byte> response, out int responseLength);

    /// <summary>RCA: the peer acknowledged exactly our last Configure-Request (already checked: Identifier and options).</summary>
    void ReceiveConfigureAck(ReadOnlySpan<byte> options);

    /// <summary>RCN (Nak): adjust the next request to the peer's hints. Return false if the packet is malformed (it is then silently discarded, no event).</summary>
    bool ReceiveConfigureNak(ReadOnlySpan<byte> options);

    /// <summary>
    /// RCN (Reject): stop sending the rejected options. The automaton has already checked that they are a
    /// verbatim, in-order subset of our last request (RFC 1661 §5.4). Return false to discard the packet.
    /// </summary>
    bool ReceiveConfigureReject(ReadOnlySpan<byte> options);

    /// <summary>tlu This-Layer-Up (RFC 1661 §4.4): the automaton entered Opened.</summary>
    void ThisLayerUp();

    /// <summary>tld This-Layer-Down: the automaton is leaving Opened.</summary>
    void ThisLayerDown();

    /// <summary>tls This-Layer-Started: the lower layer is needed (e.g. an NCP asks for LCP to open).</summary>
    void ThisLayerStarted();

    /// <summary>tlf This-Layer-Finished: the lower layer is no longer needed.</summary>
    void ThisLayerFinished();

    /// <summary>
    /// A packet with a code other than 1-7 (e.g. LCP Protocol-Reject/Echo/Discard/Identification, CCP
    /// Reset-Request/Reset-Ack). Not called in Initial or Starting. Replies the layer sends itself go through
    /// <see cref="PppFsm.SendPacket"/>. The default knows no extended code.
    /// </summary>
    ExtendedCodeResult ReceiveExtendedCode(PppControlPacket packet) => ExtendedCodeResult.Unknown;

    /// <summary>
    /// A Code-Reject rejected one of our extended codes (0 or 8-255): true for RXJ+ (stop using it), false
    /// for RXJ-. Code-Rejects of codes 1-7 are always RXJ- and do not ask. The default accepts.
    /// </summary>
    bool IsCodeRejectAcceptable(byte rejectedCode) => true;

    /// <summary>
    /// ser: writes the Data of the Echo-Reply answering <paramref name="requestCode"/> (LCP: our Magic-Number
    /// then the request's data after its Magic-Number, RFC 1661 §5.8) and returns its length, or -1 to send
    /// nothing (Echo-Reply, Discard-Request). The automaton sends Code 10 with the request's Identifier.
    /// </summary>
    int WriteEchoReply(byte requestCode, ReadOnlySpan<byte> requestData, Span<byte> replyData) => -1;
}
