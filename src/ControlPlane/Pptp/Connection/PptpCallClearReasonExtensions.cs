namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Mapping of the gateway's clear reasons to Call-Disconnect-Notify codes (RFC 2637 §2.13).</summary>
public static class PptpCallClearReasonExtensions
{
    /// <summary>The CDN Result Code and Error Code to send when the gateway clears a call for <paramref name="reason"/>.</summary>
    public static (CallDisconnectResultCode Result, PptpGeneralErrorCode Error) ToDisconnectCodes(this PptpCallClearReason reason) => reason switch
    {
        PptpCallClearReason.AdminClear or PptpCallClearReason.AaaDisconnect => (CallDisconnectResultCode.AdminShutdown, PptpGeneralErrorCode.None),
        PptpCallClearReason.PppTerminated => (CallDisconnectResultCode.LostCarrier, PptpGeneralErrorCode.None),
        PptpCallClearReason.PeerCallClearRequest => (CallDisconnectResultCode.Request, PptpGeneralErrorCode.None),
        _ => (CallDisconnectResultCode.GeneralError, PptpGeneralErrorCode.PacError),
    };
}
