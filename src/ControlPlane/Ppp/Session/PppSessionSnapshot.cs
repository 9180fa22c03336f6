using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>A consistent view of a session for <c>show vpdn</c>.</summary>
public sealed record PppSessionSnapshot(
    PppRole Role,
    PppPhase Phase,
    PppFsmState Lcp,
    PppFsmState Ipcp,
    PppFsmState Ccp,
    bool IsLinkUp,
    string? UserName,
    PppAuthProtocol? AuthenticationProtocol,
    uint PeerAddress,
    MppeKeyStrength? MppeStrength,
    bool? MppeStateless,
    long ControlFramesReceived,
    long DataFramesReceived,
    long FramesDiscarded,
    long ProtocolRejectsSent,
    long CcpResetRequestsReceived,
    string? DownReason);
