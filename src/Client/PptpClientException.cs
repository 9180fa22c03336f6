using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Client;

/// <summary>Why a dial failed or a tunnel went down; each has its own <c>pptpgw dial</c> exit code.</summary>
public enum PptpClientFailure
{
    /// <summary>The TCP connection to port 1723 could not be made, or a local socket/TUN could not be set up.</summary>
    ConnectFailed = 3,
    /// <summary>The server refused the control connection (Start-Control-Connection-Reply result) or the call (Outgoing-Call-Reply result).</summary>
    Refused = 4,
    /// <summary>PPP authentication failed (PAP Nak, CHAP/MS-CHAP Failure, or an MS-CHAPv2 server that could not prove itself).</summary>
    AuthenticationFailed = 5,
    /// <summary>MPPE could not be agreed as asked (strength, or required by one side and refused by the other).</summary>
    MppeMismatch = 6,
    /// <summary>No answer in time (control message or PPP negotiation).</summary>
    Timeout = 7,
    /// <summary>PPP negotiation failed otherwise, the server ended the call, or the control connection broke.</summary>
    LinkFailed = 8,
}

/// <summary>A dial that did not bring the link up, or a session that ended abnormally.</summary>
public sealed class PptpClientException : Exception
{
    public PptpClientException()
    {
    }

    public PptpClientException(string message)
        : base(message)
    {
    }

    public PptpClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PptpClientException(PptpClientFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>A refused call: the Outgoing-Call-Reply's Result and Error Codes (RFC 2637 §2.8, §2.16).</summary>
    public PptpClientException(string message, OutgoingCallResultCode callResult, PptpGeneralErrorCode errorCode)
        : base(message)
    {
        Failure = PptpClientFailure.Refused;
        CallResult = callResult;
        ErrorCode = errorCode;
    }

    public PptpClientFailure Failure { get; } = PptpClientFailure.LinkFailed;

    /// <summary>The Outgoing-Call-Reply's Result Code when the server refused the call; null otherwise.</summary>
    public OutgoingCallResultCode? CallResult { get; }

    /// <summary>The Error Code that came with <see cref="CallResult"/>.</summary>
    public PptpGeneralErrorCode ErrorCode { get; }
}
