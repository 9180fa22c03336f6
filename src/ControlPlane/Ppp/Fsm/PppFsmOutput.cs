namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// Receives every control packet the automaton sends: Code, Identifier, Length and Data, without the PPP
/// Protocol field (the caller frames it: 0xC021 LCP, 0x8021 IPCP, 0x80FD CCP). The span is only valid
/// during the call.
/// </summary>
public delegate void PppFsmOutput(ReadOnlySpan<byte> controlPacket);
