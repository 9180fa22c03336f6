namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>The gateway's answer to an Outgoing-Call-Request; build it with <see cref="Accept"/> or <see cref="Refuse"/>.</summary>
public readonly record struct CallDecision
{
    /// <summary>True to answer Outgoing-Call-Reply "Connected".</summary>
    public bool Accepted { get; init; }
    /// <summary>Result Code of the Outgoing-Call-Reply (§2.8) for a refusal.</summary>
    public OutgoingCallResultCode ResultCode { get; init; }
    /// <summary>Error Code (§2.16) when <see cref="ResultCode"/> is General Error.</summary>
    public PptpGeneralErrorCode ErrorCode { get; init; }
    /// <summary>Cause Code of the Outgoing-Call-Reply; 0 when unused.</summary>
    public ushort CauseCode { get; init; }
    /// <summary>Connect Speed to report for an accepted call, bits/s; 0 for the configured default.</summary>
    public uint ConnectSpeed { get; init; }
    /// <summary>Why, for the logs (not sent).</summary>
    public string? Reason { get; init; }

    /// <summary>Accept the call.</summary>
    public static CallDecision Accept(uint connectSpeed = 0) =>
        new() { Accepted = true, ResultCode = OutgoingCallResultCode.Connected, ConnectSpeed = connectSpeed };

    /// <summary>
    /// Refuse the call with Result Code <paramref name="resultCode"/> (e.g. 7 Do Not Accept for policy, 4 Busy,
    /// or 2 General Error with <paramref name="errorCode"/> 4 No-Resource for exhausted resources).
    /// </summary>
    public static CallDecision Refuse(OutgoingCallResultCode resultCode, string reason,
        PptpGeneralErrorCode errorCode = PptpGeneralErrorCode.None, ushort causeCode = 0)
    {
        if (resultCode == OutgoingCallResultCode.Connected)
            throw new ArgumentOutOfRangeException(nameof(resultCode), resultCode, "a refusal cannot be Connected");
        if ((resultCode == OutgoingCallResultCode.GeneralError) != (errorCode != PptpGeneralErrorCode.None))
            throw new ArgumentException("an Error Code goes with, and only with, Result Code General Error (RFC 2637 §2.8)", nameof(errorCode));
        return new() { ResultCode = resultCode, ErrorCode = errorCode, CauseCode = causeCode, Reason = reason };
    }
}
