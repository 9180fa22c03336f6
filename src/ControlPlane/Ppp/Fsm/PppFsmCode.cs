namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// Packet codes of RFC 1661 §5. Codes 1-7 are shared by every protocol built on the automaton
/// (LCP, IPCP RFC 1332 §2, CCP RFC 1962 §2) and handled by <see cref="PppFsm"/> itself; 8-11 are LCP
/// only and reach the layer through <see cref="IPppFsmLayer.ReceiveExtendedCode"/>.
/// </summary>
public static class PppFsmCode
{
    public const byte ConfigureRequest = 1;
    public const byte ConfigureAck = 2;
    public const byte ConfigureNak = 3;
    public const byte ConfigureReject = 4;
    public const byte TerminateRequest = 5;
    public const byte TerminateAck = 6;
    public const byte CodeReject = 7;
    /// <summary>LCP only (RFC 1661 §5.7).</summary>
    public const byte ProtocolReject = 8;
    /// <summary>LCP only (RFC 1661 §5.8).</summary>
    public const byte EchoRequest = 9;
    /// <summary>LCP only (RFC 1661 §5.8); what the ser action sends.</summary>
    public const byte EchoReply = 10;
    /// <summary>LCP only (RFC 1661 §5.9).</summary>
    public const byte DiscardRequest = 11;

    /// <summary>Codes the automaton cannot work without: a Code-Reject of one of them is RXJ- (RFC 1661 §4.3).</summary>
    public static bool IsEssential(byte code) => code is >= ConfigureRequest and <= CodeReject;
}
