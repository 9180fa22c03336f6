namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>RADIUS packet Code (RFC 2865 §3, RFC 2866 §3, RFC 5997, RFC 5176 §3).</summary>
public enum RadiusCode : byte
{
    /// <summary>RFC 2865 §4.1.</summary>
    AccessRequest = 1,
    /// <summary>RFC 2865 §4.2.</summary>
    AccessAccept = 2,
    /// <summary>RFC 2865 §4.3.</summary>
    AccessReject = 3,
    /// <summary>RFC 2866 §4.1.</summary>
    AccountingRequest = 4,
    /// <summary>RFC 2866 §4.2.</summary>
    AccountingResponse = 5,
    /// <summary>RFC 2865 §4.4.</summary>
    AccessChallenge = 11,
    /// <summary>RFC 5997 §3 (keep-alive probe, answered with Access-Accept).</summary>
    StatusServer = 12,
    /// <summary>RFC 5176 §3.</summary>
    DisconnectRequest = 40,
    /// <summary>RFC 5176 §3.</summary>
    DisconnectAck = 41,
    /// <summary>RFC 5176 §3.</summary>
    DisconnectNak = 42,
    /// <summary>RFC 5176 §3.</summary>
    CoaRequest = 43,
    /// <summary>RFC 5176 §3.</summary>
    CoaAck = 44,
    /// <summary>RFC 5176 §3.</summary>
    CoaNak = 45,
}

/// <summary>RADIUS attribute types used by the gateway (RFC 2865 §5, RFC 2866 §5, RFC 2868, RFC 2869 §5, RFC 5176 §3).</summary>
public enum RadiusAttributeType : byte
{
    /// <summary>RFC 2865 §5.1.</summary>
    UserName = 1,
    /// <summary>RFC 2865 §5.2 (hidden with the shared secret).</summary>
    UserPassword = 2,
    /// <summary>RFC 2865 §5.3: CHAP Identifier (1) + Response (16).</summary>
    ChapPassword = 3,
    /// <summary>RFC 2865 §5.4.</summary>
    NasIpAddress = 4,
    /// <summary>RFC 2865 §5.5 (the gateway uses the PPTP call id).</summary>
    NasPort = 5,
    /// <summary>RFC 2865 §5.6.</summary>
    ServiceType = 6,
    /// <summary>RFC 2865 §5.7.</summary>
    FramedProtocol = 7,
    /// <summary>RFC 2865 §5.8.</summary>
    FramedIpAddress = 8,
    /// <summary>RFC 2865 §5.9.</summary>
    FramedIpNetmask = 9,
    /// <summary>RFC 2865 §5.18.</summary>
    ReplyMessage = 18,
    /// <summary>RFC 2865 §5.24.</summary>
    State = 24,
    /// <summary>RFC 2865 §5.25: echoed unmodified in accounting (RFC 2866 §5).</summary>
    Class = 25,
    /// <summary>RFC 2865 §5.26.</summary>
    VendorSpecific = 26,
    /// <summary>RFC 2865 §5.27.</summary>
    SessionTimeout = 27,
    /// <summary>RFC 2865 §5.28.</summary>
    IdleTimeout = 28,
    /// <summary>RFC 2865 §5.29.</summary>
    TerminationAction = 29,
    /// <summary>RFC 2865 §5.30.</summary>
    CalledStationId = 30,
    /// <summary>RFC 2865 §5.31.</summary>
    CallingStationId = 31,
    /// <summary>RFC 2865 §5.32.</summary>
    NasIdentifier = 32,
    /// <summary>RFC 2865 §5.33.</summary>
    ProxyState = 33,
    /// <summary>RFC 2866 §5.1.</summary>
    AcctStatusType = 40,
    /// <summary>RFC 2866 §5.2.</summary>
    AcctDelayTime = 41,
    /// <summary>RFC 2866 §5.3.</summary>
    AcctInputOctets = 42,
    /// <summary>RFC 2866 §5.4.</summary>
    AcctOutputOctets = 43,
    /// <summary>RFC 2866 §5.5.</summary>
    AcctSessionId = 44,
    /// <summary>RFC 2866 §5.6.</summary>
    AcctAuthentic = 45,
    /// <summary>RFC 2866 §5.7.</summary>
    AcctSessionTime = 46,
    /// <summary>RFC 2866 §5.8.</summary>
    AcctInputPackets = 47,
    /// <summary>RFC 2866 §5.9.</summary>
    AcctOutputPackets = 48,
    /// <summary>RFC 2866 §5.10.</summary>
    AcctTerminateCause = 49,
    /// <summary>RFC 2866 §5.11.</summary>
    AcctMultiSessionId = 50,
    /// <summary>RFC 2869 §5.1: how many times Acct-Input-Octets wrapped past 2^32.</summary>
    AcctInputGigawords = 52,
    /// <summary>RFC 2869 §5.2.</summary>
    AcctOutputGigawords = 53,
    /// <summary>RFC 2869 §5.3.</summary>
    EventTimestamp = 55,
    /// <summary>RFC 2865 §5.40.</summary>
    ChapChallenge = 60,
    /// <summary>RFC 2865 §5.41.</summary>
    NasPortType = 61,
    /// <summary>RFC 2868 §3.1 (tagged, 3-octet value).</summary>
    TunnelType = 64,
    /// <summary>RFC 2868 §3.2 (tagged, 3-octet value).</summary>
    TunnelMediumType = 65,
    /// <summary>RFC 2868 §3.3.</summary>
    TunnelClientEndpoint = 66,
    /// <summary>RFC 2868 §3.4.</summary>
    TunnelServerEndpoint = 67,
    /// <summary>RFC 2869 §5.11.</summary>
    ConnectInfo = 77,
    /// <summary>RFC 2869 §5.13.</summary>
    EapMessage = 79,
    /// <summary>RFC 2869 §5.14, RFC 3579 §3.2: HMAC-MD5 over the whole packet.</summary>
    MessageAuthenticator = 80,
    /// <summary>RFC 2869 §5.16.</summary>
    AcctInterimInterval = 85,
    /// <summary>RFC 5176 §3.5.</summary>
    ErrorCause = 101,
}

/// <summary>Microsoft vendor-specific attributes (vendor id 311, RFC 2548 §2).</summary>
public enum MicrosoftAttributeType : byte
{
    /// <summary>RFC 2548 §2.1.3: Ident (1), Flags (1), LM-Response (24), NT-Response (24).</summary>
    MsChapResponse = 1,
    /// <summary>RFC 2548 §2.1.5: Ident (1) + "E=... R=... C=... V=..." text.</summary>
    MsChapError = 2,
    /// <summary>RFC 2548 §2.4.4.</summary>
    MsMppeEncryptionPolicy = 7,
    /// <summary>RFC 2548 §2.4.5 (bit 0x2 = 40-bit, 0x4 = 128-bit; 0x8 = 56-bit per Microsoft).</summary>
    MsMppeEncryptionTypes = 8,
    /// <summary>RFC 2548 §2.1.1: MS-CHAPv1 8-octet or MS-CHAPv2 16-octet authenticator challenge.</summary>
    MsChapChallenge = 11,
    /// <summary>RFC 2548 §2.4.1: MS-CHAPv1 keys, 32 octets encrypted like User-Password.</summary>
    MsChapMppeKeys = 12,
    /// <summary>RFC 2548 §2.4.2: salt (2) + encrypted key.</summary>
    MsMppeSendKey = 16,
    /// <summary>RFC 2548 §2.4.3: salt (2) + encrypted key.</summary>
    MsMppeRecvKey = 17,
    /// <summary>RFC 2548 §2.3.2: Ident (1), Flags (1), Peer-Challenge (16), Reserved (8), Response (24).</summary>
    MsChap2Response = 25,
    /// <summary>RFC 2548 §2.3.3: Ident (1) + "S=" + 40 hex digits.</summary>
    MsChap2Success = 26,
}

/// <summary>Vendor ids of Vendor-Specific attributes (SMI Network Management Private Enterprise Codes).</summary>
public static class RadiusVendor
{
    /// <summary>Microsoft (RFC 2548 §2).</summary>
    public const uint Microsoft = 311;
}

/// <summary>Service-Type values (RFC 2865 §5.6).</summary>
public enum RadiusServiceType : uint
{
    /// <summary>Login.</summary>
    Login = 1,
    /// <summary>Framed: a PPP session.</summary>
    Framed = 2,
    /// <summary>Authorize-Only (RFC 5176 §3.2).</summary>
    AuthorizeOnly = 17,
}

/// <summary>Framed-Protocol values (RFC 2865 §5.7).</summary>
public enum RadiusFramedProtocol : uint
{
    /// <summary>PPP.</summary>
    Ppp = 1,
}

/// <summary>NAS-Port-Type values (RFC 2865 §5.41).</summary>
public enum RadiusNasPortType : uint
{
    /// <summary>Virtual: a tunnel such as PPTP.</summary>
    Virtual = 5,
}

/// <summary>Tunnel-Type values (RFC 2868 §3.1).</summary>
public enum RadiusTunnelType : uint
{
    /// <summary>Point-to-Point Tunneling Protocol.</summary>
    Pptp = 1,
}

/// <summary>Tunnel-Medium-Type values (RFC 2868 §3.2).</summary>
public enum RadiusTunnelMediumType : uint
{
    /// <summary>IPv4.</summary>
    IPv4 = 1,
}

/// <summary>Acct-Status-Type values (RFC 2866 §5.1, Interim-Update from RFC 2869 §2.1).</summary>
public enum AcctStatusType : uint
{
    /// <summary>Start.</summary>
    Start = 1,
    /// <summary>Stop.</summary>
    Stop = 2,
    /// <summary>Interim-Update.</summary>
    InterimUpdate = 3,
    /// <summary>Accounting-On.</summary>
    AccountingOn = 7,
    /// <summary>Accounting-Off.</summary>
    AccountingOff = 8,
}

/// <summary>Acct-Authentic values (RFC 2866 §5.6).</summary>
public enum AcctAuthentic : uint
{
    /// <summary>RADIUS.</summary>
    Radius = 1,
    /// <summary>Local.</summary>
    Local = 2,
    /// <summary>Remote.</summary>
    Remote = 3,
}

/// <summary>Acct-Terminate-Cause values (RFC 2866 §5.10).</summary>
public enum AcctTerminateCause : uint
{
    /// <summary>User Request: the client hung up (PPTP Call-Clear-Request / LCP Terminate).</summary>
    UserRequest = 1,
    /// <summary>Lost Carrier: the tunnel went away.</summary>
    LostCarrier = 2,
    /// <summary>Lost Service.</summary>
    LostService = 3,
    /// <summary>Idle Timeout.</summary>
    IdleTimeout = 4,
    /// <summary>Session Timeout.</summary>
    SessionTimeout = 5,
    /// <summary>Admin Reset ("clear vpdn", Disconnect-Request).</summary>
    AdminReset = 6,
    /// <summary>Admin Reboot (orderly gateway shutdown).</summary>
    AdminReboot = 7,
    /// <summary>Port Error.</summary>
    PortError = 8,
    /// <summary>NAS Error.</summary>
    NasError = 9,
    /// <summary>NAS Request.</summary>
    NasRequest = 10,
    /// <summary>NAS Reboot.</summary>
    NasReboot = 11,
    /// <summary>Port Unneeded.</summary>
    PortUnneeded = 12,
    /// <summary>Port Preempted.</summary>
    PortPreempted = 13,
    /// <summary>Port Suspended.</summary>
    PortSuspended = 14,
    /// <summary>Service Unavailable.</summary>
    ServiceUnavailable = 15,
    /// <summary>Callback.</summary>
    Callback = 16,
    /// <summary>User Error.</summary>
    UserError = 17,
    /// <summary>Host Request.</summary>
    HostRequest = 18,
}

/// <summary>Error-Cause values (RFC 5176 §3.5).</summary>
public enum RadiusErrorCause : uint
{
    /// <summary>201 Residual Session Context Removed.</summary>
    ResidualSessionContextRemoved = 201,
    /// <summary>401 Unsupported Attribute.</summary>
    UnsupportedAttribute = 401,
    /// <summary>402 Missing Attribute.</summary>
    MissingAttribute = 402,
    /// <summary>403 NAS Identification Mismatch.</summary>
    NasIdentificationMismatch = 403,
    /// <summary>404 Invalid Request.</summary>
    InvalidRequest = 404,
    /// <summary>405 Unsupported Service.</summary>
    UnsupportedService = 405,
    /// <summary>406 Unsupported Extension.</summary>
    UnsupportedExtension = 406,
    /// <summary>407 Invalid Attribute Value.</summary>
    InvalidAttributeValue = 407,
    /// <summary>501 Administratively Prohibited.</summary>
    AdministrativelyProhibited = 501,
    /// <summary>502 Request Not Routable (Proxy).</summary>
    RequestNotRoutable = 502,
    /// <summary>503 Session Context Not Found.</summary>
    SessionContextNotFound = 503,
    /// <summary>504 Session Context Not Removable.</summary>
    SessionContextNotRemovable = 504,
    /// <summary>505 Other Proxy Processing Error.</summary>
    OtherProxyProcessingError = 505,
    /// <summary>506 Resources Unavailable.</summary>
    ResourcesUnavailable = 506,
    /// <summary>507 Request Initiated.</summary>
    RequestInitiated = 507,
    /// <summary>508 Multiple Session Selection Unsupported.</summary>
    MultipleSessionSelectionUnsupported = 508,
}

/// <summary>MS-MPPE-Encryption-Policy values (RFC 2548 §2.4.4).</summary>
public enum MppeEncryptionPolicy : uint
{
    /// <summary>Encryption-Allowed.</summary>
    EncryptionAllowed = 1,
    /// <summary>Encryption-Required.</summary>
    EncryptionRequired = 2,
}

/// <summary>MS-MPPE-Encryption-Types bits (RFC 2548 §2.4.5; 0x08 for 56-bit is Microsoft's later addition).</summary>
[Flags]
public enum MppeEncryptionTypes : uint
{
    /// <summary>No bit set.</summary>
    None = 0,
    /// <summary>40-bit keys.</summary>
    Bits40 = 0x02,
    /// <summary>128-bit keys.</summary>
    Bits128 = 0x04,
    /// <summary>56-bit keys.</summary>
    Bits56 = 0x08,
}
