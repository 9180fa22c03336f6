using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Client;

/// <summary>Why a call ended, typed (the <see cref="Detail"/> is for people only).</summary>
/// <param name="Kind">What ended it.</param>
/// <param name="Result">The Call-Disconnect-Notify's Result Code when <paramref name="Kind"/> is ServerDisconnected.</param>
/// <param name="Error">The Call-Disconnect-Notify's Error Code.</param>
/// <param name="StopReason">The server's Stop-Control-Connection-Request Reason when it stopped the tunnel.</param>
/// <param name="Detail">Text for logs.</param>
public sealed record PptpCallEnd(PptpCallEndKind Kind, CallDisconnectResultCode? Result, PptpGeneralErrorCode Error,
    StopControlConnectionReason? StopReason, string Detail);
