namespace PptpGw.ControlPlane.Pptp;

/// <summary>General Error Codes (RFC 2637 §2.16), carried in the Error Code field of a reply whose Result Code is General Error.</summary>
public enum PptpGeneralErrorCode : byte
{
    /// <summary>0 (None): no general error.</summary>
    None = 0,
    /// <summary>1 (Not-Connected): no control connection exists yet for this PAC-PNS pair.</summary>
    NotConnected = 1,
    /// <summary>2 (Bad-Format): Length is wrong or Magic Cookie value is incorrect.</summary>
    BadFormat = 2,
    /// <summary>3 (Bad-Value): one of the field values was out of range or reserved field was non-zero.</summary>
    BadValue = 3,
    /// <summary>4 (No-Resource): insufficient resources to handle this command now.</summary>
    NoResource = 4,
    /// <summary>5 (Bad-Call ID): the Call ID is invalid in this context.</summary>
    BadCallId = 5,
    /// <summary>6 (PAC-Error): a generic vendor-specific error occurred in the PAC.</summary>
    PacError = 6,
}

/// <summary>Result Code of Start-Control-Connection-Reply (RFC 2637 §2.2).</summary>
public enum StartControlConnectionResultCode : byte
{
    /// <summary>1: Successful channel establishment.</summary>
    Successful = 1,
    /// <summary>2: General error — Error Code indicates the problem.</summary>
    GeneralError = 2,
    /// <summary>3: Command channel already exists.</summary>
    CommandChannelAlreadyExists = 3,
    /// <summary>4: Requester is not authorized to establish a command channel.</summary>
    RequesterNotAuthorized = 4,
    /// <summary>5: The protocol version of the requester is not supported.</summary>
    ProtocolVersionNotSupported = 5,
}

/// <summary>Reason of Stop-Control-Connection-Request (RFC 2637 §2.3).</summary>
public enum StopControlConnectionReason : byte
{
    /// <summary>1 (None): general request to clear control connection.</summary>
    None = 1,
    /// <summary>2 (Stop-Protocol): can't support peer's version of the protocol.</summary>
    StopProtocol = 2,
    /// <summary>3 (Stop-Local-Shutdown): requester is being shut down.</summary>
    StopLocalShutdown = 3,
}

/// <summary>Result Code of Stop-Control-Connection-Reply (RFC 2637 §2.4).</summary>
public enum StopControlConnectionResultCode : byte
{
    /// <summary>1 (OK): control connection closed.</summary>
    Ok = 1,
    /// <summary>2 (General Error): control connection not closed for reason indicated in Error Code.</summary>
    GeneralError = 2,
}

/// <summary>Result Code of Echo-Reply (RFC 2637 §2.6).</summary>
public enum EchoReplyResultCode : byte
{
    /// <summary>1 (OK): the Echo-Reply is valid.</summary>
    Ok = 1,
    /// <summary>2 (General Error): Echo-Request not accepted for the reason indicated in Error Code.</summary>
    GeneralError = 2,
}

/// <summary>Result Code of Outgoing-Call-Reply (RFC 2637 §2.8).</summary>
public enum OutgoingCallResultCode : byte
{
    /// <summary>1 (Connected): call established with no errors.</summary>
    Connected = 1,
    /// <summary>2 (General Error): Outgoing Call not established for the reason indicated in Error Code.</summary>
    GeneralError = 2,
    /// <summary>3 (No Carrier): Outgoing Call failed due to no carrier detected.</summary>
    NoCarrier = 3,
    /// <summary>4 (Busy): Outgoing Call failed due to detection of a busy signal.</summary>
    Busy = 4,
    /// <summary>5 (No Dial Tone): Outgoing Call failed due to lack of a dial tone.</summary>
    NoDialTone = 5,
    /// <summary>6 (Time-out): Outgoing Call was not established within time allotted by PAC.</summary>
    TimeOut = 6,
    /// <summary>7 (Do Not Accept): Outgoing Call administratively prohibited.</summary>
    DoNotAccept = 7,
}

/// <summary>Result Code of Incoming-Call-Reply (RFC 2637 §2.10).</summary>
public enum IncomingCallResultCode : byte
{
    /// <summary>1 (Connect): the PAC should answer the incoming call.</summary>
    Connect = 1,
    /// <summary>2 (General Error): the Incoming Call should not be established due to the reason indicated in Error Code.</summary>
    GeneralError = 2,
    /// <summary>3 (Do Not Accept): the PAC should not accept the incoming call; it should hang up or issue a busy indication.</summary>
    DoNotAccept = 3,
}

/// <summary>Result Code of Call-Disconnect-Notify (RFC 2637 §2.13).</summary>
public enum CallDisconnectResultCode : byte
{
    /// <summary>1 (Lost Carrier): call disconnected due to loss of carrier.</summary>
    LostCarrier = 1,
    /// <summary>2 (General Error): call disconnected for the reason indicated in Error Code.</summary>
    GeneralError = 2,
    /// <summary>3 (Admin Shutdown): call disconnected for administrative reasons.</summary>
    AdminShutdown = 3,
    /// <summary>4 (Request): call disconnected due to received Call-Clear-Request.</summary>
    Request = 4,
}

/// <summary>Framing Capabilities of Start-Control-Connection-Request/Reply (RFC 2637 §2.1, §2.2).</summary>
[Flags]
public enum PptpFramingCapabilities : uint
{
    /// <summary>No framing capability announced.</summary>
    None = 0,
    /// <summary>1: Asynchronous Framing supported.</summary>
    Asynchronous = 1,
    /// <summary>2: Synchronous Framing supported.</summary>
    Synchronous = 2,
}

/// <summary>Bearer Capabilities of Start-Control-Connection-Request/Reply (RFC 2637 §2.1, §2.2).</summary>
[Flags]
public enum PptpBearerCapabilities : uint
{
    /// <summary>No bearer capability announced.</summary>
    None = 0,
    /// <summary>1: Analog access supported.</summary>
    Analog = 1,
    /// <summary>2: Digital access supported.</summary>
    Digital = 2,
}

/// <summary>Bearer Type of Outgoing-Call-Request (§2.7) and Call Bearer Type of Incoming-Call-Request (§2.9).</summary>
public enum PptpBearerType : uint
{
    /// <summary>1: call on an analog channel.</summary>
    Analog = 1,
    /// <summary>2: call on a digital channel.</summary>
    Digital = 2,
    /// <summary>3: call on any type of channel (Outgoing-Call-Request only).</summary>
    Any = 3,
}

/// <summary>Framing Type of Outgoing-Call-Request (§2.7) and Incoming-Call-Connected (§2.11).</summary>
public enum PptpFramingType : uint
{
    /// <summary>1: asynchronous framing.</summary>
    Asynchronous = 1,
    /// <summary>2: synchronous framing.</summary>
    Synchronous = 2,
    /// <summary>3: either framing (Outgoing-Call-Request only).</summary>
    Any = 3,
}

/// <summary>Renders result, reason and error codes as RFC 2637's text, for logs. No allocation for defined values.</summary>
public static class PptpCodeText
{
    /// <summary>RFC 2637 §2.16 text, e.g. "2 (Bad-Format) Length is wrong or Magic Cookie value is incorrect".</summary>
    public static string ToRfcText(this PptpGeneralErrorCode code) => code switch
    {
        PptpGeneralErrorCode.None => "0 (None) No general error",
        PptpGeneralErrorCode.NotConnected => "1 (Not-Connected) No control connection exists yet for this PAC-PNS pair",
        PptpGeneralErrorCode.BadFormat => "2 (Bad-Format) Length is wrong or Magic Cookie value is incorrect",
        PptpGeneralErrorCode.BadValue => "3 (Bad-Value) One of the field values was out of range or reserved field was non-zero",
        PptpGeneralErrorCode.NoResource => "4 (No-Resource) Insufficient resources to handle this command now",
        PptpGeneralErrorCode.BadCallId => "5 (Bad-Call ID) The Call ID is invalid in this context",
        PptpGeneralErrorCode.PacError => "6 (PAC-Error) A generic vendor-specific error occurred in the PAC",
        _ => Unknown("error code", (byte)code),
    };

    /// <summary>RFC 2637 §2.2 text of a Start-Control-Connection-Reply Result Code.</summary>
    public static string ToRfcText(this StartControlConnectionResultCode code) => code switch
    {
        StartControlConnectionResultCode.Successful => "1 Successful channel establishment",
        StartControlConnectionResultCode.GeneralError => "2 General error -- Error Code indicates the problem",
        StartControlConnectionResultCode.CommandChannelAlreadyExists => "3 Command channel already exists",
        StartControlConnectionResultCode.RequesterNotAuthorized => "4 Requester is not authorized to establish a command channel",
        StartControlConnectionResultCode.ProtocolVersionNotSupported => "5 The protocol version of the requester is not supported",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>RFC 2637 §2.3 text of a Stop-Control-Connection-Request Reason.</summary>
    public static string ToRfcText(this StopControlConnectionReason reason) => reason switch
    {
        StopControlConnectionReason.None => "1 (None) General request to clear control connection",
        StopControlConnectionReason.StopProtocol => "2 (Stop-Protocol) Can't support peer's version of the protocol",
        StopControlConnectionReason.StopLocalShutdown => "3 (Stop-Local-Shutdown) Requester is being shut down",
        _ => Unknown("reason", (byte)reason),
    };

    /// <summary>RFC 2637 §2.4 text of a Stop-Control-Connection-Reply Result Code.</summary>
    public static string ToRfcText(this StopControlConnectionResultCode code) => code switch
    {
        StopControlConnectionResultCode.Ok => "1 (OK) Control connection closed",
        StopControlConnectionResultCode.GeneralError => "2 (General Error) Control connection not closed for reason indicated in Error Code",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>RFC 2637 §2.6 text of an Echo-Reply Result Code.</summary>
    public static string ToRfcText(this EchoReplyResultCode code) => code switch
    {
        EchoReplyResultCode.Ok => "1 (OK) The Echo-Reply is valid",
        EchoReplyResultCode.GeneralError => "2 (General Error) Echo-Request not accepted for the reason indicated in Error Code",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>RFC 2637 §2.8 text of an Outgoing-Call-Reply Result Code.</summary>
    public static string ToRfcText(this OutgoingCallResultCode code) => code switch
    {
        OutgoingCallResultCode.Connected => "1 (Connected) Call established with no errors",
        OutgoingCallResultCode.GeneralError => "2 (General Error) Outgoing Call not established for the reason indicated in Error Code",
        OutgoingCallResultCode.NoCarrier => "3 (No Carrier) Outgoing Call failed due to no carrier detected",
        OutgoingCallResultCode.Busy => "4 (Busy) Outgoing Call failed due to detection of a busy signal",
        OutgoingCallResultCode.NoDialTone => "5 (No Dial Tone) Outgoing Call failed due to lack of a dial tone",
        OutgoingCallResultCode.TimeOut => "6 (Time-out) Outgoing Call was not established within time allotted by PAC",
        OutgoingCallResultCode.DoNotAccept => "7 (Do Not Accept) Outgoing Call administratively prohibited",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>RFC 2637 §2.10 text of an Incoming-Call-Reply Result Code.</summary>
    public static string ToRfcText(this IncomingCallResultCode code) => code switch
    {
        IncomingCallResultCode.Connect => "1 (Connect) The PAC should answer the incoming call",
        IncomingCallResultCode.GeneralError => "2 (General Error) The Incoming Call should not be established due to the reason indicated in Error Code",
        IncomingCallResultCode.DoNotAccept => "3 (Do Not Accept) The PAC should not accept the incoming call. It should hang up or issue a busy indication",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>RFC 2637 §2.13 text of a Call-Disconnect-Notify Result Code.</summary>
    public static string ToRfcText(this CallDisconnectResultCode code) => code switch
    {
        CallDisconnectResultCode.LostCarrier => "1 (Lost Carrier) Call disconnected due to loss of carrier",
        CallDisconnectResultCode.GeneralError => "2 (General Error) Call disconnected for the reason indicated in Error Code",
        CallDisconnectResultCode.AdminShutdown => "3 (Admin Shutdown) Call disconnected for administrative reasons",
        CallDisconnectResultCode.Request => "4 (Request) Call disconnected due to received Call-Clear-Request",
        _ => Unknown("result code", (byte)code),
    };

    /// <summary>Text of a parse error, for logs ("Bad-Format: bad Magic Cookie", …), naming the §2.16 General Error it maps to.</summary>
    public static string ToText(this PptpParseError error) => error switch
    {
        PptpParseError.None => "ok",
        PptpParseError.TooShort => "Bad-Format: shorter than the 12-octet PPTP header",
        PptpParseError.LengthBelowHeader => "Bad-Format: Length field below the 12-octet header",
        PptpParseError.BadPptpMessageType => "Bad-Format: PPTP Message Type is not 1 (Control Message)",
        PptpParseError.BadMagicCookie => "Bad-Format: Magic Cookie is not 0x1A2B3C4D",
        PptpParseError.UnknownControlMessageType => "Bad-Format: unknown Control Message Type",
        PptpParseError.LengthBelowMessageSize => "Bad-Format: Length field below the fixed size of the message type",
        PptpParseError.LengthAboveMessageSize => "Bad-Format: Length field above the fixed size of the message type",
        PptpParseError.LengthExceedsData => "Bad-Format: Length field larger than the data received",
        PptpParseError.UnexpectedControlMessageType => "unexpected Control Message Type",
        PptpParseError.ReservedFieldNonZero => "Bad-Value: reserved field was non-zero",
        _ => "unknown parse error",
    };

    /// <summary>
    /// The §2.16 General Error Code a reply should carry for a message rejected with <paramref name="error"/>:
    /// Bad-Value for a non-zero reserved field, Bad-Format for every length, type or cookie fault.
    /// </summary>
    public static PptpGeneralErrorCode ToGeneralErrorCode(this PptpParseError error) => error switch
    {
        PptpParseError.None => PptpGeneralErrorCode.None,
        PptpParseError.ReservedFieldNonZero => PptpGeneralErrorCode.BadValue,
        _ => PptpGeneralErrorCode.BadFormat,
    };

    // Only undefined values (peer garbage) allocate; logging them is rare.
    private static string Unknown(string what, byte value) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value} (unknown {what})");
}
